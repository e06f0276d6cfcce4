"""Blocks to and from a CAR file (IPFS's Content Addressable aRchive, v1), for backups that
carry the file blocks beside the vault backup. `ipfs dag import` and Helia read the same file.

    CARv1 = varint(len(header)) header  { varint(len(cid) + len(data)) cid data }*
    header = DAG-CBOR {"roots": [CID, ...], "version": 1}

The blocks of an encrypted file are ciphertext and its key lives only in the vault (backed up
on its own), so the archive reveals sizes, not contents. Every block read back is checked
against its CID before it is stored; a truncated or altered archive stops with a clear error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .unixfs import Cid, UnixFsError, _varint

MAX_BLOCK = 4 * 1024 * 1024  # far above our 256 KiB chunks: a larger section is not a block


class CarError(ValueError):
    pass


def write_car(
    path: Path, roots: list[Cid], cids: Iterable[Cid], get: Callable[[Cid], bytes], progress: Callable[[int], None]
) -> tuple[int, int]:
    """Write the blocks `cids` (read with `get`) to `path` atomically; returns (blocks, bytes)."""
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    try:
        with open(tmp, "wb") as f:
            header = _header(roots)
            f.write(_varint(len(header)) + header)
            for cid in cids:
                block = get(cid)
                f.write(_varint(len(cid.raw) + len(block)) + cid.raw)
                f.write(block)
                count += 1
                progress(f.tell())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count, path.stat().st_size


def read_car(path: Path) -> Iterator[tuple[Cid, bytes]]:
    """Every block of a CAR file, each verified against its CID (CarError on any fault)."""
    with open(path, "rb") as f:
        size = _read_varint(f, allow_end=False)
        if size is None or size > 1 << 20:
            raise CarError("not a CAR file (no header)")
        f.read(size)
        while (section := _read_varint(f, allow_end=True)) is not None:
            if section > MAX_BLOCK + 128:
                raise CarError("a section of the archive is too large to be a block")
            data = f.read(section)
            if len(data) != section:
                raise CarError("the archive is cut short")
            cid, block = _split(data)
            if not cid.matches(block):
                raise CarError(f"block {cid} in the archive does not match its CID")
            yield cid, block


def _split(section: bytes) -> tuple[Cid, bytes]:
    """A section's CID (v1: version, codec, multihash code, digest length, digest) and block."""
    i = 0
    for _ in range(4):
        n, i = _varint_at(section, i)
    end = i + n
    try:
        return Cid.from_bytes(section[:end]), section[end:]
    except (UnixFsError, ValueError, IndexError):
        raise CarError("a block in the archive has a CID this version cannot read") from None


def _header(roots: list[Cid]) -> bytes:
    out = bytearray(b"\xa2\x65roots")  # map(2), "roots"
    out += _cbor_head(4, len(roots))
    for cid in roots:
        raw = b"\x00" + cid.raw  # DAG-CBOR links: tag 42 over the CID with a 0x00 prefix
        out += b"\xd8\x2a" + _cbor_head(2, len(raw)) + raw
    out += b"\x67version\x01"
    return bytes(out)


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * width):
            return bytes([major << 5 | extra]) + n.to_bytes(width, "big")
    raise ValueError("too many")


def _read_varint(f: BinaryIO, allow_end: bool) -> int | None:
    n = shift = 0
    for i in range(10):
        b = f.read(1)
        if not b:
            if i == 0 and allow_end:
                return None
            raise CarError("the archive is cut short")
        n |= (b[0] & 0x7F) << shift
        shift += 7
        if not b[0] & 0x80:
            return n
    raise CarError("the archive is damaged (bad length)")


def _varint_at(buf: bytes, i: int) -> tuple[int, int]:
    n = shift = 0
    while i < len(buf):
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i
    raise CarError("the archive is damaged (bad CID)")
