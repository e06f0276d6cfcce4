"""One vault folder and its lifecycle (LOCKED -> UNLOCKED -> LOCKED ... -> CLOSED)."""

from __future__ import annotations

import contextlib
import enum
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from ._db import DB_FILE, PreparedEngine, open_and_migrate
from ._errors import (
    CorruptVault,
    KeyringUnavailable,
    VaultClosed,
    VaultError,
    VaultLocked,
    WrongPassword,
)
from ._faults import crash_point
from ._header import DATA_KEY_BYTES, read_header, write_header
from ._kdf import KdfParams, under_way
from ._locks import FileLock, holding, lock_path
from .models import Setting

log = logging.getLogger(__name__)

KEYRING_SERVICE = "mainframe-os"


def open_lock_path(folder: Path) -> Path:
    """Held shared while a process has the vault open; replacing or deleting it needs it alone."""
    return lock_path(folder.parent, folder.name + ".open")


def header_lock_path(folder: Path) -> Path:
    """Held around every read-check-write of the header (password changes run one at a time)."""
    return lock_path(folder.parent, folder.name + ".header")


class VaultState(enum.Enum):
    #: The folder is known and its header readable; no key in memory, no database open.
    LOCKED = "locked"
    #: The data key is in memory and the database is open; sessions may be used.
    UNLOCKED = "unlocked"
    #: Finished with: every call except ``close()`` raises VaultClosed.
    CLOSED = "closed"


class Vault:
    """An encrypted vault. Get one from :class:`VaultStore` (``create`` or ``open``).

    Usage::

        vault = store.open("personal")
        with vault.unlocked(password):
            with vault.session() as s:
                s.add(Identity(display_name="Alice", sign_seed=..., box_secret=...))
        vault.close()

    The KDF in :meth:`unlock` takes about half a second on purpose: GUI code should run it in
    an executor. The object is safe to share between threads; each thread uses its own session.
    """

    def __init__(self, name: str, path: Path) -> None:
        self._name = name
        self._path = path
        self._lock = threading.RLock()
        self._state = VaultState.LOCKED
        self._engine: Engine | None = None
        self._sessionmaker: sessionmaker[Session] | None = None
        # Kept for remember_on_device() and backups. Python cannot reliably zero memory, so
        # the best we can do is drop the reference on lock().
        self._data_key: bytes | None = None
        self._open_lock = FileLock(open_lock_path(path))
        self._relaxed: Any = None  # see _relaxed_connection
        self._relaxed_busy = threading.Lock()
        self._header = read_header(path)

    def __repr__(self) -> str:
        return f"<Vault {self._name!r} {self._state.value}>"

    # -- facts ---------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def path(self) -> Path:
        return self._path

    @property
    def state(self) -> VaultState:
        return self._state

    @property
    def format_version(self) -> int:
        return self._header.format_version

    @property
    def created_at(self) -> float:
        return self._header.created_at

    # -- lifecycle -----------------------------------------------------------------------

    def unlock(self, password: str, warm: Callable[[Session], object] | None = None) -> None:
        """Derive the key from ``password`` and open the database (runs pending migrations).

        On an already unlocked vault this only checks the password (WrongPassword if it is
        wrong), which is what a "confirm with your password" prompt needs.

        ``warm``: the reads that come first after the unlock. When the key is being derived
        ahead on its own thread (``prefetch_unlock``), the engine is made meanwhile and runs
        them on a blank in-memory database, so SQLAlchemy has compiled them when the key comes.
        """
        with self._lock:
            self._check_not_closed()
            header = read_header(self._path)  # re-read: the password may have changed
            prepared = None
            if warm is not None and self._state is VaultState.LOCKED and under_way(header.salt, header.kdf):
                try:
                    prepared = PreparedEngine(self._path / DB_FILE, warm)
                except Exception:  # noqa: BLE001 - only a head start: the unlock goes on without it
                    log.warning("could not prepare the database engine ahead", exc_info=True)
            try:
                data_key = header.unseal(password)
            except BaseException:
                if prepared is not None:
                    prepared.engine.dispose()
                raise
            self._header = header
            if self._state is VaultState.UNLOCKED:
                return
            # The header authenticated the key, so a database that will not decrypt with it
            # is damage, not a wrong password.
            self._open(data_key, CorruptVault, prepared)

    def unlock_with_key(self, data_key: bytes) -> None:
        """Open with the raw data key (from the OS keyring); WrongPassword if it does not fit."""
        with self._lock:
            self._check_not_closed()
            if len(data_key) != DATA_KEY_BYTES:
                raise WrongPassword("wrong key")
            if self._state is VaultState.UNLOCKED:
                if data_key != self._data_key:
                    raise WrongPassword("wrong key")
                return
            self._open(bytes(data_key), WrongPassword)

    def _open(self, data_key: bytes, bad_key: type[VaultError], prepared: PreparedEngine | None = None) -> None:
        # Tell other processes the vault is in use: they must not swap its folder out now.
        try:
            self._open_lock.acquire(shared=True, busy="the vault is being replaced or deleted by another program")
        except BaseException:
            if prepared is not None:
                prepared.engine.dispose()
            raise
        try:
            engine = open_and_migrate(self._path / DB_FILE, data_key, bad_key, prepared)
        except BaseException:
            self._open_lock.release()
            raise
        self._engine = engine
        self._sessionmaker = sessionmaker(engine, expire_on_commit=False)
        self._data_key = data_key
        self._state = VaultState.UNLOCKED

    def lock(self) -> None:
        """Close the database and forget the key. No-op when already locked."""
        with self._lock:
            self._check_not_closed()
            self._drop_engine()
            self._state = VaultState.LOCKED

    def close(self) -> None:
        """Lock if needed and retire the object. Idempotent."""
        with self._lock:
            self._drop_engine()
            self._state = VaultState.CLOSED

    def _drop_engine(self) -> None:
        relaxed, self._relaxed = self._relaxed, None
        if relaxed is not None and self._relaxed_busy.acquire(blocking=False):
            relaxed.invalidate()  # (in use: its holder drops it when done, seeing it retired)
            self._relaxed_busy.release()
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._sessionmaker = None
        self._data_key = None
        self._open_lock.release()

    @contextlib.contextmanager
    def unlocked(self, password: str) -> Iterator[Vault]:
        """``with vault.unlocked(pw):`` unlock, and lock again on exit if we did the unlocking."""
        was_unlocked = self.state is VaultState.UNLOCKED
        self.unlock(password)
        try:
            yield self
        finally:
            if not was_unlocked and self._state is VaultState.UNLOCKED:
                self.lock()

    # -- database access -----------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        with self._lock:
            self._check_unlocked()
            assert self._engine is not None
            return self._engine

    @contextlib.contextmanager
    def session(self, *, durable: bool = True) -> Iterator[Session]:
        """A SQLAlchemy session: committed when the block succeeds, rolled back otherwise.

        The commit is on disk when it returns (synchronous=FULL: an fsync of the log). With
        ``durable=False`` it is not flushed (synchronous=NORMAL for this one transaction): still
        atomic, and it survives the process being killed (the log is in the OS's cache), but a
        power cut or an OS crash may lose it. Only for a write that can be redone from what is on
        disk already, e.g. a status the next start reads back from the chain."""
        with self._lock:
            self._check_unlocked()
            assert self._sessionmaker is not None and self._engine is not None
            factory, engine = self._sessionmaker, self._engine
        if durable:
            with factory() as s:
                with s.begin():
                    yield s
                    crash_point("db.before-commit")
                crash_point("db.committed")
            return
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA synchronous = NORMAL")  # SQLite refuses it inside a transaction
            try:
                with factory(bind=conn) as s:
                    with s.begin():
                        yield s
                        crash_point("db.before-commit")
                    crash_point("db.committed")
            finally:
                try:
                    raw.execute("PRAGMA synchronous = FULL")  # the connection goes back to the pool
                except Exception:  # noqa: BLE001 - e.g. still in a failed transaction: the error that got us here counts
                    conn.invalidate()  # never hand a non-durable connection to the next session

    @contextlib.contextmanager
    def sql(self, *, durable: bool = True, write: bool = True) -> Iterator[Any]:
        """One transaction on the plain DB-API connection (``sqlcipher3``, ``?`` parameters), for
        hot paths where the ORM's work per statement costs more than the statement itself (a
        wallet send writes its history record in ~0.2 ms this way, ~2 ms through the ORM).

        The same guarantees as :meth:`session`: committed when the block succeeds (on disk when
        it returns; ``durable=False`` as there), rolled back otherwise. ``write=True`` takes the
        write lock at the start (BEGIN IMMEDIATE, as every session does); ``write=False`` reads
        one consistent snapshot without it."""
        if not durable and self._relaxed_busy.acquire(blocking=False):
            try:
                pooled = self._relaxed_connection()
                try:
                    with _transaction(pooled.driver_connection, write) as conn:
                        yield conn
                except BaseException:
                    if pooled.driver_connection.in_transaction:  # a ROLLBACK that failed: drop it
                        self._retire_relaxed(pooled)
                    raise
                finally:
                    if self._relaxed is not pooled:  # the vault locked meanwhile
                        pooled.invalidate()
            finally:
                self._relaxed_busy.release()
            return
        with self._lock:
            self._check_unlocked()
            assert self._engine is not None
            engine = self._engine
        pooled = engine.raw_connection()
        conn = pooled.driver_connection
        assert conn is not None
        try:
            if not durable:  # the relaxed connection is busy: this one, for this transaction only
                conn.execute("PRAGMA synchronous = NORMAL")  # SQLite refuses it inside a transaction
            with _transaction(conn, write):
                yield conn
        finally:
            try:
                if not durable:
                    conn.execute("PRAGMA synchronous = FULL")  # the connection goes back to the pool
            except Exception:  # noqa: BLE001 - the error that got us here counts
                pooled.invalidate()  # never hand a non-durable connection to the next user
            pooled.close()

    def _relaxed_connection(self) -> Any:
        """The pooled connection kept out of the pool at synchronous=NORMAL for sql(durable=False):
        a send's status write after its broadcast skips two PRAGMAs (~0.1 ms). Only its holder
        (`_relaxed_busy`) uses it; the pool never hands it to a durable writer."""
        with self._lock:
            self._check_unlocked()
            assert self._engine is not None
            if self._relaxed is None:
                pooled = self._engine.raw_connection()
                assert pooled.driver_connection is not None
                pooled.driver_connection.execute("PRAGMA synchronous = NORMAL")
                self._relaxed = pooled
            return self._relaxed

    def _retire_relaxed(self, pooled: Any) -> None:
        with self._lock:
            if self._relaxed is pooled:
                self._relaxed = None

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self.session() as s:
            row = s.get(Setting, key)
            return default if row is None else row.value

    def set_setting(self, key: str, value: Any) -> None:
        with self.session() as s:
            s.merge(Setting(key=key, value=value))

    def setting_keys(self) -> list[str]:
        with self.session() as s:
            return list(s.scalars(select(Setting.key).order_by(Setting.key)))

    # -- password and device key ---------------------------------------------------------

    def change_password(self, old: str, new: str, kdf: KdfParams | None = None) -> None:
        """Re-seal the same data key under ``new``. Only ``header.json`` is rewritten.

        ``kdf`` defaults to the current params (upgraded to moderate if they were weaker).
        Works locked or unlocked. WrongPassword if ``old`` is wrong.
        """
        with self._lock, holding(header_lock_path(self._path)):
            self._check_not_closed()
            # Read under the lock: a password change another program just made is seen here,
            # and ``old`` is then wrong instead of silently undoing the other change.
            header = read_header(self._path).with_password(old, new, kdf)
            crash_point("passwd.sealed")
            write_header(self._path, header)
            self._header = header

    def remember_on_device(self) -> None:
        """Store the data key in the OS keyring so :meth:`VaultStore.unlock_remembered` works."""
        with self._lock:
            self._check_unlocked()
            assert self._data_key is not None
            secret = self._data_key.hex()
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, self.keyring_username, secret)
        except Exception:  # backends raise all sorts (D-Bus, locked collection, NoKeyringError)
            raise KeyringUnavailable("no usable keyring on this device") from None

    def forget_on_device(self) -> None:
        """Remove the stored key, if any."""
        self._check_not_closed()
        import keyring
        import keyring.errors

        try:
            keyring.delete_password(KEYRING_SERVICE, self.keyring_username)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing remembered: forgetting is already done
        except Exception:  # see remember_on_device
            raise KeyringUnavailable("no usable keyring on this device") from None

    @property
    def keyring_username(self) -> str:
        return str(self._path.resolve())

    # -- internals -----------------------------------------------------------------------

    def _check_not_closed(self) -> None:
        if self._state is VaultState.CLOSED:
            raise VaultClosed(f"vault {self._name!r} is closed")

    def _check_unlocked(self) -> None:
        self._check_not_closed()
        if self._state is not VaultState.UNLOCKED:
            raise VaultLocked(f"vault {self._name!r} is locked")

    def _require_data_key(self) -> bytes:
        with self._lock:
            self._check_unlocked()
            assert self._data_key is not None
            return self._data_key


@contextlib.contextmanager
def _transaction(conn: Any, write: bool) -> Iterator[Any]:
    """One transaction on a DB-API connection: committed when the block succeeds, else rolled back."""
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield conn
        crash_point("db.before-commit")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    crash_point("db.committed")
