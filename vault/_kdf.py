"""Password -> key derivation (Argon2id through PyNaCl)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import nacl.pwhash
from nacl.pwhash import argon2id

from ._errors import CorruptVault

KEY_BYTES = 32
SALT_BYTES = argon2id.SALTBYTES
ALGORITHM = "argon2id13"

# Parameters read from a file are bounded so a hostile header or backup cannot make us
# allocate unbounded memory or spin for minutes before the password is even checked. This
# program writes MODERATE (3 passes over 256 MiB); the margin admits up to libsodium's
# SENSITIVE cost (4 passes over 1 GiB, a few seconds), and no more in total.
_MAX_OPSLIMIT = 2 * argon2id.OPSLIMIT_SENSITIVE
_MAX_MEMLIMIT = argon2id.MEMLIMIT_SENSITIVE
_MAX_COST = argon2id.OPSLIMIT_SENSITIVE * argon2id.MEMLIMIT_SENSITIVE


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters.

    Use :meth:`moderate` (the default everywhere). Anything cheaper is refused when a vault
    or backup is written, unless the params came from :meth:`insecure_for_tests`.
    """

    opslimit: int
    memlimit: int
    allow_weak: bool = field(default=False, compare=False, repr=False)

    @classmethod
    def moderate(cls) -> KdfParams:
        return cls(argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE)

    @classmethod
    def insecure_for_tests(cls) -> KdfParams:
        """Cheapest possible params: for test fixtures only, never for a user's vault."""
        return cls(argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN, allow_weak=True)

    @property
    def is_weak(self) -> bool:
        moderate = KdfParams.moderate()
        return self.opslimit < moderate.opslimit or self.memlimit < moderate.memlimit

    def require_strong(self) -> None:
        """Raise ValueError for params below moderate that were not explicitly allowed."""
        if self.is_weak and not self.allow_weak:
            raise ValueError(
                "KDF parameters below KdfParams.moderate() are refused; use KdfParams.insecure_for_tests() in tests"
            )

    def to_json(self) -> dict[str, Any]:
        return {"alg": ALGORITHM, "opslimit": self.opslimit, "memlimit": self.memlimit}

    @classmethod
    def from_json(cls, data: Any, error: type[Exception] = CorruptVault) -> KdfParams:
        try:
            alg, ops, mem = data["alg"], data["opslimit"], data["memlimit"]
        except (KeyError, TypeError):
            raise error("KDF parameters missing") from None
        if alg != ALGORITHM or type(ops) is not int or type(mem) is not int:
            raise error("unknown KDF parameters")
        if (
            not (argon2id.OPSLIMIT_MIN <= ops <= _MAX_OPSLIMIT)
            or not (argon2id.MEMLIMIT_MIN <= mem <= _MAX_MEMLIMIT)
            or ops * mem > _MAX_COST
        ):
            raise error("KDF parameters out of range (more than this program ever uses)")
        # Reading what is on disk is always allowed; the strength rule applies when writing.
        return cls(ops, mem, allow_weak=True)


def normalize_password(password: str) -> bytes:
    """UTF-8 of the NFC form, so the same typed password works across OSes and keyboards."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    return unicodedata.normalize("NFC", password).encode("utf-8")


def derive_key(password: str, salt: bytes, params: KdfParams) -> bytes:
    """Argon2id(password, salt) -> 32-byte key. Always pays the full cost, right or wrong
    (once: a derivation started ahead by :func:`prefetch` for the same inputs is taken over)."""
    ahead = _take_prefetched(password, salt, params)
    if ahead is not None:
        return ahead.result()
    return _argon2id(password, salt, params)


def prefetch(password: str, salt: bytes, params: KdfParams) -> None:
    """Start deriving this key on a thread now, for the :func:`derive_key` call that will ask for
    it (a command line unlocks while it is still importing the libraries the command needs).
    Argon2id runs in libsodium without Python's lock, so it overlaps those imports. The result
    is handed to the first matching call only, and dropped by it."""
    job = _Derivation()
    with _lock:
        _ahead[(salt, params.opslimit, params.memlimit)] = (_fingerprint(password, salt), job)
    threading.Thread(target=job.run, args=(password, salt, params), name="vault-kdf", daemon=True).start()


def under_way(salt: bytes, params: KdfParams) -> bool:
    """Whether a :func:`prefetch` for this salt and cost is deriving a key now (on its thread)."""
    with _lock:
        return (salt, params.opslimit, params.memlimit) in _ahead


class _Derivation:
    """One key derivation under way on its own thread."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._key: bytes | None = None
        self._error: BaseException | None = None

    def run(self, password: str, salt: bytes, params: KdfParams) -> None:
        try:
            self._key = _argon2id(password, salt, params)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of derive_key
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> bytes:
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._key is not None
        key, self._key = self._key, None  # handed over once
        return key


# (salt, opslimit, memlimit) -> (fingerprint of the password, the derivation under way)
_ahead: dict[tuple[bytes, int, int], tuple[bytes, _Derivation]] = {}
_lock = threading.Lock()


def _fingerprint(password: str, salt: bytes) -> bytes:
    # Which password a derivation under way is for, without keeping the password itself.
    return hmac.new(salt, normalize_password(password), hashlib.sha256).digest()


def _take_prefetched(password: str, salt: bytes, params: KdfParams) -> _Derivation | None:
    with _lock:
        entry = _ahead.pop((salt, params.opslimit, params.memlimit), None)
    if entry is None or not hmac.compare_digest(entry[0], _fingerprint(password, salt)):
        return None
    return entry[1]


def _argon2id(password: str, salt: bytes, params: KdfParams) -> bytes:
    return nacl.pwhash.argon2id.kdf(
        KEY_BYTES,
        normalize_password(password),
        salt,
        opslimit=params.opslimit,
        memlimit=params.memlimit,
    )
