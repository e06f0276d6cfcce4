"""The backup file format: one authenticated, self-describing file per vault.

Layout::

    b"MFOSVBAK"  u16 format version (big endian)  u32 header length  header JSON  body

The plaintext header JSON says what is needed before a password is typed: the format version,
when the backup was made, the Argon2id params + salt, the body length and a SHA-256 checksum.
The checksum covers the magic, version, the header fields (canonical JSON without the checksum)
and the body, so a flipped byte anywhere is reported as corruption rather than as a wrong
password. The body is a libsodium secretstream (XChaCha20-Poly1305) keyed by
Argon2id(backup password):

- chunk 0: a JSON manifest (vault name, the vault's ``header.json``, database length),
  authenticated together with the header fields as additional data;
- chunks 1..n: the raw (SQLCipher-encrypted) ``vault.db`` bytes, 1 MiB each,
  the last one tagged FINAL so a cut-off stream can never verify.

The vault name lives only inside the encrypted manifest: like the vault itself, the backup
shows nothing about its owner without a password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.utils
from nacl import bindings as sodium

from ._atomic import atomic_writer
from ._errors import (
    BackupCorrupt,
    BackupTruncated,
    BackupWrongPassword,
    NotABackup,
    UnsupportedFormat,
)
from ._kdf import SALT_BYTES, KdfParams, derive_key

Progress = Callable[[int, int], None]

MAGIC = b"MFOSVBAK"
BACKUP_VERSION = 1
CHUNK_SIZE = 1 << 20
# The manifest is padded to a fixed size: the reader knows where the database chunks start, and
# the length of the (encrypted) vault name does not show.
MANIFEST_SIZE = 4096
_PREFIX = struct.Struct(">8sHI")
_MAX_HEADER = 64 * 1024
_SS_HEADER = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
_ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
_TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
_PLACEHOLDER = b'"' + b"0" * 64 + b'"'


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file says about itself without a password."""

    format_version: int
    created_at: float
    size: int
    payload_length: int
    kdf: KdfParams


@dataclass(frozen=True)
class _Header:
    fields: dict[str, Any]  # everything but the checksum
    sha256: str
    header_end: int  # offset of the body
    file_size: int

    @property
    def payload_length(self) -> int:
        return int(self.fields["payload_length"])


@dataclass(frozen=True)
class RestoredPayload:
    name: str
    header_json: bytes


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _db_chunks(db_len: int) -> int:
    return -(-db_len // CHUNK_SIZE)


def _ss_state() -> Any:
    return sodium.crypto_secretstream_xchacha20poly1305_state()


def write_backup(
    dest: Path,
    *,
    name: str,
    header_json: bytes,
    db_snapshot: Path,
    password: str,
    kdf: KdfParams,
    progress: Progress | None = None,
    tmp: Path | None = None,
) -> None:
    """Write a backup of an already consistent snapshot to ``dest`` atomically (via ``tmp``)."""
    kdf.require_strong()
    db_len = db_snapshot.stat().st_size
    manifest = json.dumps(
        {
            "name": name,
            "header": base64.b64encode(header_json).decode("ascii"),
            "db_length": db_len,
        },
        sort_keys=True,
    ).encode("utf-8")
    if len(manifest) > MANIFEST_SIZE:
        raise ValueError("vault header too large for a backup manifest")
    manifest = manifest.ljust(MANIFEST_SIZE, b" ")
    n_db = _db_chunks(db_len)
    payload_length = _SS_HEADER + len(manifest) + _ABYTES + db_len + n_db * _ABYTES
    salt = nacl.utils.random(SALT_BYTES)
    fields: dict[str, Any] = {
        "created_at": time.time(),
        "kdf": {**kdf.to_json(), "salt": base64.b64encode(salt).decode("ascii")},
        "payload_length": payload_length,
        "chunk_size": CHUNK_SIZE,
    }
    ad = _canonical(fields)
    header_doc = json.dumps({**fields, "sha256": "0" * 64}, sort_keys=True).encode("utf-8")
    prefix = _PREFIX.pack(MAGIC, BACKUP_VERSION, len(header_doc))
    checksum = hashlib.sha256(prefix[:10] + ad)
    total = len(manifest) + db_len
    done = 0

    key = derive_key(password, salt, kdf)
    state = _ss_state()
    with atomic_writer(dest, tmp) as out:
        out.write(prefix)
        out.write(header_doc)

        def emit(data: bytes) -> None:
            out.write(data)
            checksum.update(data)

        emit(sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key))
        tag0 = _TAG_FINAL if n_db == 0 else _TAG_MESSAGE
        emit(sodium.crypto_secretstream_xchacha20poly1305_push(state, manifest, ad, tag0))
        done += len(manifest)
        if progress:
            progress(done, total)
        with open(db_snapshot, "rb") as db:
            for i in range(n_db):
                chunk = db.read(CHUNK_SIZE)
                tag = _TAG_FINAL if i == n_db - 1 else _TAG_MESSAGE
                emit(sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, None, tag))
                done += len(chunk)
                if progress:
                    progress(done, total)
            if db.read(1):
                raise BackupCorrupt("database snapshot changed while it was being backed up")
        # The checksum is only known now; it sits at a fixed place in the header.
        out.seek(_PREFIX.size + header_doc.index(_PLACEHOLDER) + 1)
        out.write(checksum.hexdigest().encode("ascii"))
        out.seek(0, os.SEEK_END)


def _read_header(src: Path) -> _Header:
    try:
        size = src.stat().st_size
        with open(src, "rb") as f:
            prefix = f.read(_PREFIX.size)
            if len(prefix) < len(MAGIC) or prefix[: len(MAGIC)] != MAGIC:
                raise NotABackup("this file is not a vault backup")
            if len(prefix) < _PREFIX.size:
                raise BackupTruncated("the backup file is truncated")
            _, version, header_len = _PREFIX.unpack(prefix)
            if version > BACKUP_VERSION or version < 1:
                raise UnsupportedFormat(f"backup format version {version} is not supported by this program")
            if header_len > _MAX_HEADER:
                raise BackupCorrupt("the backup header is damaged")
            raw = f.read(header_len)
    except FileNotFoundError:
        raise NotABackup("backup file not found") from None
    except IsADirectoryError:
        raise NotABackup("this is a folder, not a vault backup") from None
    if len(raw) < header_len:
        raise BackupTruncated("the backup file is truncated")
    try:
        doc = json.loads(raw.decode("utf-8"))
        sha = doc.pop("sha256")
        if not isinstance(sha, str) or len(sha) != 64:
            raise ValueError
        KdfParams.from_json(doc["kdf"], BackupCorrupt)
        payload_length = doc["payload_length"]
        created_at = doc["created_at"]
        if type(payload_length) is not int or not isinstance(created_at, int | float):
            raise ValueError
    except BackupCorrupt:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupCorrupt("the backup header is damaged") from None
    header = _Header(doc, sha, _PREFIX.size + header_len, size)
    body = size - header.header_end
    if body < header.payload_length:
        raise BackupTruncated("the backup file is truncated")
    if body > header.payload_length:
        raise BackupCorrupt("the backup file has unexpected trailing data")
    return header


def inspect_backup(src: Path) -> BackupInfo:
    header = _read_header(src)
    return BackupInfo(
        format_version=BACKUP_VERSION,
        created_at=float(header.fields["created_at"]),
        size=header.file_size,
        payload_length=header.payload_length,
        kdf=KdfParams.from_json(header.fields["kdf"], BackupCorrupt),
    )


def verify_checksum(src: Path, header: _Header, progress: Progress | None, total: int) -> None:
    with open(src, "rb") as f:
        prefix = f.read(10)
        checksum = hashlib.sha256(prefix + _canonical(header.fields))
        f.seek(header.header_end)
        done = 0
        while True:
            data = f.read(CHUNK_SIZE)
            if not data:
                break
            checksum.update(data)
            done += len(data)
            if progress:
                progress(done, total)
    if done != header.payload_length:
        raise BackupTruncated("the backup file changed while it was being read")
    if not hmac_compare(checksum.hexdigest(), header.sha256):
        raise BackupCorrupt("the backup file is damaged (checksum mismatch)")


def hmac_compare(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def read_backup(src: Path, password: str, db_dest: Path, progress: Progress | None = None) -> RestoredPayload:
    """Verify ``src`` completely and decrypt its database into ``db_dest``.

    Raises before returning if anything does not verify; ``db_dest`` is then garbage the
    caller must remove.
    """
    header = _read_header(src)
    body = header.payload_length
    total = 2 * body  # one pass for the checksum, one for decryption
    verify_checksum(src, header, progress, total)

    kdf = KdfParams.from_json(header.fields["kdf"], BackupCorrupt)
    try:
        salt = base64.b64decode(header.fields["kdf"]["salt"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise BackupCorrupt("the backup header is damaged") from None
    if len(salt) != SALT_BYTES:
        raise BackupCorrupt("the backup header is damaged")
    key = derive_key(password, salt, kdf)
    ad = _canonical(header.fields)
    state = _ss_state()
    done = body
    with open(src, "rb") as f:
        f.seek(header.header_end)
        ss_header = f.read(_SS_HEADER)
        if len(ss_header) < _SS_HEADER:
            raise BackupTruncated("the backup file is truncated")
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, ss_header, key)
        remaining = body - _SS_HEADER
        ct = f.read(MANIFEST_SIZE + _ABYTES)
        if len(ct) < MANIFEST_SIZE + _ABYTES:
            raise BackupCorrupt("the backup contents are damaged")
        try:
            manifest_raw, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, ct, ad)
        except nacl.exceptions.CryptoError:
            # The checksum matched, so the bytes are what was written: the key is wrong.
            raise BackupWrongPassword("wrong password for this backup") from None
        remaining -= len(ct)
        try:
            manifest = json.loads(manifest_raw.decode("utf-8"))
            name = manifest["name"]
            header_json = base64.b64decode(manifest["header"], validate=True)
            db_len = manifest["db_length"]
            if not isinstance(name, str) or type(db_len) is not int:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise BackupCorrupt("the backup contents are damaged") from None
        if remaining != db_len + _db_chunks(db_len) * _ABYTES:
            raise BackupCorrupt("the backup contents are damaged")
        done += _SS_HEADER + len(ct)
        if progress:
            progress(done, total)
        written = 0
        with open(db_dest, "wb") as out:
            if tag == _TAG_FINAL and db_len:
                raise BackupCorrupt("the backup contents are damaged")
            while tag != _TAG_FINAL:
                ct = f.read(min(CHUNK_SIZE + _ABYTES, remaining))
                if not ct:
                    raise BackupTruncated("the backup file is truncated")
                remaining -= len(ct)
                try:
                    plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, ct)
                except nacl.exceptions.CryptoError:
                    raise BackupCorrupt("the backup contents are damaged") from None
                out.write(plain)
                written += len(plain)
                done += len(ct)
                if progress:
                    progress(done, total)
            if remaining or written != db_len:
                raise BackupCorrupt("the backup contents are damaged")
            out.flush()
            os.fsync(out.fileno())
    return RestoredPayload(name=name, header_json=header_json)
