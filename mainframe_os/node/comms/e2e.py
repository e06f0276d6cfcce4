"""End-to-end layer: vodozemac Olm accounts and sessions, as plain functions over pickles.

Every identity has one Olm account. Its Curve25519 identity key and a fallback key go on the
identity's card, so anyone holding the card can start a session while we are offline (the
fallback key is reusable; a replayed pre-key message is refused by the envelope id table).
Sessions ratchet forward with every message: a key seen once cannot decrypt later messages
(forward secrecy). Pickles are encrypted with a key derived from the identity's own secret and
live only in the vault; they are saved in the same transaction as the message they advanced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import vodozemac as vz


class DecryptFailed(ValueError):
    """No session of ours opens this message (replayed, forged or for another account)."""


def pickle_key(identity_secret: bytes) -> bytes:
    return hashlib.blake2b(identity_secret, digest_size=32, person=b"mfos-olm-pickle").digest()


def new_account() -> tuple[vz.Account, bytes]:
    """A new account and its fallback key (kept by us: vodozemac lists it only until published)."""
    account: Any = vz.Account()  # the stub lacks the fallback-key API that the library has
    account.generate_fallback_key()
    fallback = next(iter(account.fallback_key.values())).to_bytes()
    account.mark_keys_as_published()
    return account, fallback


def identity_key(account: vz.Account) -> bytes:
    return account.curve25519_key.to_bytes()


def start_session(account: vz.Account, their_identity_key: bytes, their_one_time_key: bytes) -> vz.Session:
    return account.create_outbound_session(
        vz.Curve25519PublicKey.from_bytes(their_identity_key), vz.Curve25519PublicKey.from_bytes(their_one_time_key)
    )


def encrypt(session: vz.Session, plaintext: bytes) -> tuple[int, bytes]:
    message_type, ciphertext = session.encrypt(plaintext).to_parts()
    return int(message_type), bytes(ciphertext)


@dataclass
class Opened:
    plaintext: bytes
    session: vz.Session
    new_session: bool  # True when the message started a session (save it as well)


def decrypt(
    account: vz.Account, sessions: list[vz.Session], their_identity_key: bytes | None, olm_type: int, body: bytes
) -> Opened:
    """Open a message with a known session, or start an inbound one from a pre-key message."""
    try:
        message = vz.AnyOlmMessage.from_parts(olm_type, body)
    except (ValueError, vz.DecodeException) as exc:
        raise DecryptFailed("not an Olm message") from exc
    pre_key = message.to_pre_key() if olm_type == 0 else None
    for session in sessions:
        if pre_key is not None and not session.session_matches(pre_key):
            continue
        try:
            return Opened(session.decrypt(message), session, False)
        except (ValueError, vz.OlmDecryptionException):
            continue
    if pre_key is None or their_identity_key is None:
        raise DecryptFailed("no session opens this message")
    try:
        session, plaintext = account.create_inbound_session(
            vz.Curve25519PublicKey.from_bytes(their_identity_key), pre_key
        )
    except (ValueError, vz.SessionCreationException, vz.KeyException) as exc:
        raise DecryptFailed("the pre-key message does not start a session with us") from exc
    return Opened(plaintext, session, True)
