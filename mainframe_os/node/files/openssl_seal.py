"""libsodium's secretstream push, computed with OpenSSL's ChaCha20-Poly1305 (about 1.5x faster
here: OpenSSL's ChaCha20 and Poly1305 use AVX2, the libsodium bundled with PyNaCl does not).

A secretstream message is exactly one RFC 8439 ChaCha20-Poly1305 encryption under the stream's
key and nonce (counter || inner nonce) of `tag block || message`, where the tag block is the tag
byte followed by 63 zeros, with no associated data: the tag block takes keystream block 1 and the
message starts at block 2, and the MAC covers both with RFC 8439's lengths, which is what
libsodium's `crypto_secretstream_xchacha20poly1305_push` computes, padding included when the
message's length is 0 or 8 modulo 16 (libsodium pads the message with `len % 16` zeros, RFC 8439
with `-len % 16`). Every message of a file but the last is 256 KiB; any other length is sealed
by libsodium itself, on the same state. The sealed message keeps
the first byte of the encrypted tag block, the encrypted message and the MAC; then the inner
nonce is XORed with the MAC's first 8 bytes and the counter incremented (libsodium again).

libsodium still makes the stream (its random header and HChaCha20 subkey), and opens it; only
pushing runs here. `OpenSslPush.available()` is False when libcrypto cannot be loaded or fails
the self-test against libsodium; callers then use libsodium's push. ctypes releases the GIL
around each call, so sealing overlaps the hashing and writing threads as libsodium's did.
"""

from __future__ import annotations

import ctypes
import functools
import os
from typing import Any

from nacl import bindings as sodium
from nacl._sodium import ffi, lib

_GET_TAG = 0x10  # EVP_CTRL_AEAD_GET_TAG
_STATE_KEY = slice(0, 32)  # libsodium's state: k[32], nonce[12] (counter LE32 || inner nonce[8])
_STATE_NONCE = slice(32, 44)
_REKEY = sodium.crypto_secretstream_xchacha20poly1305_TAG_REKEY  # FINAL has it too


def _loaded_libcrypto() -> str:
    """The libcrypto Python's own hashlib runs on (Linux: from /proc/self/maps). Not a search by
    name: on macOS an unversioned system libcrypto aborts the process that loads it."""
    import _hashlib  # noqa: F401 - maps the libcrypto it links

    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and "/libcrypto.so" in fields[5]:
                return fields[5].strip()
    raise OSError("Python's libcrypto is not mapped")


@functools.cache
def _libcrypto() -> Any:
    lib = ctypes.CDLL(_loaded_libcrypto())
    vp, cp, ip = ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)
    lib.EVP_CIPHER_CTX_new.restype = vp
    lib.EVP_CIPHER_CTX_new.argtypes = []
    lib.EVP_CIPHER_CTX_free.argtypes = [vp]
    lib.EVP_chacha20_poly1305.restype = vp
    lib.EVP_chacha20_poly1305.argtypes = []
    lib.EVP_EncryptInit_ex.argtypes = [vp, vp, vp, cp, cp]
    lib.EVP_EncryptUpdate.argtypes = [vp, vp, ip, vp, ctypes.c_int]
    lib.EVP_EncryptFinal_ex.argtypes = [vp, vp, ip]
    lib.EVP_CIPHER_CTX_ctrl.argtypes = [vp, ctypes.c_int, ctypes.c_int, vp]
    if not lib.EVP_chacha20_poly1305():
        raise OSError("libcrypto has no ChaCha20-Poly1305")
    return lib


class OpenSslPush:
    """Pushes messages onto a secretstream whose state libsodium initialised (`state`)."""

    def __init__(self, state: Any) -> None:
        self._state = state
        self._lib = _libcrypto()
        self._cipher = self._lib.EVP_chacha20_poly1305()
        self._ctx = self._lib.EVP_CIPHER_CTX_new()
        if not self._ctx:
            raise MemoryError("OpenSSL could not make a cipher context")
        self._tag_block = ctypes.create_string_buffer(64)
        self._scratch = ctypes.create_string_buffer(64)
        self._outl = ctypes.byref(ctypes.c_int())
        self._load_state()

    def __del__(self) -> None:
        ctx, self._ctx = getattr(self, "_ctx", None), None
        if ctx:
            self._lib.EVP_CIPHER_CTX_free(ctx)

    def push_into(self, message: memoryview, out: memoryview, tag: int) -> int:
        """Seal `message` into the start of `out` (writable, len(message) + 17 bytes at least)."""
        size = len(message)
        if len(out) < size + 17:
            raise ValueError("output buffer too small")
        if size % 16 not in (0, 8) or tag & _REKEY or self._counter == 0xFFFFFFFF:
            return self._push_libsodium(message, out, tag)  # libsodium's padding, or a rekey after it
        lib, ctx, outl = self._lib, self._ctx, self._outl
        nonce = self._counter.to_bytes(4, "little") + self._inonce.to_bytes(8, "little")
        ok = lib.EVP_EncryptInit_ex(ctx, None, None, None, nonce)  # the key stays; a new nonce
        self._tag_block[0] = bytes((tag,))
        ok &= lib.EVP_EncryptUpdate(ctx, self._scratch, outl, self._tag_block, 64)
        dest = _address(out, writable=True)
        if size:
            ok &= lib.EVP_EncryptUpdate(ctx, dest + 1, outl, _address(message), size)
        ok &= lib.EVP_EncryptFinal_ex(ctx, self._scratch, outl)
        ok &= lib.EVP_CIPHER_CTX_ctrl(ctx, _GET_TAG, 16, dest + 1 + size)
        if ok != 1:
            raise RuntimeError("OpenSSL could not seal a message")
        ctypes.memmove(dest, self._scratch, 1)  # the encrypted tag byte
        self._inonce ^= int.from_bytes(out[1 + size : 9 + size], "little")  # the MAC's first 8 bytes
        self._counter += 1  # < 2**32: see above
        return size + 17

    def _load_state(self) -> None:
        raw = bytes(ffi.buffer(self._state.statebuf, 44))
        nonce = raw[_STATE_NONCE]
        self._counter = int.from_bytes(nonce[:4], "little")
        self._inonce = int.from_bytes(nonce[4:], "little")
        if self._lib.EVP_EncryptInit_ex(self._ctx, self._cipher, None, raw[_STATE_KEY], nonce) != 1:
            raise RuntimeError("OpenSSL could not take the stream's key")

    def _push_libsodium(self, message: memoryview, out: memoryview, tag: int) -> int:
        """libsodium's own push on the state as we advanced it (a message of another length)."""
        nonce = self._counter.to_bytes(4, "little") + self._inonce.to_bytes(8, "little")
        ffi.memmove(self._state.statebuf + 32, nonce, 12)
        rc = lib.crypto_secretstream_xchacha20poly1305_push(
            self._state.statebuf, ffi.from_buffer(out, require_writable=True), ffi.NULL,
            ffi.from_buffer(message), len(message), ffi.NULL, 0, tag,
        )  # fmt: skip
        if rc != 0:
            raise RuntimeError("libsodium could not seal a message")
        self._load_state()  # libsodium may have rekeyed
        return len(message) + 17


def _address(view: memoryview, writable: bool = False) -> int:
    """The address of a buffer's first byte, valid while `view` lives (it pins the buffer)."""
    return int(ffi.cast("uintptr_t", ffi.from_buffer(view, require_writable=writable)))


@functools.cache
def available() -> bool:
    """OpenSSL loads and seals byte for byte what libsodium does (checked once per process)."""
    try:
        key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
        ours = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = sodium.crypto_secretstream_xchacha20poly1305_init_push(ours, key)
        theirs = sodium.crypto_secretstream_xchacha20poly1305_state()
        ffi.memmove(theirs.statebuf, ours.statebuf, 52)
        push = OpenSslPush(ours)
        for size, tag in (
            (70_000, 0),
            (0, 0),
            (1001, 0),
            (1000, sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL),
        ):
            message = os.urandom(size)
            out = bytearray(size + 17)
            push.push_into(memoryview(message), memoryview(out), tag)
            if bytes(out) != sodium.crypto_secretstream_xchacha20poly1305_push(theirs, message, None, tag):
                return False
        return bool(header)
    except (ImportError, OSError, AttributeError, RuntimeError, MemoryError):
        return False
