"""SQLCipher engines: ``sqlcipher3`` as the DBAPI under SQLAlchemy's SQLite dialect."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

# create_engine("sqlite://") imports its dialect on first use (~20 ms, with the aiosqlite and
# pysqlcipher variants): imported with this module, it loads with the vault library, while
# Argon2id runs, instead of between the key and the first query of an unlock.
import sqlalchemy.dialects.sqlite  # noqa: F401 - imported for its side effect (see above)
import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from ._atomic import FILE_MODE
from ._errors import CorruptVault, UnsupportedFormat, VaultError
from .migrations import migrate

DB_FILE = "vault.db"
# Several processes may write one vault (a CLI command beside the launcher): a writer waits
# this long for another's transaction to end before giving up with "database is locked".
BUSY_TIMEOUT = 15.0


def _key_pragma(data_key: bytes) -> str:
    # A raw 256-bit key (x'..') makes SQLCipher skip its own PBKDF2: the slow step already
    # happened in Argon2id, doing another one would only slow every connection down.
    return f"PRAGMA key = \"x'{data_key.hex()}'\""


def connect_raw(db_path: Path, data_key: bytes) -> Any:
    """A keyed ``sqlcipher3`` connection in autocommit mode (SQLAlchemy issues BEGIN)."""
    conn = sqlcipher3.connect(str(db_path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT)
    try:
        # SQLCipher would otherwise print "hmac check failed" to stderr on a wrong key.
        with contextlib.suppress(sqlcipher3.DatabaseError):
            conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(_key_pragma(data_key))
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit is on disk once it returns (the SIGKILL/power-cut tests rely on it).
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return conn


class _Target:
    """Where an engine's connections go: the vault's file under its key, or, while the key is
    not known yet, a blank in-memory database (see :class:`PreparedEngine`)."""

    def __init__(self, db_path: Path, data_key: bytes | None) -> None:
        self.db_path = db_path
        self.data_key = data_key

    def connect(self) -> Any:
        if self.data_key is None:
            conn = sqlcipher3.connect(":memory:", isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        return connect_raw(self.db_path, self.data_key)


class PreparedEngine:
    """An engine made before the key exists, its first statements already compiled.

    SQLAlchemy compiles each statement once per engine (and sets its dialect up at the first
    connection): ~10 ms the first queries after an unlock would wait for. Made while Argon2id
    runs on its own thread, the engine runs `warm` on a blank in-memory database at the latest
    schema (nothing of the vault's: no key, no file), then `aim` points it at the vault's file."""

    def __init__(self, db_path: Path, warm: Callable[[Session], object]) -> None:
        self._target = _Target(db_path, None)
        self.engine = _engine_for(self._target)
        try:
            with self.engine.connect() as conn:
                migrate(conn)
            with Session(self.engine) as s:
                warm(s)  # rolled back as the session closes
        finally:
            self.engine.dispose()  # the in-memory database goes; the compiled statements stay

    def aim(self, data_key: bytes) -> Engine:
        self._target.data_key = data_key
        self.engine.dispose()
        return self.engine


def make_engine(db_path: Path, data_key: bytes) -> Engine:
    return _engine_for(_Target(db_path, data_key))


def _engine_for(target: _Target) -> Engine:
    engine = create_engine(
        "sqlite://",
        # module=: SQLAlchemy must know the real DBAPI, or it would not recognise (and wrap
        # into sqlalchemy.exc.IntegrityError etc.) the errors sqlcipher3 raises.
        module=sqlcipher3,
        creator=target.connect,
        # "sqlite://" alone would get the single-connection pool meant for :memory:.
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
    )

    # The driver's implicit transactions start only at the first write, which breaks
    # SAVEPOINTs and consistent reads; SQLAlchemy's documented fix is to BEGIN ourselves.
    # IMMEDIATE: take the write lock at the start. A deferred transaction that reads, then
    # writes after another process committed, fails at once with "database is locked" (WAL
    # cannot upgrade a stale snapshot); an immediate one waits its turn (BUSY_TIMEOUT).
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def open_and_migrate(
    db_path: Path, data_key: bytes, bad_key: type[VaultError], prepared: PreparedEngine | None = None
) -> Engine:
    """Open the database, check the key, run migrations; ``bad_key`` if it will not decrypt.
    ``prepared``: an engine made (and warmed) for this file before the key was known."""
    if not db_path.exists():
        if prepared is not None:
            prepared.engine.dispose()
        raise CorruptVault("vault database is missing")
    engine = make_engine(db_path, data_key) if prepared is None else prepared.aim(data_key)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
            migrate(conn)
    except UnsupportedFormat:
        engine.dispose()
        raise
    except sqlcipher3.DatabaseError:
        engine.dispose()
        raise bad_key("the vault database cannot be decrypted") from None
    except Exception as exc:
        engine.dispose()
        # SQLAlchemy wraps the driver's error; unwrap to tell "not decryptable" apart.
        if isinstance(getattr(exc, "orig", None), sqlcipher3.DatabaseError):
            raise bad_key("the vault database cannot be decrypted") from None
        raise
    _restrict(db_path)
    return engine


def create_database(db_path: Path, data_key: bytes) -> None:
    """Create a fresh keyed database at the latest schema."""
    engine = make_engine(db_path, data_key)
    try:
        with engine.connect() as conn:
            migrate(conn)
    finally:
        engine.dispose()
    _restrict(db_path)


def _restrict(db_path: Path) -> None:
    with contextlib.suppress(OSError):
        os.chmod(db_path, FILE_MODE)


def export_rekeyed(db_path: Path, data_key: bytes, dest: Path, new_key: bytes) -> None:
    """Write a copy of the database encrypted under ``new_key`` (SQLCipher's sqlcipher_export).

    The source stays untouched, so a crash midway leaves the vault as it was.
    """
    conn = connect_raw(db_path, data_key)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        # ATTACH cannot bind the key; both values are our own (a path and hex digits).
        path_sql = str(dest).replace("'", "''")
        conn.execute(f"ATTACH DATABASE '{path_sql}' AS rekeyed KEY \"x'{new_key.hex()}'\"")
        try:
            conn.execute("BEGIN IMMEDIATE")  # no other writer while the copy is taken
            conn.execute("SELECT sqlcipher_export('rekeyed')")
            conn.execute(f"PRAGMA rekeyed.user_version = {version}")
            conn.execute("COMMIT")
        finally:
            conn.execute("DETACH DATABASE rekeyed")
    finally:
        conn.close()
    _restrict(dest)
