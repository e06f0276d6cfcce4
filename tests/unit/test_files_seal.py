"""Sealing file messages with OpenSSL gives libsodium's secretstream bytes exactly (the add path
uses it for speed; every reader opens the stream with libsodium)."""

from __future__ import annotations

import os

from nacl import bindings as sodium
from nacl._sodium import ffi

from mainframe_os.node.files import openssl_seal
from mainframe_os.node.files.crypto import ABYTES, MESSAGE, Decryptor, Encryptor

FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL


def test_openssl_is_used_here() -> None:
    # CI and users have libcrypto (Python's hashlib links it): a fallback here would be a slowdown
    assert openssl_seal.available()
    assert Encryptor(os.urandom(32))._fast is not None


def test_openssl_push_is_libsodium_push_byte_for_byte() -> None:
    key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
    ours = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_push(ours, key)
    theirs = sodium.crypto_secretstream_xchacha20poly1305_state()
    ffi.memmove(theirs.statebuf, ours.statebuf, 52)
    push = openssl_seal.OpenSslPush(ours)
    sizes = [MESSAGE, 1, 0, 63, 64, 65, 4096 + 7, MESSAGE, 100_000]
    for i, size in enumerate(sizes):
        tag = FINAL if i == len(sizes) - 1 else (sodium.crypto_secretstream_xchacha20poly1305_TAG_PUSH if i == 3 else 0)
        message = os.urandom(size)
        out = bytearray(size + ABYTES + 5)  # room to spare: only the first size + 17 bytes are written
        assert push.push_into(memoryview(message), memoryview(out), tag) == size + ABYTES
        assert bytes(out[: size + ABYTES]) == sodium.crypto_secretstream_xchacha20poly1305_push(
            theirs, message, None, tag
        )
        assert out[size + ABYTES :] == bytes(5)


def test_a_fast_stream_opens_and_fails_like_a_libsodium_one() -> None:
    key = os.urandom(32)
    plain = [os.urandom(MESSAGE), os.urandom(MESSAGE), os.urandom(1234)]
    for fast in (True, False):
        enc = Encryptor(key, fast=fast)
        sealed = [enc.seal(p, final=i == len(plain) - 1) for i, p in enumerate(plain)]
        dec = Decryptor(key)
        opened = dec.feed(enc.header + b"".join(sealed)) + dec.finish()
        assert b"".join(opened) == b"".join(plain)
        damaged = bytearray(enc.header + b"".join(sealed))
        damaged[HEADER_AND_A_BIT] ^= 1
        try:
            Decryptor(key).feed(bytes(damaged))
        except ValueError:
            pass
        else:
            raise AssertionError("a flipped bit opened")


HEADER_AND_A_BIT = 24 + 1000
