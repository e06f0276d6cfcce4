"""Envelopes and the Olm layer, without a network: signatures bind every field, old and future
envelopes are refused, sessions give forward secrecy and refuse replays."""

from __future__ import annotations

import dataclasses
import os

import pytest
from nacl.signing import SigningKey

from mainframe_os.node.comms import e2e
from mainframe_os.node.comms.envelope import MAX_ENVELOPE_BYTES, BadEnvelope, Envelope


def _env(**changes: object) -> tuple[Envelope, bytes]:
    seed = os.urandom(32)
    env = Envelope.seal(seed, SigningKey.generate().verify_key.encode(), 1, b"ciphertext", "mfc1.card")
    return dataclasses.replace(env, **changes) if changes else env, seed


def test_round_trip_and_every_field_is_signed() -> None:
    env, _ = _env()
    assert Envelope.decode(env.encode()) == env
    for change in [
        {"id": os.urandom(16).hex()},
        {"recipient": os.urandom(32)},
        {"ts_ms": env.ts_ms + 1},
        {"olm_type": 0},
        {"body": b"ciphertexT"},
        {"card": "mfc1.other"},
        {"card": None},
        {"sender": SigningKey.generate().verify_key.encode()},
    ]:
        with pytest.raises(BadEnvelope, match="signature"):
            Envelope.decode(dataclasses.replace(env, **change).encode())  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [b"", b"[]", b"{}", b'{"v":2}', b"\xff\xfe", b'{"v":1,"id":"00","from":1}'])
def test_malformed_is_refused(raw: bytes) -> None:
    with pytest.raises(BadEnvelope):
        Envelope.decode(raw)


def test_oversized_is_refused_before_parsing() -> None:
    with pytest.raises(BadEnvelope, match="larger than"):
        Envelope.decode(b" " * (MAX_ENVELOPE_BYTES + 1))


def test_age_window() -> None:
    env, _ = _env()
    now = env.ts_ms / 1000
    env.check_age(now)
    env.check_age(now - 9 * 60)  # our clock 9 minutes behind theirs: tolerated
    with pytest.raises(BadEnvelope, match="future"):
        env.check_age(now - 11 * 60)
    with pytest.raises(BadEnvelope, match="too old"):
        env.check_age(now + 31 * 24 * 3600)


def test_olm_forward_secrecy_and_replay() -> None:
    alice, _ = e2e.new_account()
    bob, bob_fallback = e2e.new_account()
    a_to_b = e2e.start_session(alice, e2e.identity_key(bob), bob_fallback)
    t, first = e2e.encrypt(a_to_b, b"one")
    opened = e2e.decrypt(bob, [], e2e.identity_key(alice), t, first)
    assert opened.plaintext == b"one" and opened.new_session
    b_to_a = opened.session
    # a reply confirms the session; Alice's next messages are normal (not pre-key) messages
    rt, reply = e2e.encrypt(b_to_a, b"two")
    assert e2e.decrypt(alice, [a_to_b], None, rt, reply).plaintext == b"two"
    t2, second = e2e.encrypt(a_to_b, b"three")
    assert t2 == 1
    assert e2e.decrypt(bob, [b_to_a], None, t2, second).plaintext == b"three"
    # the same normal message again: its key is gone (forward secrecy), so it is refused
    with pytest.raises(e2e.DecryptFailed):
        e2e.decrypt(bob, [b_to_a], None, t2, second)
    # a message for Bob cannot be opened by someone else's account
    carol, _ = e2e.new_account()
    with pytest.raises(e2e.DecryptFailed):
        e2e.decrypt(carol, [], e2e.identity_key(alice), t, first)


def test_pickles_need_the_identity_key() -> None:
    import vodozemac as vz

    account, _ = e2e.new_account()
    key = e2e.pickle_key(os.urandom(32))
    pickled = account.pickle(key)
    assert vz.Account.from_pickle(pickled, key).curve25519_key == account.curve25519_key
    with pytest.raises(vz.PickleException):
        vz.Account.from_pickle(pickled, e2e.pickle_key(os.urandom(32)))
