"""``header.json``: the only plaintext file of a vault.

It holds what is needed to turn a password into the database key and nothing else: the format
version, the creation time, the KDF params + salt, and the random data key sealed with
``SecretBox`` under Argon2id(password). No vault name, no identity, nothing the user typed.
Changing the password rewrites this file only; ``vault.db`` stays byte-for-byte the same.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.secret
import nacl.utils

from ._atomic import atomic_write_bytes
from ._errors import CorruptVault, UnsupportedFormat, WrongPassword
from ._kdf import SALT_BYTES, KdfParams, derive_key, prefetch

HEADER_FILE = "header.json"
FORMAT_NAME = "mainframe-os-vault"
FORMAT_VERSION = 1
DATA_KEY_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise CorruptVault("vault header is damaged")
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raise CorruptVault("vault header is damaged") from None
    if length is not None and len(raw) != length:
        raise CorruptVault("vault header is damaged")
    return raw


@dataclass(frozen=True)
class VaultHeader:
    format_version: int
    created_at: float
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    sealed_key: bytes

    @classmethod
    def seal(cls, password: str, data_key: bytes, kdf: KdfParams, created_at: float | None = None) -> VaultHeader:
        """Seal ``data_key`` under a fresh salt and nonce (runs the KDF once)."""
        kdf.require_strong()
        salt = nacl.utils.random(SALT_BYTES)
        nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
        box = nacl.secret.SecretBox(derive_key(password, salt, kdf))
        sealed = box.encrypt(data_key, nonce).ciphertext
        return cls(
            FORMAT_VERSION,
            time.time() if created_at is None else created_at,
            kdf,
            salt,
            nonce,
            sealed,
        )

    def unseal(self, password: str) -> bytes:
        """Return the data key, or raise WrongPassword after paying the full KDF cost."""
        box = nacl.secret.SecretBox(derive_key(password, self.salt, self.kdf))
        try:
            key = box.decrypt(self.sealed_key, self.nonce)
        except nacl.exceptions.CryptoError:
            raise WrongPassword("wrong password") from None
        if len(key) != DATA_KEY_BYTES:
            raise CorruptVault("vault header is damaged")
        return key

    def with_password(self, old: str, new: str, kdf: KdfParams | None = None) -> VaultHeader:
        """Re-seal the same data key under ``new``; WrongPassword if ``old`` is wrong."""
        data_key = self.unseal(old)
        if kdf is None:
            kdf = self.kdf if not self.kdf.is_weak else KdfParams.moderate()
        return VaultHeader.seal(new, data_key, kdf, self.created_at)

    def to_bytes(self) -> bytes:
        doc = {
            "format": FORMAT_NAME,
            "version": self.format_version,
            "created_at": self.created_at,
            "kdf": {**self.kdf.to_json(), "salt": _b64(self.salt)},
            "sealed_key": {
                "cipher": "xsalsa20poly1305",
                "nonce": _b64(self.nonce),
                "ciphertext": _b64(self.sealed_key),
            },
        }
        return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> VaultHeader:
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise CorruptVault("vault header is damaged") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
            raise CorruptVault("not a vault header")
        version = doc.get("version")
        if type(version) is not int or version < 1:
            raise CorruptVault("vault header is damaged")
        if version > FORMAT_VERSION:
            raise UnsupportedFormat(f"vault header version {version} is newer than this program supports")
        created_at = doc.get("created_at")
        kdf_doc = doc.get("kdf")
        sealed = doc.get("sealed_key")
        if (
            not isinstance(created_at, int | float)
            or not isinstance(kdf_doc, dict)
            or not isinstance(sealed, dict)
            or sealed.get("cipher") != "xsalsa20poly1305"
        ):
            raise CorruptVault("vault header is damaged")
        return cls(
            version,
            float(created_at),
            KdfParams.from_json(kdf_doc),
            _unb64(kdf_doc.get("salt"), SALT_BYTES),
            _unb64(sealed.get("nonce"), nacl.secret.SecretBox.NONCE_SIZE),
            _unb64(sealed.get("ciphertext"), DATA_KEY_BYTES + nacl.secret.SecretBox.MACBYTES),
        )


def read_header(folder: Path) -> VaultHeader:
    try:
        raw = (folder / HEADER_FILE).read_bytes()
    except FileNotFoundError:
        raise CorruptVault("vault header is missing") from None
    return VaultHeader.from_bytes(raw)


def write_header(folder: Path, header: VaultHeader) -> None:
    atomic_write_bytes(folder / HEADER_FILE, header.to_bytes())


def prefetch_unlock(folder: Path, password: str) -> None:
    """Start deriving the key that unlocking the vault in `folder` with `password` will need,
    on a thread, now (see _kdf.prefetch): a launcher or a command line still loading the
    database libraries unlocks that much sooner. Does nothing when the header does not read;
    the unlock itself reports that, and checks the password as always."""
    try:
        header = read_header(folder)
    except (CorruptVault, UnsupportedFormat, OSError):
        return
    prefetch(password, header.salt, header.kdf)
