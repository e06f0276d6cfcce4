"""Fresh one-time keys, handed out on request (`/mainframe/keys/1.0.0`).

A card carries only the identity's reusable fallback key. A session started from a one-time key
instead gives the first messages forward secrecy too (once used, the key is gone from both
sides). So before starting a session with a contact that is online, we claim one: the contact's
node makes a new one-time key (vodozemac keeps the most recent 50 unused ones: replenishing is
making one per claim), marks it published, saves the account in the same transaction, and signs
it with the identity's Ed25519 key. We check that signature against the card and fall back to
the fallback key when the contact is offline, a stranger, or the answer is wrong.

Only contacts may claim (a signed claim, from a key we accepted): a stranger draining keys
would push out keys that contacts claimed and have not used yet.
"""

from __future__ import annotations

import base64
import json
import time
from typing import TYPE_CHECKING, Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import CommsSession, Identity

from . import e2e, store

if TYPE_CHECKING:
    from .service import CommsService

KEYS_PROTOCOL = "/mainframe/keys/1.0.0"
MAX_CLAIM_AGE_MS = 10 * 60 * 1000
CLAIM_TIMEOUT_S = 3.0
_DOMAIN_CLAIM = b"mfos-otk-claim-v1"
_DOMAIN_KEY = b"mfos-otk-v1"


class ClaimRefused(ValueError):
    """A claim we do not answer (malformed, unsigned, old, not from a contact)."""


def claim_request(seed: bytes, to: bytes) -> bytes:
    key = SigningKey(seed)
    frm, ts = bytes(key.verify_key.encode()), int(time.time() * 1000)
    sig = key.sign(_claim_bytes(frm, to, ts)).signature
    return json.dumps({"from": frm.hex(), "to": to.hex(), "ts": ts, "sig": base64.b64encode(sig).decode()}).encode()


def answer_claim(s: Session, request: bytes, now_ms: int | None = None) -> dict[str, Any]:
    """Our side: a new one-time key of the addressed identity, signed by it."""
    try:
        doc = json.loads(request)
        frm, to, ts = bytes.fromhex(doc["from"]), bytes.fromhex(doc["to"]), int(doc["ts"])
        VerifyKey(frm).verify(_claim_bytes(frm, to, ts), base64.b64decode(doc["sig"]))
    except (ValueError, KeyError, TypeError, BadSignatureError):
        raise ClaimRefused("malformed or unsigned claim") from None
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now_ms - ts) > MAX_CLAIM_AGE_MS:
        raise ClaimRefused("claim too old")
    ident_id = store.identities_by_key(s).get(to)
    if ident_id is None or not store.is_contact(s, ident_id, frm):
        raise ClaimRefused("not a contact")
    identity = s.get(Identity, ident_id)
    assert identity is not None
    account, row = store.load_account(s, identity)
    account.generate_one_time_keys(1)
    (otk,) = [k.to_bytes() for k in account.one_time_keys.values()]
    account.mark_keys_as_published()
    store.save_account(identity, account, row)
    olm = e2e.identity_key(account)
    sig = SigningKey(identity.sign_seed).sign(_DOMAIN_KEY + to + olm + otk).signature
    return {"ok": True, "otk": base64.b64encode(otk).decode(), "sig": base64.b64encode(sig).decode()}


def check_answer(reply: bytes, their_sign: bytes, their_olm: bytes) -> bytes | None:
    """The one-time key from a contact's answer, or None when it is not signed by them."""
    try:
        doc = json.loads(reply)
        otk, sig = base64.b64decode(doc["otk"]), base64.b64decode(doc["sig"])
        VerifyKey(their_sign).verify(_DOMAIN_KEY + their_sign + their_olm + otk, sig)
    except (ValueError, KeyError, TypeError, BadSignatureError):
        return None
    return otk if len(otk) == 32 else None


def _claim_bytes(frm: bytes, to: bytes, ts: int) -> bytes:
    return b"|".join([_DOMAIN_CLAIM, frm, to, ts.to_bytes(8, "big")])


async def claim(svc: CommsService, identity_id: str, peer_sign: bytes) -> bytes | None:
    """A fresh one-time key of a contact we have no session with yet, if it answers now."""
    from .host import PeerUnreachable

    def plan(s: Session) -> tuple[bytes, Any] | None:
        peer = store.get_peer(s, identity_id, peer_sign)
        identity = s.get(Identity, identity_id)
        if peer is None or identity is None or peer.state != "contact":
            return None
        if s.scalars(select(CommsSession.session_id).where(
            CommsSession.identity_id == identity_id, CommsSession.peer_sign == peer_sign
        ).limit(1)).first() is not None:  # fmt: skip
            svc.have_session.add((identity_id, peer_sign))
            return None
        card = store.peer_card(peer)
        return (identity.sign_seed, card.peer) if card.peer is not None else None

    host = svc.host
    if host is None or not svc.routing.settings.directStreams or (identity_id, peer_sign) in svc.have_session:
        return None  # a claim is a direct stream: not when the user keeps to dark routing
    found = await svc.node.db(plan)
    if found is None:
        return None
    seed, block = found
    try:
        (reply,) = await host.request(
            block.peer_id, block.addresses, KEYS_PROTOCOL, [claim_request(seed, peer_sign)], CLAIM_TIMEOUT_S
        )
    except PeerUnreachable:
        return None
    return check_answer(reply, peer_sign, block.olm_key)
