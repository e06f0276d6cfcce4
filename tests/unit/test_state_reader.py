"""The dev chain's stored-state reader (node/chain/state_reader.py) against independent
implementations: py-trie builds the tries, pyrlp encodes, eth_utils hashes. The reader must
find every key the trie holds (inline nodes, extensions, branches), report absent keys as absent,
and raise StateUnreadable, never return a number, when a row is missing or damaged."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
import rlp
from eth_utils import keccak
from trie import HexaryTrie

from mainframe_os.node.chain.state_reader import (
    CANONICAL_HEAD_KEY,
    EMPTY_CODE_HASH,
    StateReader,
    StateUnreadable,
    mapping_slot,
    rlp_decode,
)
from mainframe_os.node.wallet.token_artifacts import short_string

BLANK_ROOT = keccak(b"\x80")


def _write_db(path: Path, rows: dict[bytes, bytes]) -> None:
    """A kv database as node/chain/sqlitedb.py keeps it (WAL, one kv table)."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
    conn.executemany("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", list(rows.items()))
    conn.close()


def _header(state_root: bytes, number: int) -> bytes:
    """A London-style header: the reader needs the state root (4th) and the number (9th)."""
    fields = [b"\x11" * 32, keccak(rlp.encode([])), b"\x22" * 20, state_root, BLANK_ROOT, BLANK_ROOT]
    fields += [b"\x00" * 256, 0, number, 30_000_000, 21_000, 1_700_000_000, b"", b"\x00" * 32, b"\x00" * 8, 7]
    return rlp.encode(fields)


def _chain(tmp_path: Path, accounts: dict[bytes, list[object]], extra: dict[bytes, bytes] | None = None) -> Path:
    """A database whose canonical head's state holds `accounts` (address -> account fields)."""
    db: dict[bytes, bytes] = {}
    state = HexaryTrie(db)
    for address, fields in accounts.items():
        state[keccak(address)] = rlp.encode(fields)
    header = _header(state.root_hash, 42)
    db[keccak(header)] = header
    db[CANONICAL_HEAD_KEY] = keccak(header)
    db.update(extra or {})
    path = tmp_path / "chain.sqlite3"
    _write_db(path, db)
    return path


def _rows(path: Path) -> dict[bytes, bytes]:
    conn = sqlite3.connect(str(path))
    try:
        return {bytes(k): bytes(v) for k, v in conn.execute("SELECT k, v FROM kv")}
    finally:
        conn.close()


def _set_row(path: Path, key: bytes, value: bytes | None) -> None:
    conn = sqlite3.connect(str(path), isolation_level=None)
    if value is None:
        conn.execute("DELETE FROM kv WHERE k = ?", (key,))
    else:
        conn.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (key, value))
    conn.close()


def test_rlp_decoder_matches_pyrlp_and_refuses_malformed_items() -> None:
    rng = random.Random(7)

    def item(depth: int) -> object:
        if depth > 2 or rng.random() < 0.5:
            return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 1, 2, 31, 55, 56, 300])))
        return [item(depth + 1) for _ in range(rng.randrange(0, 6))]

    for _ in range(300):
        x = item(0)
        assert rlp_decode(rlp.encode(x)) == x
    for bad in (
        b"",  # nothing
        b"\x81\x05",  # a byte below 0x80 must be its own encoding
        b"\xb8\x05hello",  # long form for a short length
        b"\x83ab",  # truncated string
        b"\xc3\x01\x02",  # truncated list
        b"\x01\x02",  # trailing bytes
        b"\xb9\x00\x38" + b"x" * 56,  # length with a leading zero byte
    ):
        with pytest.raises(StateUnreadable):
            rlp_decode(bad)


def test_trie_walk_finds_every_key_through_inline_nodes_extensions_and_branches(tmp_path: Path) -> None:
    """Short keys and values make nodes under 32 bytes, which the parent embeds; shared prefixes
    make extensions; many keys make branches, and a branch's own value (a key that ends there)."""
    rng = random.Random(11)
    db: dict[bytes, bytes] = {}
    t = HexaryTrie(db)
    keys = {b"\x01", b"\x01\x02", b"\x01\x02\x03", b"\x01\x02\x04", b"\xab\xcd", b"\xab\xce\x00\x00\x00\x00"}
    keys |= {bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6))) for _ in range(400)}
    for k in keys:
        t[k] = bytes(rng.randrange(1, 256) for _ in range(rng.choice([1, 3, 40])))
    path = tmp_path / "trie.sqlite3"
    header = _header(t.root_hash, 1)
    _write_db(path, {**db, keccak(header): header, CANONICAL_HEAD_KEY: keccak(header)})
    with StateReader.open(path) as state:
        embedded = [c for n in db.values() for c in rlp_decode(n) if isinstance(c, list)]  # type: ignore[union-attr]
        assert embedded  # some nodes were under 32 bytes, so their parents hold them inline
        for k in keys:
            assert state.trie_get(t.root_hash, k) == t[k]
        for _ in range(300):
            k = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 7)))
            assert state.trie_get(t.root_hash, k) == (t[k] or None)
        assert state.trie_get(BLANK_ROOT, b"\x01") is None


def test_accounts_storage_and_absent_addresses(tmp_path: Path) -> None:
    storage_db: dict[bytes, bytes] = {}
    storage = HexaryTrie(storage_db)
    holder = bytes.fromhex("f1aaa97df0f7620353173849cbea877cf2f343ae")
    balances = {holder: 99_690_060_900_928_177_460, b"\x07" * 20: 1}
    for owner, amount in balances.items():
        storage[keccak(mapping_slot(owner, 3))] = rlp.encode(amount)
    name_word = int.from_bytes(b"Mainframe Token".ljust(31, b"\x00") + bytes([15 * 2]), "big")
    storage[keccak((0).to_bytes(32, "big"))] = rlp.encode(name_word)
    code = b"\x60\x80\x60\x40\x52" * 10
    rich, token = b"\x01" * 20, b"\x02" * 20
    accounts = {
        rich: [5, 10**27, BLANK_ROOT, EMPTY_CODE_HASH],
        token: [1, 0, storage.root_hash, keccak(code)],
    }
    path = _chain(tmp_path, accounts, {**storage_db, keccak(code): code})
    with StateReader.open(path) as state:
        acct = state.account(rich)
        assert acct is not None and (acct.nonce, acct.balance) == (5, 10**27)
        assert state.account("0x" + rich.hex()) == acct  # hex spelling, same account
        assert state.account(b"\x03" * 20) is None  # never touched: not in the trie
        tok = state.account(token)
        assert tok is not None and tok.code_hash == keccak(code) and acct.code_hash == EMPTY_CODE_HASH
        for owner, amount in balances.items():
            assert state.storage(tok, mapping_slot(owner, 3)) == amount
        assert state.storage(tok, mapping_slot(b"\x09" * 20, 3)) == 0  # no entry: 0, as balanceOf says
        assert short_string(state.storage(tok, (0).to_bytes(32, "big"))) == "Mainframe Token"
        with pytest.raises(ValueError):
            state.account(b"\x01" * 19)


@pytest.mark.parametrize("damage", ["head key", "header", "trie node", "not sqlite", "no file"])
def test_a_missing_or_damaged_row_is_unreadable_never_a_number(tmp_path: Path, damage: str) -> None:
    code = b"\x60\x00" * 40
    rich = b"\x01" * 20
    accounts = {rich: [0, 12345, BLANK_ROOT, keccak(code)]}
    accounts |= {bytes([i]) * 20: [0, i, BLANK_ROOT, EMPTY_CODE_HASH] for i in range(2, 40)}  # a few levels of trie
    path = _chain(tmp_path, accounts, {keccak(code): code})
    rows = _rows(path)
    head = rows[CANONICAL_HEAD_KEY]
    header = rlp.decode(rows[head])
    nodes = [k for k, v in rows.items() if len(k) == 32 and k not in (head, keccak(code)) and k != header[3]]
    if damage == "head key":
        _set_row(path, CANONICAL_HEAD_KEY, None)
    elif damage == "header":
        _set_row(path, head, rows[head][:-1] + b"\x08")
    elif damage == "trie node":  # every inner node: each one lies on some account's path
        conn = sqlite3.connect(str(path), isolation_level=None)
        flipped = [(k, rows[k][:-1] + bytes([rows[k][-1] ^ 1])) for k in nodes]
        conn.executemany("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", flipped)
        conn.close()
    elif damage == "not sqlite":
        path.write_bytes(b"this is not a database" * 100)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    elif damage == "no file":
        path = tmp_path / "elsewhere.sqlite3"
    with pytest.raises(StateUnreadable):
        with StateReader.open(path) as state:
            for address in accounts:
                state.account(address)
    assert not (tmp_path / "elsewhere.sqlite3").exists()  # read-only: nothing created


def test_a_read_holds_one_snapshot_while_another_connection_writes(tmp_path: Path) -> None:
    """The head read at open stays the one every later lookup sees, even when a writer moves the
    head and rewrites rows meanwhile (WAL): one answer never mixes two heads."""
    first = {b"\x01" * 20: [0, 100, BLANK_ROOT, EMPTY_CODE_HASH]}
    path = _chain(tmp_path, first)
    db: dict[bytes, bytes] = {}
    t = HexaryTrie(db)
    t[keccak(b"\x01" * 20)] = rlp.encode([1, 50, BLANK_ROOT, EMPTY_CODE_HASH])
    header = _header(t.root_hash, 43)
    with StateReader.open(path) as state:
        writer = sqlite3.connect(str(path), isolation_level=None)
        writer.executemany("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", [*db.items(), (keccak(header), header)])
        writer.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (CANONICAL_HEAD_KEY, keccak(header)))
        writer.close()
        acct = state.account(b"\x01" * 20)
        assert acct is not None and acct.balance == 100
    with StateReader.open(path) as state:
        acct = state.account(b"\x01" * 20)
        assert acct is not None and acct.balance == 50


def testshort_strings() -> None:
    """Solidity keeps a string under 32 bytes in its slot with twice its length in the last byte."""
    assert short_string(int.from_bytes(b"MFT".ljust(31, b"\x00") + b"\x06", "big")) == "MFT"
    assert short_string(0) == ""
    long_marker = int.from_bytes(b"\x00" * 31 + b"\x41", "big")  # a long string: its bytes are elsewhere
    past_length = int.from_bytes(b"ab" + b"\x00" * 29 + b"\x02", "big")  # bytes beyond its length
    not_utf8 = int.from_bytes(b"\xff\xfe".ljust(31, b"\x00") + b"\x04", "big")
    assert short_string(long_marker) is None and short_string(past_length) is None
    assert short_string(not_utf8) is None
