"""Envelopes: what travels between peers. Pure data, no I/O.

An envelope carries one Olm-encrypted payload from one identity to another, signed with the
sender identity's Ed25519 key over every field, so a relay or holder cannot change who sent
it, to whom, when, or what. Checks on the way in, in order: size, shape, signature, recipient,
age (clock skew allowed both ways), then the replay table (in the store).

Wire form (UTF-8 JSON, one envelope per frame):
    {"v":1,"id":hex16,"from":hex32,"to":hex32,"ts":ms,"t":olm type,"body":b64,"card":str|null,"sig":b64}
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

MAX_ENVELOPE_BYTES = 64 * 1024  # a clear limit: bigger things travel as files, not messages
MAX_AGE_S = 30 * 24 * 3600  # older envelopes are refused (and seen ids are kept this long)
MAX_SKEW_S = 10 * 60  # a sender's clock may run this far ahead of ours
_DOMAIN = b"mfos-envelope-v1"
DATED_AHEAD = "envelope dated in the future (sender's clock is off)"
TOO_OLD = "envelope too old"
CLOCK_REASONS = (DATED_AHEAD, TOO_OLD)  # refusals that sending the same envelope again cannot fix


class BadEnvelope(ValueError):
    """An envelope that must be dropped; the message says why, without any content."""


@dataclass(frozen=True)
class Envelope:
    id: str  # 32 hex characters, random, also the message id
    sender: bytes  # Ed25519 public key of the sending identity
    recipient: bytes  # Ed25519 public key of the receiving identity
    ts_ms: int
    olm_type: int  # Olm: 0 = pre-key message (starts a session), 1 = normal; 2 = a Megolm group message
    body: bytes  # Olm ciphertext
    card: str | None  # the sender's card, so a stranger's request can be answered
    sig: bytes = b""

    @classmethod
    def seal(
        cls,
        seed: bytes,
        recipient: bytes,
        olm_type: int,
        body: bytes,
        card: str | None,
        env_id: str | None = None,
        now: float | None = None,
    ) -> Envelope:
        """`now`: the sending node's clock (seconds), when it is not this process's `time.time()`."""
        key = SigningKey(seed)
        unsigned = cls(
            env_id or os.urandom(16).hex(),
            key.verify_key.encode(),
            recipient,
            int((time.time() if now is None else now) * 1000),
            olm_type,
            body,
            card,
        )
        sig = key.sign(unsigned.signed_bytes()).signature
        return cls(**{**unsigned.__dict__, "sig": sig})

    def signed_bytes(self) -> bytes:
        card = (self.card or "").encode()
        return b"|".join(
            [
                _DOMAIN,
                bytes.fromhex(self.id),
                self.sender,
                self.recipient,
                self.ts_ms.to_bytes(8, "big"),
                bytes([self.olm_type]),
                hashlib.sha256(self.body).digest(),
                hashlib.sha256(card).digest(),
            ]
        )

    def encode(self) -> bytes:
        doc = {
            "v": 1,
            "id": self.id,
            "from": self.sender.hex(),
            "to": self.recipient.hex(),
            "ts": self.ts_ms,
            "t": self.olm_type,
            "body": base64.b64encode(self.body).decode(),
            "card": self.card,
            "sig": base64.b64encode(self.sig).decode(),
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> Envelope:
        """Parse and verify the signature; BadEnvelope on anything wrong."""
        if len(data) > MAX_ENVELOPE_BYTES:
            raise BadEnvelope(f"envelope larger than {MAX_ENVELOPE_BYTES} bytes")
        try:
            doc = json.loads(data)
            env = cls(
                _hex(doc["id"], 16).hex(),
                _hex(doc["from"], 32),
                _hex(doc["to"], 32),
                _int(doc["ts"]),
                _int(doc["t"]),
                base64.b64decode(doc["body"], validate=True),
                _opt_str(doc.get("card")),
                base64.b64decode(doc["sig"], validate=True),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BadEnvelope("malformed envelope") from exc
        if doc.get("v") != 1 or env.olm_type not in (0, 1, 2):
            raise BadEnvelope("unsupported envelope version")
        env.verify()
        return env

    def verify(self) -> None:
        try:
            VerifyKey(self.sender).verify(self.signed_bytes(), self.sig)
        except (BadSignatureError, ValueError) as exc:
            raise BadEnvelope("envelope signature does not match its sender") from exc

    def check_age(self, now: float | None = None) -> None:
        now_ms = int((time.time() if now is None else now) * 1000)
        if self.ts_ms > now_ms + MAX_SKEW_S * 1000:
            raise BadEnvelope(DATED_AHEAD)
        if self.ts_ms < now_ms - MAX_AGE_S * 1000:
            raise BadEnvelope(TOO_OLD)


def _hex(value: Any, n: int) -> bytes:
    raw = bytes.fromhex(value)
    if len(raw) != n:
        raise ValueError("wrong length")
    return raw


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("not a non-negative integer")
    return value


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("not a string")
    return value
