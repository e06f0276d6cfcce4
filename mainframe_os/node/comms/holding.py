"""Holding envelopes for offline contacts (the seed's "packet holding").

A holder keeps sealed envelopes for a recipient it agreed to hold for (a contact with
`hold_for_them`), within a quota per depositing peer and per recipient, until they expire or
the recipient fetches and acknowledges them. Fetch and acknowledge are signed by the
recipient's identity key (with a fresh timestamp), so nobody else can read or delete its
envelopes. Each envelope is sealed to the recipient's X25519 key (vodozemac PkEncryption) before
it is deposited, so the holder learns neither its sender nor its contents: only the recipient
it agreed to hold for, sizes and timing.

Requests on `/mainframe/hold/1.0.0` (JSON, one per frame, one reply each):
    {"op":"deposit","to":hex,"id":hex16,"sealed":b64}             -> {"ok":true}
    {"op":"fetch","to":hex,"ts":ms,"sig":b64}                    -> {"ok":true,"envs":[{"id","sealed"}...]}
    {"op":"ack","to":hex,"ts":ms,"ids":[hex,...],"sig":b64}      -> {"ok":true,"deleted":n}
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import vodozemac as vz
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vault.models import CommsHeld, CommsPeer

from .envelope import MAX_ENVELOPE_BYTES, MAX_SKEW_S

HOLD_FOR_S = 14 * 24 * 3600
MAX_PER_DEPOSITOR = 2000
MAX_BYTES_PER_DEPOSITOR = 32 * 1024 * 1024
MAX_PER_RECIPIENT = 5000
FETCH_BATCH_BYTES = 72 * 1024  # one reply frame; a single envelope is at most 64 KiB
SIGNED_FOR_S = MAX_SKEW_S  # a fetch or ack signature is good this long: the clock skew messages allow


class HoldRefused(ValueError):
    pass


def _signed(op: str, to: bytes, ts: int, ids: list[str]) -> bytes:
    return b"|".join([b"mfos-hold", op.encode(), to, ts.to_bytes(8, "big"), ",".join(ids).encode()])


def signed_request(seed: bytes, op: str, ids: list[str] | None = None, now: float | None = None) -> bytes:
    """A fetch or ack request from the recipient (on the recipient's side); `now`: its clock."""
    key = SigningKey(seed)
    to, ts = bytes(key.verify_key.encode()), int((time.time() if now is None else now) * 1000)
    sig = key.sign(_signed(op, to, ts, ids or [])).signature
    doc: dict[str, Any] = {"op": op, "to": to.hex(), "ts": ts, "sig": base64.b64encode(sig).decode()}
    if ids is not None:
        doc["ids"] = ids
    return json.dumps(doc).encode()


def handle(s: Session, depositor: str, request: bytes, now: float | None = None) -> dict[str, Any]:
    """The holder's side of one request (`now`: the holder's clock); HoldRefused for anything not allowed."""
    try:
        doc = json.loads(request)
        op = doc["op"]
    except (ValueError, KeyError, TypeError):
        raise HoldRefused("malformed request") from None
    if op == "deposit":
        return _deposit(s, depositor, doc)
    if op in ("fetch", "ack"):
        return _fetch_or_ack(s, op, doc, time.time() if now is None else now)
    raise HoldRefused("unknown operation")


def seal_for(recipient_box: bytes, envelope: bytes) -> bytes:
    """The envelope as only the recipient can open it: ephemeral key (32) | MAC (8) | ciphertext."""
    m = vz.PkEncryption.from_key(vz.Curve25519PublicKey.from_bytes(recipient_box)).encrypt(envelope)
    return bytes(m.ephemeral_key) + bytes(m.mac) + bytes(m.ciphertext)


def unseal(box_secret: bytes, sealed: bytes) -> bytes:
    """ValueError when it was not sealed to us or was changed on the way (a tampering holder)."""
    if len(sealed) < 41:
        raise ValueError("sealed envelope too short")
    try:
        message = vz.Message(sealed[40:], sealed[32:40], sealed[:32])
        return bytes(vz.PkDecryption.from_key(vz.Curve25519SecretKey.from_bytes(box_secret)).decrypt(message))
    except (vz.PkDecodeException, vz.PkInvalidKeySizeException, vz.KeyException) as exc:
        raise ValueError("the sealed envelope does not open") from exc


def deposit_request(recipient: bytes, recipient_box: bytes, env_id: str, envelope: bytes) -> bytes:
    sealed = base64.b64encode(seal_for(recipient_box, envelope)).decode()
    return json.dumps({"op": "deposit", "to": recipient.hex(), "id": env_id, "sealed": sealed}).encode()


def _deposit(s: Session, depositor: str, doc: dict[str, Any]) -> dict[str, Any]:
    try:
        to, env_id = bytes.fromhex(doc["to"]), bytes.fromhex(doc["id"]).hex()
        raw = base64.b64decode(doc["sealed"], validate=True)
    except (KeyError, ValueError, TypeError):
        raise HoldRefused("bad deposit") from None
    if len(to) != 32 or len(env_id) != 32 or not 41 <= len(raw) <= MAX_ENVELOPE_BYTES + 64:
        raise HoldRefused("bad deposit")
    holds = s.scalars(select(CommsPeer).where(CommsPeer.sign_public == to, CommsPeer.hold_for_them))
    if holds.first() is None:
        raise HoldRefused("this node does not hold messages for that recipient")
    if s.get(CommsHeld, env_id) is not None:
        return {"ok": True}  # the same envelope twice: keep one
    count, size = s.execute(
        select(func.count(), func.coalesce(func.sum(CommsHeld.size), 0)).where(CommsHeld.depositor == depositor)
    ).one()
    if count >= MAX_PER_DEPOSITOR or size + len(raw) > MAX_BYTES_PER_DEPOSITOR:
        raise HoldRefused("quota for your peer is full")
    per_recipient = s.scalar(select(func.count()).where(CommsHeld.recipient == to)) or 0
    if per_recipient >= MAX_PER_RECIPIENT:
        raise HoldRefused("quota for that recipient is full")
    now = time.time()
    s.add(
        CommsHeld(
            id=env_id, recipient=to, depositor=depositor, data=raw, size=len(raw), expires_at=now + HOLD_FOR_S,
            created_at=now,
        )
    )  # fmt: skip
    return {"ok": True}


def _fetch_or_ack(s: Session, op: str, doc: dict[str, Any], now: float) -> dict[str, Any]:
    try:
        to, ts = bytes.fromhex(doc["to"]), int(doc["ts"])
        ids = [str(i) for i in doc.get("ids", [])][:1000] if op == "ack" else []
        VerifyKey(to).verify(_signed(op, to, ts, ids), base64.b64decode(doc["sig"], validate=True))
    except (BadSignatureError, KeyError, ValueError, TypeError):
        raise HoldRefused("the request is not signed by the recipient") from None
    if abs(now * 1000 - ts) > SIGNED_FOR_S * 1000:
        raise HoldRefused("the request's time is too far from ours")
    s.execute(delete(CommsHeld).where(CommsHeld.expires_at < time.time()))
    if op == "ack":
        result = s.execute(delete(CommsHeld).where(CommsHeld.recipient == to, CommsHeld.id.in_(ids)))
        return {"ok": True, "deleted": int(getattr(result, "rowcount", 0) or 0)}
    envs: list[dict[str, str]] = []
    total = 0
    for row in s.scalars(select(CommsHeld).where(CommsHeld.recipient == to).order_by(CommsHeld.created_at)):
        if envs and total + row.size > FETCH_BATCH_BYTES:
            break
        envs.append({"id": row.id, "sealed": base64.b64encode(row.data).decode()})
        total += row.size
    return {"ok": True, "envs": envs}
