"""A content-addressed block store on disk: blocks appended to pack files, found by CID through
a small SQLite index, verified on every read.

One file per block (Kubo's flatfs) costs a file creation per 256 KiB, which on ext4 costs as
much as encrypting the block; so an add writes one pack (``packs/<id>.pack``) and records its
blocks' CIDs, offsets and lengths in ``index.sqlite`` in one transaction at the end. A pack
without index rows is what a crash mid-add leaves: `sweep_temporary` deletes it on the next
start. Garbage collection deletes packs none of whose blocks are needed.

Every read is verified: a block whose bytes do not hash to its CID is refused (BlockCorrupt),
logged, and never handed on.

    store = BlockStore(home / "files" / store_id)
    with store.writer() as w:
        w.put(cid, block)
    data = store.get(cid)

The index holds ciphertext CIDs and sizes only, which the pack files show anyway; names and
keys live in the vault.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from .unixfs import Cid

log = logging.getLogger("mainframe_os.files")


class BlockMissing(LookupError):
    def __init__(self, cid: Cid) -> None:
        super().__init__(f"block {cid} is not in the store")
        self.cid = cid


class BlockCorrupt(ValueError):
    def __init__(self, cid: Cid) -> None:
        super().__init__(f"block {cid} is damaged: its bytes do not match its CID")
        self.cid = cid


class BlockStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.packs = root / "packs"
        self.packs.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()  # one connection, used from worker threads in turn
        self._db = sqlite3.connect(root / "index.sqlite", check_same_thread=False, isolation_level=None)
        # WAL without a sync per commit: on ext4 an fsync here would also flush the pack just
        # written (data=ordered), making every add wait for the disk. A power cut may lose the
        # last adds' rows, never corrupt the index; reads verify every block anyway.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS block (cid BLOB PRIMARY KEY, pack TEXT NOT NULL,"
            " offset INTEGER NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS block_pack ON block (pack)")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing -------------------------------------------------------------------------------

    def writer(self) -> PackWriter:
        return PackWriter(self)

    def put(self, cid: Cid, block: bytes | memoryview) -> None:
        """Store one block (a pack of its own); nothing happens if it is already here."""
        if not self.has(cid):
            with self.writer() as w:
                w.put(cid, block)

    def _index(self, pack: str, rows: list[tuple[bytes, str, int, int]]) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR IGNORE INTO block VALUES (?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")

    # -- reading -------------------------------------------------------------------------------

    def locate(self, cid: Cid) -> tuple[Path, int, int]:
        """(pack path, offset, length) of a stored block."""
        with self._lock:
            row = self._db.execute("SELECT pack, offset, length FROM block WHERE cid = ?", (cid.raw,)).fetchone()
        if row is None:
            raise BlockMissing(cid)
        return self.packs / f"{row[0]}.pack", int(row[1]), int(row[2])

    def has(self, cid: Cid) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM block WHERE cid = ?", (cid.raw,)).fetchone() is not None

    def get(self, cid: Cid) -> bytes:
        path, offset, length = self.locate(cid)
        try:
            with open(path, "rb", buffering=0) as f:
                data = os.pread(f.fileno(), length, offset)
        except FileNotFoundError:
            raise BlockMissing(cid) from None
        if len(data) != length or not cid.matches(data):
            log.warning("refused damaged block %s (%d bytes do not match its CID)", cid, len(data))
            raise BlockCorrupt(cid)
        return data

    def __iter__(self) -> Iterator[Cid]:
        with self._lock:
            rows = self._db.execute("SELECT cid FROM block").fetchall()
        return iter([Cid(bytes(r[0])) for r in rows])

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM block").fetchone()[0])

    # -- collecting ----------------------------------------------------------------------------

    def collect(self, keep: set[Cid]) -> tuple[int, int]:
        """Delete every pack with no block in `keep`; returns (blocks removed, bytes freed).
        A pack holding some needed blocks stays whole (an add writes one pack per file, so
        that happens only when blocks were shared)."""
        with self._lock:
            rows = self._db.execute("SELECT cid, pack, length FROM block").fetchall()
        packs: dict[str, list[tuple[bytes, int]]] = {}
        for cid, pack, length in rows:
            packs.setdefault(pack, []).append((bytes(cid), int(length)))
        removed = freed = 0
        for pack, blocks in packs.items():
            if any(Cid(cid) in keep for cid, _ in blocks):
                continue
            path = self.packs / f"{pack}.pack"
            freed += path.stat().st_size if path.exists() else 0
            with self._lock:
                self._db.execute("DELETE FROM block WHERE pack = ?", (pack,))
            path.unlink(missing_ok=True)
            removed += len(blocks)
        return removed, freed

    def drop_pack(self, name: str) -> None:
        """Forget and delete one pack (an add that failed after its blocks were indexed)."""
        with self._lock:
            self._db.execute("DELETE FROM block WHERE pack = ?", (name,))
        (self.packs / f"{name}.pack").unlink(missing_ok=True)

    def sweep_temporary(self) -> int:
        """Delete packs a crash left unindexed; returns how many."""
        with self._lock:
            indexed = {r[0] for r in self._db.execute("SELECT DISTINCT pack FROM block")}
        gone = 0
        for path in self.packs.glob("*.pack"):
            if path.stem not in indexed:
                path.unlink(missing_ok=True)
                gone += 1
        return gone


class PackWriter:
    """Appends blocks to a new pack; they are indexed (visible) only when the `with` block ends
    without an error. On an error the pack is deleted."""

    def __init__(self, store: BlockStore) -> None:
        self.store = store
        self.name = uuid.uuid4().hex
        self.path = store.packs / f"{self.name}.pack"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._offset = 0
        self._rows: list[tuple[bytes, str, int, int]] = []
        self._seen: set[bytes] = set()

    def put(self, cid: Cid, block: bytes | memoryview) -> bool:
        """Append a block; False if this pack already has it."""
        if cid.raw in self._seen:
            return False
        view = memoryview(block)
        length = len(view)
        while view:
            view = view[os.write(self._fd, view) :]
        self._rows.append((cid.raw, self.name, self._offset, length))
        self._seen.add(cid.raw)
        self._offset += length
        return True

    def __len__(self) -> int:
        return len(self._rows)

    def __enter__(self) -> PackWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        os.close(self._fd)
        if kind is not None:
            self.path.unlink(missing_ok=True)
            return
        self.store._index(self.name, self._rows)
