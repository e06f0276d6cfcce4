"""Envelopes going out: sealed once (the Olm ratchet advances and is saved with the message),
kept in the vault until the recipient or a holder has them, retried with back-off."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from vault.models import CommsMessage, Identity

from ..cards import ContactCard
from . import e2e, store
from .envelope import MAX_ENVELOPE_BYTES, Envelope

MAX_ATTEMPT_DELAY_S = 300.0
CLOCK_ERROR = (
    "Not delivered: your clock and the recipient's differ by more than 10 minutes. "
    "Set the right time, then send it again."
)
PUBLISH_RESEND_S = 10.0  # published on a dark topic: sent again if no receipt came by then
CONTROL_PUBLISHES = 3  # control messages get no receipt: published this many times, then dropped


class NotReachable(ValueError):
    """The peer's card has no messaging keys (an old card): no way to start a session."""


class PeerBlocked(NotReachable):
    """The user blocked this person: nothing of theirs comes in, nothing of ours is written to them."""


@dataclass(frozen=True)
class Pending:
    identity_id: str
    message_id: str
    peer_id: str
    addresses: tuple[str, ...]
    holders: tuple[str, ...]
    envelope: bytes
    recipient: bytes  # the recipient identity's Ed25519 key
    recipient_box: bytes  # its X25519 key: envelopes left with a holder are sealed to it
    luminosity: int = 0  # the recipient's: which dark topic it listens on
    attempts: int = 0


def seal(
    s: Session,
    identity: Identity,
    peer_sign: bytes,
    inner: dict[str, Any],
    kind: str,
    own_card: Callable[[], ContactCard],
    one_time_key: bytes | None = None,
    now: float | None = None,
) -> CommsMessage:
    """Encrypt `inner` for the peer and queue it; `kind` "text"/"json" shows in history, "control" not.
    A new session starts from `one_time_key` when we claimed one, else from the card's fallback key."""
    peer = store.get_peer(s, identity.id, peer_sign)
    if peer is not None and peer.state == "blocked" and kind != "control":
        # every path that writes to a person comes here (the user's messages, an app's): one rule
        raise PeerBlocked(f"You blocked {peer.display_name[:64]}: unblock them to write to them")
    card = store.peer_card(peer) if peer is not None else None
    if card is None or card.peer is None:
        raise NotReachable("This contact's card has no messaging keys: ask them for a new card")
    account, _ = store.load_account(s, identity)
    sessions = store.load_sessions(s, identity, peer_sign)
    session, row = (
        sessions[0]
        if sessions
        else (e2e.start_session(account, card.peer.olm_key, one_time_key or card.peer.fallback_key), None)
    )
    msg_id = os.urandom(16).hex()
    olm_type, body = e2e.encrypt(session, json.dumps({**inner, "id": msg_id}).encode())
    # the card rides along until the session is confirmed (pre-key messages), so a stranger can answer
    env = Envelope.seal(
        identity.sign_seed, peer_sign, olm_type, body, own_card().encode() if olm_type == 0 else None, msg_id, now
    )
    data = env.encode()
    if len(data) > MAX_ENVELOPE_BYTES:
        raise ValueError(f"The message is too large (at most about {MAX_ENVELOPE_BYTES // 1024} KiB)")
    store.save_session(s, identity, peer_sign, session, row)
    msg = CommsMessage(
        identity_id=identity.id,
        id=msg_id,
        peer_sign=peer_sign,
        direction="out",
        kind=kind,
        body={"body": inner.get("body")} if kind not in ("control", "app") else inner,  # app: its scope too
        state="queued",
        envelope=data,
        attempts=0,
        next_try=0.0,
    )
    s.add(msg)
    return msg


def due(s: Session, now: float, only_peer: bytes | None = None) -> list[Pending]:
    q = select(CommsMessage).where(CommsMessage.envelope.is_not(None), CommsMessage.next_try <= now)
    if only_peer is not None:
        q = q.where(CommsMessage.peer_sign == only_peer)
    out = []
    # insertion order within a time: a group's new session key goes before the messages using it
    for m in s.scalars(q.order_by(CommsMessage.created_at, literal_column("comms_message.rowid")).limit(500)):
        peer = store.get_peer(s, m.identity_id, m.peer_sign)
        card = store.peer_card(peer) if peer is not None else None
        if card is None or card.peer is None or peer is None or peer.state == "blocked":
            continue
        assert m.envelope is not None
        out.append(
            Pending(
                m.identity_id, m.id, card.peer.peer_id, card.peer.addresses, card.peer.holders, m.envelope,
                m.peer_sign, card.box_public, card.peer.luminosity, m.attempts,
            )
        )  # fmt: skip
    return out


def mark(s: Session, identity_id: str, message_id: str, outcome: str) -> str | None:
    """Record what became of a sending attempt: "delivered" (the recipient has it), "held" (a
    holder has it), "published" (on a dark topic: kept until the recipient's receipt comes), or
    "retry", or "clock": the recipient refused it for its date, and the same signed envelope never
    passes, so it fails with that reason. Returns the message's new visible state, if it changed."""
    m = s.get(CommsMessage, (identity_id, message_id))
    if m is None:
        return None
    if outcome == "clock":
        m.envelope = None
        if m.kind == "control":
            s.delete(m)
            return None
        m.state, m.updated_at, m.body = "failed", time.time(), {**(m.body or {}), "error": CLOCK_ERROR}
        return "failed"
    if outcome == "retry":
        m.attempts += 1
        m.next_try = time.time() + min(MAX_ATTEMPT_DELAY_S, 2.0**m.attempts)
        return None
    if outcome == "published":
        m.attempts += 1
        m.next_try = time.time() + min(MAX_ATTEMPT_DELAY_S, PUBLISH_RESEND_S * 2.0 ** (m.attempts - 1))
        if m.kind == "control" and "group" not in (m.body or {}):  # a group message's copy waits for its receipt
            if m.attempts >= CONTROL_PUBLISHES:
                s.delete(m)
            return None
        if m.state == "queued":
            m.state, m.updated_at = "sent", time.time()
            return "sent"
        return None
    m.envelope = None  # somebody else holds it now: nothing to resend
    if m.kind == "control":
        s.delete(m)
        return None
    new = "delivered" if outcome == "delivered" else "sent"
    if m.state in ("queued", "sent") and m.state != new:
        m.state, m.updated_at = new, time.time()
        return new
    return None
