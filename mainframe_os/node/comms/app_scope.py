"""App-scoped messages: what `mainframe.comms` carries for an app, in the vault.

An app holding COMMS_CONTACT talks to contacts through the same end-to-end sessions as the
user, but only inside its own scope:

- it never sees the contact list: the user picks contacts for it (a launcher prompt), and the
  app gets per-app ids (an HMAC under the app's own key, see apps/service.py), so two apps
  cannot correlate their ids, and an id of app A means nothing to app B;
- it may write only to contacts picked for it, or who wrote to it first through the same app
  (that contact chose to reach the user there), and to the members of its own channels;
- a message carries its app id and is stored and delivered only to the same app (the app id
  is derived from the developer key and name: the same app on the recipient's side); a message
  for an app the recipient does not have is dropped;
- a channel is an app's own group: an id, a name and members (their Ed25519 keys); a message
  to a channel goes to each member 1:1 (fan-out) and is accepted only from a member.

Inner message (inside the Olm envelope)::

    {"type": "app", "app": "<40 hex>", "mid": "<32 hex>", "body": <json>,
     "channel": {"id": "<32 hex>", "name": "...", "members": ["<64 hex>", ...]} | absent}

Everything here is plain functions over one SQLAlchemy session (run with `node.db`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import AppData, AppInstall, CommsMessage, Contact, Identity

from ..text import safe_text
from . import store

APP_KIND = "app"  # CommsMessage.kind of app-scoped messages (never in the user's history)
PICKED = "comms.contact"  # AppData kind: key = real contact id, value b"picked" | b"wrote"
SELECTED = "contacts.selected"  # AppData kind: key = real contact id the user picked in contacts.select
# Which picks let an app address a contact, by purpose: messages need a messaging pick (or the
# contact wrote first through the app); a payment takes either (the user picked them for this app
# and approves each payment anyway). None: every contact (an app holding MESSENGER).
MESSAGING = (PICKED,)
PAYING = (SELECTED, PICKED)
CHANNEL = "comms.channel"  # AppData kind: key = channel id, value = JSON
MAX_APP_JSON = 16_000  # bytes of JSON per app message (the envelope limit is 64 KiB)
MAX_CHANNEL_MEMBERS = 32
MAX_CHANNEL_NAME = 64
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class ScopeError(ValueError):
    """An app asked for something outside its scope (the methods turn it into 4100 / 4012)."""


class NotPicked(ScopeError):
    """The contact id is not one this app may write to."""


# -- per-app contact ids ---------------------------------------------------------------------------


def contact_pseudonym(key: bytes, contact_id: str) -> str:
    """The id an app sees for a contact (the same formula as AppsService.pseudonym)."""
    return hmac.new(key, ("contact:" + contact_id).encode(), hashlib.sha256).hexdigest()[:32]


def _install(s: Session, ident: str, app: str) -> AppInstall | None:
    rec = s.get(AppInstall, (ident, app))
    return None if rec is None or rec.source == "removed" else rec


def app_key(s: Session, ident: str, app: str) -> bytes:
    rec = _install(s, ident, app)
    if rec is None:
        raise ScopeError("this app is not installed for the identity")
    return bytes(rec.pseudonym_key)


def _contacts(s: Session, ident: str) -> list[Contact]:
    return list(s.scalars(select(Contact).where(Contact.identity_id == ident)))


class UnknownContact(NotPicked):
    """No contact of the identity has that id for this app (another app's id, a guess, a deleted one)."""


def resolve(s: Session, ident: str, app: str, pseudonym: str, picks: tuple[str, ...] | None = MESSAGING) -> Contact:
    """The contact behind an app's contact id, if the user picked it for this app in one of the
    ways `picks` names (NotPicked otherwise; UnknownContact when no contact has that id here).

    The one rule for every app method taking a contact id: ids are HMACs under the install's own
    random key, so another app's id (or the same app's under another identity) matches nothing,
    and an id the app saw without a pick (a channel member's) addresses nobody."""
    key = app_key(s, ident, app)
    for c in _contacts(s, ident):
        if hmac.compare_digest(contact_pseudonym(key, c.id), str(pseudonym)):
            if picks is not None and not any(s.get(AppData, (ident, app, kind, c.id)) for kind in picks):
                raise NotPicked(
                    "The user has not picked this contact for this app (comms.pickContacts, contacts.select)"
                )
            return c
    raise UnknownContact("No contact with that id for this app")


def select_picked(s: Session, ident: str, app: str, contact_ids: list[str]) -> list[dict[str, Any]]:
    """Remember contacts the user picked in contacts.select for the app; their per-app ids and names."""
    return _remember(s, ident, app, contact_ids, SELECTED, b"selected", refresh=True)


def pick(s: Session, ident: str, app: str, contact_ids: list[str], how: bytes = b"picked") -> list[dict[str, Any]]:
    """Remember contacts the user picked for the app; their per-app ids and names."""
    return _remember(s, ident, app, contact_ids, PICKED, how, refresh=False)


def _remember(
    s: Session, ident: str, app: str, contact_ids: list[str], kind: str, value: bytes, refresh: bool
) -> list[dict[str, Any]]:
    """Record the identity's own contacts among `contact_ids` as `kind` picks of the app (a pick
    already there is rewritten only when `refresh`); their per-app ids and names."""
    key = app_key(s, ident, app)
    out = []
    for cid in contact_ids:
        c = s.get(Contact, cid)
        if c is None or c.identity_id != ident:
            continue
        if refresh or s.get(AppData, (ident, app, kind, cid)) is None:
            s.merge(AppData(identity_id=ident, app_id=app, kind=kind, key=cid, value=value, updated_at=time.time()))
        out.append({"id": contact_pseudonym(key, cid), "displayName": safe_text(c.display_name)})
    return out


# -- sending ---------------------------------------------------------------------------------------


def check_body(body: Any) -> None:
    try:
        size = len(json.dumps(body, separators=(",", ":")).encode())
    except (TypeError, ValueError):
        raise ScopeError("the message must be JSON") from None
    if size > MAX_APP_JSON:
        raise ScopeError(f"the message is {size} bytes of JSON: at most {MAX_APP_JSON}")


def inner(app: str, body: Any, channel: dict[str, Any] | None = None, mid: str | None = None) -> dict[str, Any]:
    out = {"type": APP_KIND, "app": app, "mid": mid or os.urandom(16).hex(), "body": body}
    if channel is not None:
        out["channel"] = {"id": channel["id"], "name": channel["name"], "members": channel["members"]}
    return out


# -- channels --------------------------------------------------------------------------------------


def create_channel(s: Session, identity: Identity, app: str, name: str, picked: list[str]) -> dict[str, Any]:
    """A new channel of the app with the contacts behind `picked` (per-app ids) and us."""
    name = safe_text(name).strip()[:MAX_CHANNEL_NAME]
    if not name:
        raise ScopeError("a channel needs a name")
    members = {resolve(s, identity.id, app, p).sign_public.hex() for p in picked}
    if not members or len(members) >= MAX_CHANNEL_MEMBERS:
        raise ScopeError(f"a channel has 1 to {MAX_CHANNEL_MEMBERS - 1} picked contacts")
    members.add(store.sign_public(identity).hex())
    ch = {"id": os.urandom(16).hex(), "name": name, "members": sorted(members), "createdAt": time.time()}
    _save_channel(s, identity.id, app, ch)
    return ch


def _save_channel(s: Session, ident: str, app: str, ch: dict[str, Any]) -> None:
    s.merge(
        AppData(identity_id=ident, app_id=app, kind=CHANNEL, key=ch["id"], value=json.dumps(ch).encode(),
                updated_at=time.time())
    )  # fmt: skip


def get_channel(s: Session, ident: str, app: str, channel_id: str) -> dict[str, Any] | None:
    if not isinstance(channel_id, str) or not _HEX32.match(channel_id):
        return None
    row = s.get(AppData, (ident, app, CHANNEL, channel_id))
    return None if row is None else dict(json.loads(row.value))


def channels(s: Session, ident: str, app: str) -> list[dict[str, Any]]:
    q = select(AppData).where(AppData.identity_id == ident, AppData.app_id == app, AppData.kind == CHANNEL)
    found = [json.loads(r.value) for r in s.scalars(q)]
    return [channel_view(s, ident, app, ch) for ch in sorted(found, key=lambda c: c.get("createdAt", 0))]


def channel_view(s: Session, ident: str, app: str, ch: dict[str, Any]) -> dict[str, Any]:
    """What the app sees of a channel: the per-app ids of the members who are our contacts."""
    key = app_key(s, ident, app)
    by_sign = {c.sign_public.hex(): c for c in _contacts(s, ident)}
    known = [by_sign[m] for m in ch["members"] if m in by_sign]
    return {
        "id": ch["id"],
        "name": ch["name"],
        "size": len(ch["members"]),
        "members": [{"id": contact_pseudonym(key, c.id), "displayName": safe_text(c.display_name)} for c in known],
    }


def channel_recipients(s: Session, identity: Identity, ch: dict[str, Any]) -> list[bytes]:
    """The channel's members we can write to (contacts), never ourselves."""
    own = store.sign_public(identity).hex()
    return [bytes.fromhex(m) for m in ch["members"] if m != own and store.is_contact(s, identity.id, bytes.fromhex(m))]


# -- receiving (called by the inbox, inside its transaction) ---------------------------------------


def accept(s: Session, identity: Identity, env: Any, msg: dict[str, Any], card: Any, out: Any, held: bool) -> None:
    """The inbox handler for "app" messages: checks, channel membership, then one stored row."""
    ident = identity.id
    cid = store.contact_id(s, ident, env.sender)
    if cid is None or not store.is_contact(s, ident, env.sender):
        out.status, out.reason = "dropped", "not a contact (yet)"
        return
    app, mid, body = msg.get("app"), msg.get("mid"), msg.get("body")
    if not isinstance(app, str) or not _HEX40.match(app) or not isinstance(mid, str) or not _HEX32.match(mid):
        out.status, out.reason = "refused", "bad app message"
        return
    try:
        check_body(body)
    except ScopeError as exc:
        out.status, out.reason = "refused", str(exc)
        return
    if _install(s, ident, app) is None:
        out.status, out.reason = "dropped", "an app message for an app not installed here"
        return
    channel_id = None
    if "channel" in msg:
        ch = _incoming_channel(s, ident, app, env.sender.hex(), msg["channel"])
        if ch is None:
            out.status, out.reason = "dropped", "a channel message from a non-member"
            return
        channel_id = ch["id"]
        if msg.get("invite") is True:
            return  # a new channel: listed from now on, no message to show
    elif s.get(AppData, (ident, app, PICKED, cid)) is None:
        # they wrote to us through this app: the app may answer them
        pick(s, ident, app, [cid], b"wrote")
    s.add(
        CommsMessage(
            identity_id=ident, id=env.id, peer_sign=env.sender, direction="in", kind=APP_KIND, state="received",
            body={"app": app, "mid": mid, "body": body, "channel": channel_id, "sentAt": env.ts_ms / 1000},
            attempts=0, next_try=0.0,
        )
    )  # fmt: skip
    out.events.append(("app", {"id": env.id, "app": app}))


def _incoming_channel(s: Session, ident: str, app: str, sender: str, info: Any) -> dict[str, Any] | None:
    """The channel a message names: ours if we have it (the sender must be a member), else a
    new one from the message (the sender among its members)."""
    if not isinstance(info, dict) or not isinstance(info.get("id"), str):
        return None
    have = get_channel(s, ident, app, info["id"])
    if have is not None:
        return have if sender in have["members"] else None
    members, name = info.get("members"), info.get("name")
    if not isinstance(members, list) or not isinstance(name, str) or not _HEX32.match(info["id"]):
        return None
    members = [m for m in members if isinstance(m, str) and _HEX64.match(m)][:MAX_CHANNEL_MEMBERS]
    if sender not in members:
        return None
    own = store.sign_public(s.get(Identity, ident)).hex()  # type: ignore[arg-type]
    if own not in members:
        return None
    ch = {"id": info["id"], "name": safe_text(name)[:MAX_CHANNEL_NAME], "members": sorted(set(members)),
          "createdAt": time.time()}  # fmt: skip
    _save_channel(s, ident, app, ch)
    return ch


# -- what the app reads ----------------------------------------------------------------------------


def message_view(s: Session, ident: str, app: str, m: CommsMessage) -> dict[str, Any] | None:
    body = m.body or {}
    if m.kind != APP_KIND or body.get("app") != app or body.get("invite"):
        return None
    key = app_key(s, ident, app)
    c = s.scalars(select(Contact).where(Contact.identity_id == ident, Contact.sign_public == m.peer_sign)).first()
    return {
        "id": body.get("mid") or m.id,
        "contactId": contact_pseudonym(key, c.id) if c is not None else None,
        "displayName": safe_text(c.display_name) if c is not None else None,
        "direction": m.direction,
        "channelId": body.get("channel") if isinstance(body.get("channel"), str) else _channel_id(body),
        "body": body.get("body"),
        "state": m.state,
        "sentAt": body.get("sentAt", m.created_at),
    }


def _channel_id(body: dict[str, Any]) -> str | None:
    ch = body.get("channel")
    return ch.get("id") if isinstance(ch, dict) else None


def message_by_id(s: Session, ident: str, app: str, message_id: str) -> dict[str, Any] | None:
    m = s.get(CommsMessage, (ident, message_id))
    return None if m is None else message_view(s, ident, app, m)


def messages(
    s: Session, ident: str, app: str, contact: str | None, channel: str | None, limit: int
) -> list[dict[str, Any]]:
    """The app's messages (oldest first); a channel message sent to n members shows once."""
    q = select(CommsMessage).where(CommsMessage.identity_id == ident, CommsMessage.kind == APP_KIND)
    if channel is not None and get_channel(s, ident, app, channel) is None:
        raise NotPicked("No channel with that id for this app")
    if contact is not None:
        q = q.where(CommsMessage.peer_sign == resolve(s, ident, app, contact).sign_public)
    rows = s.scalars(q.order_by(CommsMessage.created_at.desc()).limit(limit * 8))
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for m in rows:
        v = message_view(s, ident, app, m)
        if v is None or (channel is not None and v["channelId"] != channel) or (contact and v["channelId"]):
            continue
        if v["id"] in seen:
            continue
        seen.add(v["id"])
        out.append(v)
        if len(out) >= limit:
            break
    return list(reversed(out))
