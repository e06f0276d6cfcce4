"""Per-file encryption: libsodium's secretstream (XChaCha20-Poly1305), a fresh key per file.

The ciphertext is the 24-byte stream header followed by one sealed message per 256 KiB of
plaintext (each 17 bytes longer than its plaintext); the last message carries the FINAL tag, so
a truncated file, reordered or swapped messages, or a flipped bit all fail to open. The DAG is
built over this ciphertext: blocks reveal nothing but the file's approximate size.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nacl import bindings as sodium
from nacl._sodium import ffi, lib  # seal_into: libsodium straight into our buffer, no copies

from . import openssl_seal

CIPHER = "secretstream-xchacha20poly1305/256k"  # stored with each file, so the scheme can change
MESSAGE = 256 * 1024
HEADER = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL


class DecryptionFailed(ValueError):
    """The ciphertext does not open with this key: damaged, truncated, or a different file."""


def new_key() -> bytes:
    return bytes(sodium.crypto_secretstream_xchacha20poly1305_keygen())


def encrypted_size(plain_size: int) -> int:
    messages = max(1, -(-plain_size // MESSAGE))
    return HEADER + plain_size + messages * ABYTES


class Encryptor:
    """Seals a plaintext stream message by message; feed it MESSAGE-sized pieces, the last one
    (possibly shorter or empty) with `final=True`. libsodium makes the stream; its messages are
    sealed by OpenSSL when it is there (the same bytes, faster: see openssl_seal.py)."""

    def __init__(self, key: bytes, fast: bool = True) -> None:
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        self.header: bytes = sodium.crypto_secretstream_xchacha20poly1305_init_push(self._state, key)
        self._fast = openssl_seal.OpenSslPush(self._state) if fast and openssl_seal.available() else None

    def seal(self, message: bytes, final: bool) -> bytes:
        out = bytearray(len(message) + ABYTES)
        self.seal_into(memoryview(message), memoryview(out), final)
        return bytes(out)

    def seal_into(self, message: memoryview, out: memoryview, final: bool) -> int:
        """Seal `message` into the start of `out` (at least len(message) + ABYTES long);
        returns the bytes written."""
        size = len(message) + ABYTES
        if len(out) < size:
            raise ValueError("output buffer too small")
        if self._fast is not None:
            return self._fast.push_into(message, out, _FINAL if final else 0)
        rc = lib.crypto_secretstream_xchacha20poly1305_push(
            self._state.statebuf,
            ffi.from_buffer(out, require_writable=True),
            ffi.NULL,
            ffi.from_buffer(message),
            len(message),
            ffi.NULL,
            0,
            _FINAL if final else 0,
        )
        if rc != 0:
            raise RuntimeError("libsodium could not seal a message")
        return size


def encrypt_stream(key: bytes, pieces: Iterator[bytes]) -> Iterator[bytes]:
    """The ciphertext of `pieces` (each exactly MESSAGE bytes except the last), header first."""
    enc = Encryptor(key)
    yield enc.header
    previous: bytes | None = None
    for piece in pieces:
        if previous is not None:
            yield enc.seal(previous, final=False)
        previous = piece
    yield enc.seal(previous or b"", final=True)


class Decryptor:
    """Opens a ciphertext stream fed in slices of any size; `feed` returns the plaintext it could
    open so far, `finish` checks the stream ended with its FINAL message."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._state: Any = None
        self._buf = bytearray()
        self._done = False

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out: list[bytes] = []
        if self._state is None:
            if len(self._buf) < HEADER:
                return out
            self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
            try:
                sodium.crypto_secretstream_xchacha20poly1305_init_pull(
                    self._state, bytes(self._buf[:HEADER]), self._key
                )
            except Exception as exc:  # noqa: BLE001 - libsodium's errors say nothing more useful
                raise DecryptionFailed("the file's encryption header is invalid") from exc
            del self._buf[:HEADER]
        while len(self._buf) >= MESSAGE + ABYTES:
            out.append(self._open(bytes(self._buf[: MESSAGE + ABYTES])))
            del self._buf[: MESSAGE + ABYTES]
        return out

    def finish(self) -> list[bytes]:
        out = []
        if self._buf and not self._done:
            out.append(self._open(bytes(self._buf)))
            self._buf.clear()
        if not self._done or self._buf:
            raise DecryptionFailed("the file is truncated or has bytes after its end")
        return out

    def _open(self, sealed: bytes) -> bytes:
        if self._done:
            raise DecryptionFailed("the file has bytes after its end")
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(self._state, sealed, None)
        except Exception as exc:  # noqa: BLE001
            raise DecryptionFailed("the file does not decrypt: damaged or not this key") from exc
        self._done = tag == _FINAL
        return bytes(plain)
