"""UnixFS file DAGs, built the way Kubo and Helia build them, so our CIDs are theirs.

Settings (the defaults of `ipfs add --cid-version 1 --raw-leaves` and of `ipfs-unixfs-importer`,
which `@helia/unixfs` uses): CIDv1, sha2-256, fixed 256 KiB chunks stored as raw leaves, and the
balanced layout with at most 174 links per node. A file of one chunk (including the empty file)
is that raw leaf itself; otherwise leaves are grouped 174 at a time under dag-pb nodes carrying
UnixFS `File` data, and those nodes 174 at a time again, until one root remains.

The builder is fed bytes in any slices and hands each finished block to a sink as it goes, so
a file of any size passes through in constant memory (at most one chunk plus 174 links per
level):

    builder = FileDagBuilder(store.put)
    for piece in stream:
        builder.write(piece)
    root = builder.finish()        # a Cid

The protobuf encodings (dag-pb's PBNode/PBLink and UnixFS's Data) are spelled out here: they
are small, and their exact byte order decides the CIDs (dag-pb writes Links before Data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

CHUNK_SIZE = 256 * 1024
MAX_LINKS = 174

RAW = 0x55
DAG_PB = 0x70
SHA2_256 = 0x12
UNIXFS_FILE = 2
_RAW_PREFIX = bytes((1, RAW, SHA2_256, 32))


class UnixFsError(ValueError):
    """Bytes that are not a UnixFS file node we accept (malformed, too wide, wrong type)."""


# -- CIDs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cid:
    """A CIDv1 with a sha2-256 multihash, kept as its binary form."""

    raw: bytes

    @classmethod
    def of(cls, codec: int, block: bytes | memoryview) -> Cid:
        return cls(bytes((1, codec, SHA2_256, 32)) + hashlib.sha256(block).digest())

    @classmethod
    def parse(cls, text: str) -> Cid:
        """A CID from its string form (any multibase); only v1 sha2-256 raw/dag-pb is accepted."""
        text = text.strip()
        if text.startswith("b") and len(text) == 59:  # base32, how we write them: no library needed
            import base64

            try:
                return cls.from_bytes(base64.b32decode(text[1:].upper() + "=", casefold=False))
            except ValueError:
                pass
        from multiformats import CID

        try:
            c = CID.decode(text)
        except Exception as exc:  # noqa: BLE001 - multiformats raises many kinds
            raise UnixFsError(f"not a CID: {text[:80]!r}") from exc
        return cls.from_bytes(bytes(c) if c.version == 1 else b"")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Cid:
        if len(raw) != 36 or raw[0] != 1 or raw[1] not in (RAW, DAG_PB) or raw[2:4] != bytes((SHA2_256, 32)):
            raise UnixFsError("only CIDv1 sha2-256 raw or dag-pb CIDs are supported")
        return cls(raw)

    @property
    def codec(self) -> int:
        return self.raw[1]

    @property
    def digest(self) -> bytes:
        return self.raw[4:]

    def matches(self, block: bytes | memoryview) -> bool:
        return hashlib.sha256(block).digest() == self.digest

    def __str__(self) -> str:
        return "b" + _base32(self.raw)


def _base32(data: bytes) -> str:
    import base64

    return base64.b32encode(data).decode("ascii").lower().rstrip("=")


# -- protobuf ---------------------------------------------------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(tag: int, payload: bytes) -> bytes:
    return _varint(tag) + _varint(len(payload)) + payload


@dataclass(frozen=True)
class Link:
    cid: Cid
    tsize: int  # the child's block plus everything under it, in bytes
    file_size: int  # the file bytes under the child (UnixFS blocksizes entry)


def encode_file_node(links: list[Link]) -> bytes:
    """A dag-pb node with UnixFS File data over `links` (dag-pb: Links first, then Data)."""
    out = bytearray()
    for link in links:
        # PBLink: Hash=1, Name=2 (always written, empty, as js and Go do), Tsize=3
        body = _field(0x0A, link.cid.raw) + b"\x12\x00" + b"\x18" + _varint(link.tsize)
        out += _field(0x12, body)
    total = sum(link.file_size for link in links)
    data = b"\x08" + _varint(UNIXFS_FILE) + b"\x18" + _varint(total)
    data += b"".join(b"\x20" + _varint(link.file_size) for link in links)
    out += _field(0x0A, data)
    return bytes(out)


def _read_varint(buf: bytes, i: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise UnixFsError("truncated or oversized varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, i
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, int, bytes | int]]:
    """(field number, wire type, value) of a protobuf message; only varint and bytes fields."""
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(buf, i)
            yield number, wire, value
        elif wire == 2:
            size, i = _read_varint(buf, i)
            if i + size > len(buf):
                raise UnixFsError("truncated protobuf field")
            yield number, wire, buf[i : i + size]
            i += size
        else:
            raise UnixFsError(f"unsupported protobuf wire type {wire}")


@dataclass(frozen=True)
class FileNode:
    """A decoded dag-pb UnixFS File node: its children in order and the file size it claims."""

    links: list[Link]
    file_size: int
    inline: bytes  # UnixFS Data.Data (file bytes stored in the node itself; empty for ours)


def decode_file_node(block: bytes, max_links: int) -> FileNode:
    """Parse a dag-pb UnixFS File node, refusing more than `max_links` children."""
    cids: list[tuple[Cid, int]] = []
    data = b""
    for number, wire, value in _fields(block):
        if number == 2 and wire == 2 and isinstance(value, bytes):
            if len(cids) >= max_links:
                raise UnixFsError(f"a node with more than {max_links} links is refused")
            cids.append(_decode_link(value))
        elif number == 1 and wire == 2 and isinstance(value, bytes):
            data = value
    ftype, file_size, inline, sizes = None, None, b"", []
    for number, _wire, value in _fields(data):
        if number == 1 and isinstance(value, int):
            ftype = value
        elif number == 2 and isinstance(value, bytes):
            inline = value
        elif number == 3 and isinstance(value, int):
            file_size = value
        elif number == 4 and isinstance(value, int):
            sizes.append(value)
    if ftype not in (0, UNIXFS_FILE):  # 0 = Raw, a legacy leaf type Go still reads
        raise UnixFsError("not a UnixFS file node")
    if len(sizes) != len(cids):
        raise UnixFsError("a file node's block sizes do not match its links")
    total = len(inline) + sum(sizes)
    if file_size is not None and file_size != total:
        raise UnixFsError("a file node's size does not match its blocks")
    links = [Link(cid, tsize, size) for (cid, tsize), size in zip(cids, sizes, strict=True)]
    return FileNode(links, total, inline)


def _decode_link(buf: bytes) -> tuple[Cid, int]:
    raw, tsize = b"", 0
    for number, _wire, value in _fields(buf):
        if number == 1 and isinstance(value, bytes):
            raw = value
        elif number == 3 and isinstance(value, int):
            tsize = value
    return Cid.from_bytes(raw), tsize


# -- the builder ------------------------------------------------------------------------------

BlockSink = Callable[[Cid, memoryview], None]  # the view is valid only during the call


class FileDagBuilder:
    """Streams bytes into a balanced UnixFS DAG, giving each block to `sink(cid, block)`.

    Equivalent to ipfs-unixfs-importer's balanced layout, done level by level as leaves arrive:
    a level that fills up to `max_links` entries is reduced to one node of the level above; at
    the end each level's remainder is reduced upwards until a single root remains.
    """

    def __init__(self, sink: BlockSink, chunk_size: int = CHUNK_SIZE, max_links: int = MAX_LINKS) -> None:
        self._sink = sink
        self._chunk_size = chunk_size
        self._max_links = max_links
        self._buf = bytearray()
        self._levels: list[list[Link]] = [[]]
        self._made: list[int] = [0]  # entries ever produced per level
        self._digests: Mapping[int, bytes] = {}
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview, digests: Mapping[int, bytes] | None = None) -> None:
        """Append `data`; `digests` may give the sha-256 of whole chunks in it already computed,
        keyed by the chunk's offset in the file (a chunk's offset is a multiple of the chunk size)."""
        self._digests = digests or {}
        view = memoryview(data)
        self.size += len(view)
        if self._buf:  # top up the partial chunk first
            take = self._chunk_size - len(self._buf)
            self._buf += view[:take]
            view = view[take:]
            if len(self._buf) < self._chunk_size:
                return
            self._leaf(memoryview(self._buf))
            self._buf = bytearray()  # a fresh one: a view of the old may not have been released
        while len(view) >= self._chunk_size:
            self._leaf(view[: self._chunk_size])
            view = view[self._chunk_size :]
        self._buf += view

    def finish(self) -> Cid:
        if self._buf or self._made[0] == 0:  # the last partial chunk; an empty file is one empty leaf
            self._leaf(memoryview(self._buf))
            self._buf = bytearray()
        level = 0
        while True:
            if self._made[level] == 1 and level == len(self._levels) - 1:
                return self._levels[level][0].cid
            if self._levels[level]:
                self._reduce(level)
            level += 1

    def _leaf(self, chunk: memoryview) -> None:
        digest = self._digests.get(self._made[0] * self._chunk_size) if len(chunk) == self._chunk_size else None
        cid = Cid(_RAW_PREFIX + digest) if digest is not None else Cid.of(RAW, chunk)
        self._sink(cid, chunk)
        self._push(0, Link(cid, len(chunk), len(chunk)))

    def _push(self, level: int, link: Link) -> None:
        if level == len(self._levels):
            self._levels.append([])
            self._made.append(0)
        self._levels[level].append(link)
        self._made[level] += 1
        if len(self._levels[level]) == self._max_links:
            self._reduce(level)

    def _reduce(self, level: int) -> None:
        links, self._levels[level] = self._levels[level], []
        links = [link for link in links if link.file_size > 0]  # as js does: empty leaves carry nothing
        block = encode_file_node(links)
        cid = Cid.of(DAG_PB, block)
        self._sink(cid, memoryview(block))
        self._push(level + 1, Link(cid, len(block) + sum(x.tsize for x in links), sum(x.file_size for x in links)))


def plain_cid(chunks: Iterator[bytes]) -> Cid:
    """The CID `ipfs add --cid-version 1 --raw-leaves` gives these bytes, storing nothing."""
    builder = FileDagBuilder(lambda _cid, _block: None)
    for chunk in chunks:
        builder.write(chunk)
    return builder.finish()
