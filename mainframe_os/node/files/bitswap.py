"""Bitswap 1.2.0 messages (what Kubo, Helia and boxo speak on ``/ipfs/bitswap/1.2.0``), encoded
and decoded without I/O.

    Message { Wantlist wantlist = 1; repeated Block payload = 3; repeated BlockPresence
              blockPresences = 4; }
    Wantlist { repeated Entry entries = 1; bool full = 2; }
    Entry { bytes block = 1; int32 priority = 2; bool cancel = 3; WantType wantType = 4;
            bool sendDontHave = 5; }                    WantType: Block = 0, Have = 1
    Block { bytes prefix = 1; bytes data = 2; }         prefix: CID version, codec, hash, length
    BlockPresence { bytes cid = 1; Type type = 2; }     Type: Have = 0, DontHave = 1

On a stream each message is preceded by its length as a varint. A received block carries only
its CID's prefix: the CID is recomputed from the bytes, so a block can only ever be the block
its hash says, and a peer that sends other bytes sends a block nobody asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .unixfs import Cid, UnixFsError, _field, _fields, _varint

PROTOCOL = "/ipfs/bitswap/1.2.0"
MAX_MESSAGE = 4 * 1024 * 1024  # boxo's limit; a 256 KiB block plus headroom fits many times
WANT_BLOCK, WANT_HAVE = 0, 1
HAVE, DONT_HAVE = 0, 1


@dataclass(frozen=True)
class Want:
    cid: Cid
    cancel: bool = False
    want_type: int = WANT_BLOCK
    send_dont_have: bool = True
    priority: int = 1


@dataclass
class Message:
    wants: list[Want] = field(default_factory=list)
    full: bool = False
    blocks: list[tuple[Cid, bytes]] = field(default_factory=list)  # CIDs recomputed on decode
    presences: list[tuple[Cid, int]] = field(default_factory=list)

    def encode(self) -> bytes:
        out = bytearray()
        if self.wants or self.full:
            wl = b"".join(_field(0x0A, _encode_want(w)) for w in self.wants)
            out += _field(0x0A, wl + (b"\x10\x01" if self.full else b""))
        for cid, data in self.blocks:
            out += _field(0x1A, _field(0x0A, cid.raw[:4]) + _field(0x12, data))
        for cid, kind in self.presences:
            out += _field(0x22, _field(0x0A, cid.raw) + b"\x10" + _varint(kind))
        return bytes(out)

    @classmethod
    def decode(cls, data: bytes) -> Message:
        """Parse a message; anything malformed, oversized or with foreign CIDs raises UnixFsError."""
        if len(data) > MAX_MESSAGE:
            raise UnixFsError("bitswap message too large")
        msg = cls()
        for number, _wire, value in _fields(data):
            if not isinstance(value, bytes):
                continue
            if number == 1:
                msg._decode_wantlist(value)
            elif number == 3:
                msg.blocks.append(_decode_block(value))
            elif number == 4:
                msg.presences.append(_decode_presence(value))
        return msg

    def _decode_wantlist(self, data: bytes) -> None:
        for number, _wire, value in _fields(data):
            if number == 1 and isinstance(value, bytes):
                self.wants.append(_decode_want(value))
            elif number == 2:
                self.full = bool(value)


def frame(message: bytes) -> bytes:
    return _varint(len(message)) + message


def _encode_want(w: Want) -> bytes:
    out = _field(0x0A, w.cid.raw) + b"\x10" + _varint(w.priority)
    if w.cancel:
        out += b"\x18\x01"
    if w.want_type:
        out += b"\x20" + _varint(w.want_type)
    if w.send_dont_have:
        out += b"\x28\x01"
    return out


def _decode_want(data: bytes) -> Want:
    raw, priority, cancel, want_type, dont_have = b"", 1, False, WANT_BLOCK, False
    for number, _wire, value in _fields(data):
        if number == 1 and isinstance(value, bytes):
            raw = value
        elif number == 2 and isinstance(value, int):
            priority = value
        elif number == 3:
            cancel = bool(value)
        elif number == 4 and isinstance(value, int):
            want_type = value
        elif number == 5:
            dont_have = bool(value)
    return Want(Cid.from_bytes(raw), cancel, want_type, dont_have, priority)


def _decode_block(data: bytes) -> tuple[Cid, bytes]:
    prefix, block = b"", b""
    for number, _wire, value in _fields(data):
        if number == 1 and isinstance(value, bytes):
            prefix = value
        elif number == 2 and isinstance(value, bytes):
            block = value
    if len(prefix) != 4:
        raise UnixFsError("unsupported block prefix")
    return Cid.from_bytes(prefix + Cid.of(prefix[1], block).digest), block


def _decode_presence(data: bytes) -> tuple[Cid, int]:
    raw, kind = b"", HAVE
    for number, _wire, value in _fields(data):
        if number == 1 and isinstance(value, bytes):
            raw = value
        elif number == 2 and isinstance(value, int):
            kind = value
    return Cid.from_bytes(raw), kind
