"""Groups: Megolm sessions over the same envelopes (vault side, one transaction per function).

Each member encrypts a group message once with its own outbound Megolm session and sends the
same ciphertext to every member (envelope type 2, signed by the sender's identity key). Session
keys travel pairwise over Olm ("group-key"), only to the members on the sender's roster. The
owner alone changes the roster ("group"); when someone is removed, every member drops its
outbound session, so the next message starts a new one that the removed member never gets.
Group messages are accepted only from members on our roster, with a key they gave us.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from typing import Any

import vodozemac as vz
from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import CommsGroup, CommsGroupKey, CommsMessage, Identity

from ..cards import ContactCard
from ..errors import InvalidCard
from ..text import safe_text
from . import e2e, store
from .envelope import Envelope

MAX_MEMBERS = 50
MEGOLM = 2  # envelope type of a group message


class GroupError(ValueError):
    pass


def group_json(g: CommsGroup, own: bytes) -> dict[str, Any]:
    members = [
        {"id": k, "displayName": safe_text(ContactCard.decode(c).display_name), "you": k == own.hex()}
        for k, c in sorted(g.members.items())
    ]
    return {"id": g.id, "name": safe_text(g.name), "owner": g.owner.hex(), "state": g.state, "members": members}


def find(s: Session, identity_id: str, ref: str) -> CommsGroup:
    groups = list(s.scalars(select(CommsGroup).where(CommsGroup.identity_id == identity_id)))
    hits = [g for g in groups if g.id == ref] or [g for g in groups if g.id.startswith(ref) or g.name == ref]
    if len(hits) != 1:
        raise GroupError(f"No single group matches '{ref[:64]}'")
    return hits[0]


def create(s: Session, identity: Identity, name: str, own_card: str, cards: dict[bytes, str]) -> CommsGroup:
    if len(cards) + 1 > MAX_MEMBERS:
        raise GroupError(f"A group has at most {MAX_MEMBERS} members")
    own = store.sign_public(identity)
    g = CommsGroup(
        identity_id=identity.id,
        id=os.urandom(16).hex(),
        name=name,
        owner=own,
        members={own.hex(): own_card, **{k.hex(): c for k, c in cards.items()}},
        state="active",
    )
    s.add(g)
    return g


def roster(g: CommsGroup) -> dict[str, Any]:
    # "group", not "id": the inner message's "id" is the message's own
    return {"type": "group", "group": g.id, "name": g.name, "owner": g.owner.hex(), "members": g.members}


def others(g: CommsGroup, own: bytes) -> list[bytes]:
    return [bytes.fromhex(k) for k in g.members if k != own.hex()]


def set_members(g: CommsGroup, members: dict[str, str]) -> bool:
    """Replace the roster; True when someone left it (our outbound session must rotate)."""
    removed = set(g.members) - set(members)
    g.members, g.updated_at = dict(members), time.time()
    if removed:
        g.outbound = None
    return bool(removed)


def apply_roster(s: Session, identity: Identity, sender: bytes, inner: dict[str, Any]) -> str | None:
    """A roster from the group's owner; returns the group id, or None if refused."""
    try:
        gid, owner, members = str(inner["group"]), bytes.fromhex(inner["owner"]), dict(inner["members"])
        cards = {k: ContactCard.decode(str(c)) for k, c in members.items()}
    except (KeyError, ValueError, TypeError, InvalidCard):
        return None
    if (
        owner != sender
        or len(members) > MAX_MEMBERS
        or any(bytes.fromhex(k) != c.sign_public for k, c in cards.items())
    ):
        return None
    own = store.sign_public(identity)
    g = s.get(CommsGroup, (identity.id, gid))
    if g is None:
        if not store.is_contact(s, identity.id, sender) or own.hex() not in members:
            return None  # only a contact can put us in a group
        g = CommsGroup(identity_id=identity.id, id=gid, name="", owner=owner, members={}, state="active")
        s.add(g)
    elif g.owner != sender:
        return None
    g.name = safe_text(str(inner.get("name") or ""))[:64] or "Group"
    set_members(g, {k: str(v) for k, v in members.items()})
    g.state = "active" if own.hex() in members else "removed"
    for k, card in cards.items():  # members we do not know yet: their keys, to share ours
        if k != own.hex() and store.get_peer(s, identity.id, card.sign_public) is None:
            store.remember_card(s, identity.id, card, str(members[k]), "member")
    return gid


def accept_key(s: Session, identity: Identity, sender: bytes, inner: dict[str, Any]) -> bool:
    g = s.get(CommsGroup, (identity.id, str(inner.get("group"))))
    if g is None or g.state != "active" or sender.hex() not in g.members:
        return False  # keys only from members on our roster
    try:
        inbound = vz.InboundGroupSession(vz.SessionKey(str(inner["key"])))
    except (KeyError, ValueError, vz.SessionKeyDecodeException):
        return False
    key = e2e.pickle_key(identity.box_secret)
    s.merge(
        CommsGroupKey(
            identity_id=identity.id,
            group_id=g.id,
            sender=sender,
            session_id=inbound.session_id,
            pickle=inbound.pickle(key),
        )
    )
    return True


def seal(
    s: Session,
    identity: Identity,
    g: CommsGroup,
    inner: dict[str, Any],
    kind: str,
    share: Callable[[bytes, dict[str, Any]], None],
    now: float | None = None,
) -> str:
    """Encrypt once for the group and queue one envelope per member; `share(member, inner)`
    queues an Olm control message (the session key, when a new session starts)."""
    if g.state != "active":
        raise GroupError("You are no longer in this group")
    own = store.sign_public(identity)
    pkey = e2e.pickle_key(identity.box_secret)
    if g.outbound is None:
        session = vz.GroupSession()
        for member in others(g, own):
            share(member, {"type": "group-key", "group": g.id, "key": session.session_key.to_base64()})
    else:
        session = vz.GroupSession.from_pickle(g.outbound, pkey)
    msg_id = os.urandom(16).hex()
    cipher = session.encrypt(json.dumps({**inner, "id": msg_id}).encode()).to_bytes()
    g.outbound = session.pickle(pkey)
    body = json.dumps({"g": g.id, "s": session.session_id, "m": base64.b64encode(cipher).decode()}).encode()
    for member in others(g, own):
        env = Envelope.seal(identity.sign_seed, member, MEGOLM, body, None, now=now)
        s.add(
            CommsMessage(
                identity_id=identity.id, id=env.id, peer_sign=member, direction="out", kind="control",
                body={"group": g.id}, state="queued", envelope=env.encode(), attempts=0, next_try=0.0,
            )
        )  # fmt: skip
    s.add(
        CommsMessage(
            identity_id=identity.id, id=msg_id, peer_sign=own, direction="out", kind=kind, group_id=g.id,
            body={"body": inner.get("body")}, state="sent", attempts=0, next_try=0.0,
        )
    )  # fmt: skip
    return msg_id


def open_message(s: Session, identity: Identity, env: Envelope) -> tuple[CommsGroup, dict[str, Any]] | None:
    """Decrypt a group envelope from a member on our roster, with the key they gave us."""
    try:
        doc = json.loads(env.body)
        gid, sid, cipher = str(doc["g"]), str(doc["s"]), base64.b64decode(doc["m"])
    except (ValueError, KeyError, TypeError):
        return None
    g = s.get(CommsGroup, (identity.id, gid))
    row = s.get(CommsGroupKey, (identity.id, gid, env.sender, sid))
    if g is None or g.state != "active" or env.sender.hex() not in g.members or row is None:
        return None
    pkey = e2e.pickle_key(identity.box_secret)
    try:
        inbound = vz.InboundGroupSession.from_pickle(row.pickle, pkey)
        plain = inbound.decrypt(vz.MegolmMessage.from_bytes(cipher)).plaintext
        inner = json.loads(plain)
    except (ValueError, vz.MegolmDecryptionException, vz.DecodeException):
        return None
    row.pickle = inbound.pickle(pkey)
    return (g, inner) if isinstance(inner, dict) else None


def leave(s: Session, identity: Identity, ref: str) -> tuple[CommsGroup, bytes]:
    """Leave a group (the owner is asked to drop us); returns the group and its owner."""
    g = find(s, identity.id, ref)
    own = store.sign_public(identity)
    if g.owner == own:
        raise GroupError("You created this group: remove its members instead")
    g.state, g.outbound, g.updated_at = "left", None, time.time()
    return g, g.owner


def member_left(s: Session, identity: Identity, sender: bytes, inner: dict[str, Any]) -> CommsGroup | None:
    """On the owner's side: a member asks to leave; drop them from the roster (keys rotate)."""
    g = s.get(CommsGroup, (identity.id, str(inner.get("group"))))
    if g is None or g.owner != store.sign_public(identity) or sender.hex() not in g.members:
        return None
    set_members(g, {k: v for k, v in g.members.items() if k != sender.hex()})
    return g
