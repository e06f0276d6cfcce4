"""A key derivation started ahead (the command line's cold start) is taken over by the unlock
that asks for the same key, and by nothing else."""

from __future__ import annotations

import nacl.utils

from vault import _kdf
from vault._kdf import KdfParams, derive_key, prefetch

PARAMS = KdfParams.insecure_for_tests()


def _direct(password: str, salt: bytes) -> bytes:
    return _kdf._argon2id(password, salt, PARAMS)


def test_the_unlock_takes_over_the_derivation_started_ahead() -> None:
    salt = nacl.utils.random(_kdf.SALT_BYTES)
    prefetch("correct horse", salt, PARAMS)
    assert (salt, PARAMS.opslimit, PARAMS.memlimit) in _kdf._ahead
    assert derive_key("correct horse", salt, PARAMS) == _direct("correct horse", salt)
    assert (salt, PARAMS.opslimit, PARAMS.memlimit) not in _kdf._ahead  # handed over once


def test_a_derivation_for_another_password_is_never_handed_over() -> None:
    salt = nacl.utils.random(_kdf.SALT_BYTES)
    prefetch("the password typed first", salt, PARAMS)
    key = derive_key("another password", salt, PARAMS)
    assert key == _direct("another password", salt)
    assert key != _direct("the password typed first", salt)
    assert not _kdf._ahead  # the stale one is dropped, not kept for later


def test_nothing_of_the_password_is_kept_in_clear() -> None:
    salt = nacl.utils.random(_kdf.SALT_BYTES)
    prefetch("a password to forget", salt, PARAMS)
    fingerprint, _job = _kdf._ahead[(salt, PARAMS.opslimit, PARAMS.memlimit)]
    assert b"a password to forget" not in fingerprint
    derive_key("a password to forget", salt, PARAMS)
