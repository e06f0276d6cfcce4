"""Accounts and storage read straight from the embedded dev chain's file, without py-evm.

A balance on the dev chain is a value in py-evm's state trie, and the chain keeps that trie in
one SQLite table (``sqlitedb.py``: ``kv``, key -> value). Reading it needs no EVM: find the
canonical head, take its state root, walk the Merkle-Patricia trie to the account, and (for a
token) the account's storage trie to one slot. That costs a few SQLite look-ups and a keccak
each, where opening the chain through py-evm and web3 costs more than a second of imports:
this is what lets ``mfos wallet balances`` answer without a running node in about the time of
the vault's key derivation.

Usage::

    with StateReader.open(home / "chain" / "chain.sqlite3") as state:
        account = state.account("0x...")          # None: no such account (balance 0)
        state.storage(account, slot_key)          # an int, 0 when the slot was never written

Safe while another process writes the chain: the file is opened read-only and every read of
one ``StateReader`` happens inside one SQLite read transaction, from the state root it read
first, so it sees one committed head (WAL mode keeps that snapshot while the writer goes on).
Anything that does not read as py-evm wrote it (a missing row, a node whose hash is not its
key, malformed RLP) raises :class:`StateUnreadable`, never a number: callers fall back to the
full chain.

Imports only the standard library and pycryptodome's keccak (py-evm, eth_utils, rlp and web3
take over a second to import; this module a few milliseconds).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from Crypto.Hash import keccak as _keccak

__all__ = [
    "CANONICAL_HEAD_KEY",
    "EMPTY_CODE_HASH",
    "Account",
    "StateReader",
    "StateUnreadable",
    "keccak",
    "mapping_slot",
    "rlp_decode",
]

# py-evm's SchemaV1 (eth/db/schema.py): the key holding the canonical head's block hash. The
# header itself is stored under its hash (eth/db/header.py, _get_block_header_by_hash).
CANONICAL_HEAD_KEY = b"v1:canonical_head_hash"
HEADER_STATE_ROOT = 3  # [parent_hash, uncles_hash, coinbase, state_root, ...] (the Yellow Paper's order)


def keccak(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


EMPTY_CODE_HASH = keccak(b"")  # the code hash of an account without code
BLANK_ROOT = keccak(b"\x80")  # the root of an empty trie: keccak(rlp(b""))


class StateUnreadable(Exception):
    """The chain file does not read as the state py-evm wrote: fall back to the full chain."""


@dataclass(frozen=True)
class Account:
    """An account as the state trie holds it: RLP [nonce, balance, storageRoot, codeHash]."""

    nonce: int
    balance: int
    storage_root: bytes
    code_hash: bytes


def mapping_slot(key: bytes, slot: int) -> bytes:
    """The storage slot of ``mapping[key]`` for a Solidity mapping declared at ``slot``:
    keccak(pad32(key) ++ pad32(slot)) (Solidity's storage layout for mappings)."""
    return keccak(key.rjust(32, b"\0") + slot.to_bytes(32, "big"))


# -- RLP ----------------------------------------------------------------------------------------------
# An RLP item is a byte string or a list of items. Prefix bytes: 0x00-0x7f a single byte that is
# its own value; 0x80-0xb7 a string of 0-55 bytes; 0xb8-0xbf a longer string whose length takes
# the next (prefix - 0xb7) bytes; 0xc0-0xf7 a list of 0-55 bytes of items; 0xf8-0xff a longer list.

Item: TypeAlias = bytes | list["Item"]


def rlp_decode(data: bytes) -> Item:
    """The one item `data` encodes (nothing may follow it), or StateUnreadable."""
    item, end = _rlp_item(data, 0)
    if end != len(data):
        raise StateUnreadable("trailing bytes after an RLP item")
    return item


def _rlp_item(data: bytes, pos: int) -> tuple[Item, int]:
    if pos >= len(data):
        raise StateUnreadable("truncated RLP")
    prefix = data[pos]
    if prefix < 0x80:
        return data[pos : pos + 1], pos + 1
    if prefix < 0xC0:
        start, length = _rlp_length(data, pos, prefix - 0x80)
        end = start + length
        if end > len(data):
            raise StateUnreadable("truncated RLP string")
        value = data[start:end]
        if length == 1 and value[0] < 0x80:
            raise StateUnreadable("non-canonical RLP string")  # must have been its own byte
        return value, end
    start, length = _rlp_length(data, pos, prefix - 0xC0)
    end = start + length
    if end > len(data):
        raise StateUnreadable("truncated RLP list")
    items: list[Item] = []
    cur = start
    while cur < end:
        item, cur = _rlp_item(data, cur)
        items.append(item)
    if cur != end:
        raise StateUnreadable("RLP list overruns its length")
    return items, end


def _rlp_length(data: bytes, pos: int, short: int) -> tuple[int, int]:
    """(payload start, payload length) for a prefix `short` past the start of its range."""
    if short <= 55:
        return pos + 1, short
    n = short - 55  # the length of the length
    raw = data[pos + 1 : pos + 1 + n]
    if len(raw) != n or raw[0] == 0:
        raise StateUnreadable("bad RLP length")
    length = int.from_bytes(raw, "big")
    if length <= 55:
        raise StateUnreadable("non-canonical RLP length")
    return pos + 1 + n, length


def _rlp_int(item: Item) -> int:
    if not isinstance(item, bytes) or item[:1] == b"\0":
        raise StateUnreadable("bad RLP integer")
    return int.from_bytes(item, "big")


# -- the trie -----------------------------------------------------------------------------------------


def _nibbles(key: bytes) -> list[int]:
    out: list[int] = []
    for b in key:
        out += (b >> 4, b & 0x0F)
    return out


def _hex_prefix(path: bytes) -> tuple[list[int], bool]:
    """A leaf's or extension's path (the Yellow Paper's hex-prefix encoding): the first nibble's
    bit 2 says leaf (else extension), bit 1 says an odd number of nibbles follow in that byte."""
    if not path:
        raise StateUnreadable("empty trie path")
    nibbles = _nibbles(path)
    flag = nibbles[0]
    if flag > 3 or (not flag & 1 and nibbles[1] != 0):
        raise StateUnreadable("bad hex-prefix path")
    return nibbles[1:] if flag & 1 else nibbles[2:], bool(flag & 2)


class StateReader:
    """Read-only view of one committed head of a dev chain file. Open with :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._state_root: bytes | None = None

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[StateReader]:
        """The chain file at `path`, read-only, as of one committed head (see the module's doc)."""
        if not Path(path).is_file():
            raise StateUnreadable(f"no chain file at {path}")
        try:
            conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise StateUnreadable(f"the chain file does not open: {exc}") from None
        try:
            conn.execute("BEGIN")  # one read transaction: every read below sees the same commit
            reader = cls(conn)
            reader.state_root  # noqa: B018 - the snapshot starts with this first read: the head at open
            yield reader
        except sqlite3.Error as exc:
            raise StateUnreadable(f"the chain file does not read: {exc}") from None
        finally:
            conn.close()

    def _get(self, key: bytes) -> bytes:
        row = self._conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise StateUnreadable(f"missing chain record {key[:40]!r}")
        return bytes(row[0])

    def _node(self, ref: Item) -> Item:
        """A trie node from its reference: a 32-byte hash of a stored node, or the node itself
        inlined in its parent (a node whose RLP is under 32 bytes is never stored apart)."""
        if isinstance(ref, list):
            return ref
        if len(ref) != 32:
            raise StateUnreadable("bad trie node reference")
        raw = self._get(ref)
        if keccak(raw) != ref:  # a corrupt row must never be read as some other value
            raise StateUnreadable("a trie node does not match its hash")
        return rlp_decode(raw)

    @property
    def state_root(self) -> bytes:
        """The state root of the canonical head (read once: the head of this snapshot)."""
        if self._state_root is None:
            head = self._get(CANONICAL_HEAD_KEY)
            raw = self._get(head)
            if keccak(raw) != head:
                raise StateUnreadable("the head header does not match its hash")
            header = rlp_decode(raw)
            root = header[HEADER_STATE_ROOT] if isinstance(header, list) and len(header) > HEADER_STATE_ROOT else None
            if not isinstance(root, bytes) or len(root) != 32:
                raise StateUnreadable("the head header has no state root")
            self._state_root = root
        return self._state_root

    def trie_get(self, root: bytes, key: bytes) -> bytes | None:
        """The value at `key` in the trie whose root hash is `root`; None when it is absent."""
        if root == BLANK_ROOT:
            return None
        path = _nibbles(key)
        node = self._node(root)
        while True:
            if not isinstance(node, list):
                raise StateUnreadable("a trie node is not a list")
            if len(node) == 17:  # branch: one child per next nibble, and a value ending here
                if not path:
                    value = node[16]
                    return value if isinstance(value, bytes) and value else None
                child = node[path[0]]
                path = path[1:]
            elif len(node) == 2:  # leaf (the rest of the path, the value) or extension (shared part, child)
                if not isinstance(node[0], bytes):
                    raise StateUnreadable("bad trie path")
                part, is_leaf = _hex_prefix(node[0])
                if is_leaf:
                    if part != path:
                        return None
                    return node[1] if isinstance(node[1], bytes) else None
                if path[: len(part)] != part:
                    return None
                child, path = node[1], path[len(part) :]
            else:
                raise StateUnreadable("a trie node of unknown shape")
            if child == b"":
                return None
            node = self._node(child)

    def account(self, address: str | bytes) -> Account | None:
        """The account at `address` at the head; None when the state has none (balance 0)."""
        raw = self.trie_get(self.state_root, keccak(_address_bytes(address)))
        if raw is None:
            return None
        fields = rlp_decode(raw)
        if not isinstance(fields, list) or len(fields) != 4:
            raise StateUnreadable("an account is not [nonce, balance, storageRoot, codeHash]")
        nonce, balance, root, code_hash = fields
        if not (isinstance(root, bytes) and len(root) == 32 and isinstance(code_hash, bytes) and len(code_hash) == 32):
            raise StateUnreadable("an account's roots are not 32 bytes")
        return Account(_rlp_int(nonce), _rlp_int(balance), root, code_hash)

    def storage(self, account: Account, slot: bytes) -> int:
        """The word at storage slot `slot` (32 bytes) of `account`; 0 when never written."""
        raw = self.trie_get(account.storage_root, keccak(slot))
        return 0 if raw is None else _rlp_int(rlp_decode(raw))


def _address_bytes(address: str | bytes) -> bytes:
    if isinstance(address, str):
        try:
            raw = bytes.fromhex(address.removeprefix("0x").removeprefix("0X"))
        except ValueError:
            raw = b""
    else:
        raw = address
    if len(raw) != 20:
        raise ValueError(f"not an address: {address!r}")
    return raw
