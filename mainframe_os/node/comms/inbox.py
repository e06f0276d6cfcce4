"""Envelopes coming in: from a peer's stream or from a holder, through the same checks.

`accept_envelope` runs in one vault transaction and returns what happened; the caller emits
the events. Order of checks: addressed to one of our identities, sender not blocked or
declined, envelope id not seen before, Olm opens it; then the inner message decides: a stranger
may only send a contact request, everything else needs an accepted contact.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from vault.models import CommsMessage, CommsSeen, Identity

from ..apps.sharing import accept_part as accept_app_part
from ..cards import ContactCard
from ..errors import InvalidCard
from ..text import safe_text
from . import app_scope, e2e, groups, store
from .envelope import BadEnvelope, Envelope

MAX_REQUEST_TEXT = 500
MAX_TEXT = 16_000


@dataclass
class Outcome:
    status: str  # "ok" | "duplicate" | "dropped" | "refused"
    reason: str = ""
    identity_id: str | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (kind, details)


def accept_envelope(s: Session, env: Envelope, via_holder: bool = False, now: float | None = None) -> Outcome:
    ident_id = store.identities_by_key(s).get(env.recipient)
    if ident_id is None:
        return Outcome("refused", "not addressed to an identity of this node")
    identity = s.get(Identity, ident_id)
    assert identity is not None
    try:
        env.check_age(now)
    except BadEnvelope as exc:
        return Outcome("refused", str(exc), ident_id)
    peer = store.get_peer(s, ident_id, env.sender)
    if peer is not None and peer.state in ("blocked", "declined"):
        return Outcome("dropped", "sender blocked", ident_id)  # silently: the sender learns nothing
    if s.get(CommsSeen, (ident_id, env.id)) is not None:
        return Outcome("duplicate", "already received", ident_id)
    if env.olm_type == groups.MEGOLM:
        return _group_message(s, identity, env, via_holder)
    their_card, keys_changed = _sender_card(peer, env)
    if keys_changed:
        # never absorbed silently: the user has to look (and re-add the contact's new card)
        return Outcome("refused", "the sender's keys changed", ident_id, [("keys-changed", {"peer": env.sender.hex()})])
    account, account_row = store.load_account(s, identity)
    sessions = store.load_sessions(s, identity, env.sender)
    their_key = their_card.peer.olm_key if their_card and their_card.peer else None
    try:
        opened = e2e.decrypt(account, [x for x, _ in sessions], their_key, env.olm_type, env.body)
    except e2e.DecryptFailed as exc:
        return Outcome("refused", str(exc), ident_id)
    row = next((r for x, r in sessions if x is opened.session), None)
    store.save_session(s, identity, env.sender, opened.session, row)
    if opened.new_session:
        store.save_account(identity, account, account_row)
    s.add(CommsSeen(identity_id=ident_id, envelope_id=env.id, seen_at=time.time()))
    try:
        inner = json.loads(opened.plaintext)
        kind = inner["type"]
    except (ValueError, KeyError, TypeError):
        return Outcome("refused", "unreadable message", ident_id)
    out = Outcome("ok", identity_id=ident_id)
    _INNER.get(kind, _unknown)(s, identity, env, inner, their_card, out, via_holder)
    return out


def _sender_card(peer: Any, env: Envelope) -> tuple[ContactCard | None, bool]:
    """The sender's card (ours on file for a contact, else the one signed into the envelope) and
    whether the envelope's card carries other end-to-end keys than the contact's card on file."""
    offered = None
    if env.card:
        try:
            offered = ContactCard.decode(env.card)
        except InvalidCard:
            offered = None
        if offered is not None and offered.sign_public != env.sender:
            offered = None
    stored = store.peer_card(peer) if peer is not None else None
    if stored is None or stored.peer is None or peer.state != "contact":
        return offered or stored, False
    changed = offered is not None and offered.peer is not None and offered.peer.olm_key != stored.peer.olm_key
    return stored, changed


def _request(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, _: bool
) -> None:
    if card is None or env.card is None:
        out.status, out.reason = "refused", "a contact request without a card"
        return
    peer = store.get_peer(s, identity.id, env.sender)
    if store.is_contact(s, identity.id, env.sender) or (peer is not None and peer.state == "outgoing"):
        # we asked them too (or know them already): both sides agree, no question to ask
        store.remember_card(s, identity.id, card, env.card, "contact")
        cid = store.add_contact(s, identity.id, card)
        out.events.append(("accepted", {"contactId": cid, "peer": env.sender.hex(), "reply": True}))
        return
    peer = store.remember_card(s, identity.id, card, env.card, "incoming")
    peer.message = safe_text(str(inner.get("message") or ""))[:MAX_REQUEST_TEXT]
    out.events.append(("request", {"peer": env.sender.hex(), "name": safe_text(card.display_name)}))


def _accept(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, _: bool
) -> None:
    peer = store.get_peer(s, identity.id, env.sender)
    if peer is None or peer.state not in ("outgoing", "contact") or card is None:
        out.status, out.reason = "dropped", "an acceptance nobody asked for"
        return
    store.remember_card(s, identity.id, card, env.card or peer.card, "contact")
    cid = store.add_contact(s, identity.id, card)
    out.events.append(("accepted", {"contactId": cid, "peer": env.sender.hex(), "reply": False}))


def _content(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, held: bool
) -> None:
    if not store.is_contact(s, identity.id, env.sender):
        peer = store.get_peer(s, identity.id, env.sender)
        if peer is None or peer.state != "outgoing" or card is None:
            out.status, out.reason = "dropped", "not a contact (yet)"  # a stranger never reaches the inbox
            return
        # we asked them and they write: that is their answer (their acceptance may come later, or
        # never when they added our card instead); dropping it would lose it for good (seen above)
        _accept(s, identity, env, inner, card, out, held)
    kind = "text" if inner["type"] == "text" else "json"
    body = inner.get("body")
    if kind == "text" and (not isinstance(body, str) or len(body) > MAX_TEXT):
        out.status, out.reason = "refused", "bad text message"
        return
    if card is not None and env.card:
        store.remember_card(s, identity.id, card, env.card, "contact")
    s.add(
        CommsMessage(
            identity_id=identity.id,
            id=env.id,
            peer_sign=env.sender,
            direction="in",
            kind=kind,
            body={"body": body, "sentAt": env.ts_ms / 1000},
            state="received",
            attempts=0,
            next_try=0.0,
        )
    )
    out.events.append(("message", {"id": env.id, "peer": env.sender.hex(), "kind": kind, "viaHolder": held}))


def _receipt(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, _: bool
) -> None:
    state = inner.get("state")
    ids = inner.get("ids")
    if state not in ("delivered", "read") or not isinstance(ids, list):
        out.status, out.reason = "refused", "bad receipt"
        return
    rank = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}
    for mid in ids[:1000]:
        msg = s.get(CommsMessage, (identity.id, str(mid)))
        # only our own messages to this very sender: a receipt cannot touch anything else
        if msg is None or msg.direction != "out" or msg.peer_sign != env.sender:
            continue
        msg.envelope = None  # they have it: a copy published on a dark topic is not sent again
        if msg.kind == "control":  # a group message's copy for this member: nothing more to track
            s.delete(msg)
            continue
        if rank.get(msg.state, 0) < rank[state]:
            msg.state, msg.updated_at = state, time.time()
            out.events.append(("state", {"id": msg.id, "state": state}))


def _card_update(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, _: bool
) -> None:
    try:
        new = ContactCard.decode(str(inner.get("card")))
    except InvalidCard:
        out.status, out.reason = "refused", "bad card update"
        return
    peer = store.get_peer(s, identity.id, env.sender)
    # the card must be the sender's own; a change of its Olm identity key is not absorbed here
    if peer is None or new.sign_public != env.sender or peer.state != "contact":
        out.status, out.reason = "dropped", "card update from a non-contact"
        return
    old = store.peer_card(peer)
    if old.peer is not None and new.peer is not None and old.peer.olm_key != new.peer.olm_key:
        out.events.append(("keys-changed", {"peer": env.sender.hex()}))
        return
    store.remember_card(s, identity.id, new, str(inner["card"]), "contact")


def _sas(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, _: bool
) -> None:
    tx, key, step = inner.get("tx"), inner.get("key"), inner.get("step")
    ok = isinstance(tx, str) and isinstance(key, str) and len(tx) <= 64 and len(key) <= 64
    if not ok or step not in ("start", "reply") or not store.is_contact(s, identity.id, env.sender):
        out.status, out.reason = "dropped", "a verification nobody can answer"
        return
    peer = store.get_peer(s, identity.id, env.sender)
    theirs = store.peer_card(peer).peer if peer is not None else None
    if theirs is None:
        out.status, out.reason = "dropped", "a verification from a contact without messaging keys"
        return
    account, _row = store.load_account(s, identity)
    keys = (store.sign_public(identity), e2e.identity_key(account), env.sender, theirs.olm_key)
    out.events.append(("sas", {"tx": tx, "key": key, "step": step, "keys": keys}))


def _group_message(s: Session, identity: Identity, env: Envelope, held: bool) -> Outcome:
    opened = groups.open_message(s, identity, env)
    if opened is None:
        return Outcome("refused", "not a group message we can open", identity.id)
    g, inner = opened
    s.add(CommsSeen(identity_id=identity.id, envelope_id=env.id, seen_at=time.time()))
    kind, body = inner.get("type"), inner.get("body")
    if kind not in ("text", "json") or (kind == "text" and (not isinstance(body, str) or len(body) > MAX_TEXT)):
        return Outcome("refused", "bad group message", identity.id)
    s.add(
        CommsMessage(
            identity_id=identity.id, id=env.id, peer_sign=env.sender, direction="in", kind=kind, group_id=g.id,
            body={"body": body, "sentAt": env.ts_ms / 1000}, state="received", attempts=0, next_try=0.0,
        )
    )  # fmt: skip
    out = Outcome("ok", identity_id=identity.id)
    out.events.append(("message", {"id": env.id, "kind": kind, "viaHolder": held, "group": g.id}))
    return out


def _group_roster(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, _: bool
) -> None:
    gid = groups.apply_roster(s, identity, env.sender, inner)
    if gid is None:
        out.status, out.reason = "dropped", "a group change not from its owner"
        return
    out.events.append(("group", {"id": gid}))


def _group_key(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, _: bool
) -> None:
    if not groups.accept_key(s, identity, env.sender, inner):
        out.status, out.reason = "dropped", "a group key not from a member"


def _group_leave(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, _: bool
) -> None:
    g = groups.member_left(s, identity, env.sender, inner)
    if g is None:
        out.status, out.reason = "dropped", "a leave for a group we do not own"
        return
    out.events.append(("group", {"id": g.id}))
    out.events.append(
        (
            "roster",
            {
                "id": g.id,
                "roster": groups.roster(g),
                "to": [env.sender, *groups.others(g, store.sign_public(identity))],
            },
        )
    )


def _unknown(
    s: Session, identity: Identity, env: Envelope, inner: dict[str, Any], card: Any, out: Outcome, _: bool
) -> None:
    out.status, out.reason = "refused", "unknown message type"


_INNER = {
    "request": _request,
    "accept": _accept,
    "text": _content,
    "json": _content,
    "receipt": _receipt,
    "card": _card_update,
    "sas": _sas,
    "group": _group_roster,
    "group-key": _group_key,
    "group-leave": _group_leave,
    "app": app_scope.accept,  # mainframe.comms: stored for the same app only
    "app-part": accept_app_part,  # a piece of a shared app's package (apps/sharing.py)
}
