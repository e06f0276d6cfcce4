"""A py-evm ``AtomicDatabaseAPI`` stored in one SQLite file.

py-evm keeps everything (trie nodes, headers, bodies, receipts, the canonical head pointer) in
a flat bytes->bytes store. We keep it in a ``WITHOUT ROWID`` table in WAL mode:

- every write outside a transaction is committed at once, and ``atomic_batch()`` /
  ``transaction()`` commit as one SQLite transaction, so a SIGKILL loses at most the write in
  flight, never a half-written block;
- ``synchronous=NORMAL`` in WAL mode survives a process crash (the WAL lives in the OS page
  cache); only a power cut can lose the last commits, which for a dev chain is the right trade
  against an fsync per transaction;
- reopening is just opening the file: no replay, no index to build.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eth.abc import AtomicWriteBatchAPI
from eth.db.atomic import AtomicDBWriteBatch
from eth.db.backends.base import BaseAtomicDB

__all__ = ["SqliteDB"]


class SqliteDB(BaseAtomicDB):
    """bytes->bytes store for py-evm, persisted in ``path`` (created if missing).

    Not thread-safe: one chain object owns it, on one thread at a time.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (autocommit otherwise).
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            str(self.path), isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
        self._depth = 0  # nesting level of transaction()

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError(f"database {self.path} is closed")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            if self._depth:
                self._conn.execute("ROLLBACK")
                self._depth = 0
            self._conn.close()
            self._conn = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group every write inside into one SQLite transaction (re-entrant).

        Committed on normal exit of the outermost level, rolled back on an exception.
        """
        conn = self.conn
        if self._depth == 0:
            conn.execute("BEGIN")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                conn.execute("ROLLBACK")
            raise
        else:
            self._depth -= 1
            if self._depth == 0:
                conn.execute("COMMIT")

    # -- DatabaseAPI -------------------------------------------------------------------

    def __getitem__(self, key: bytes) -> bytes:
        row = self.conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.conn.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (key, value))

    def __delitem__(self, key: bytes) -> None:
        cur = self.conn.execute("DELETE FROM kv WHERE k = ?", (key,))
        if cur.rowcount == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        return self.conn.execute("SELECT 1 FROM kv WHERE k = ?", (key,)).fetchone() is not None

    @contextmanager
    def atomic_batch(self) -> Iterator[AtomicWriteBatchAPI]:
        # The batch collects writes in memory (reads see them); on success they are applied
        # in one SQLite transaction, so the batch is all-or-nothing on disk too.
        batch = AtomicDBWriteBatch(self)
        try:
            yield batch
            diff = batch._diff()
            with self.transaction():
                conn = self.conn
                conn.executemany("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", list(diff.pending_items()))
                conn.executemany("DELETE FROM kv WHERE k = ?", [(k,) for k in diff.deleted_keys()])
        finally:
            # Out-of-context use of the batch must fail, as with py-evm's own AtomicDB.
            batch._track_diff = None
            batch._write_target_db = None
