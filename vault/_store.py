"""The folder of vaults: create, list, open, delete, back up, restore, remembered keys."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import _backup
from ._atomic import DIR_MODE, FILE_MODE, fsync_dir, make_private_dir, temp_path_for
from ._backup import BackupInfo
from ._db import DB_FILE, connect_raw, create_database, export_rekeyed
from ._errors import (
    BackupCorrupt,
    BackupError,
    CorruptVault,
    InvalidVaultName,
    UnsupportedFormat,
    VaultError,
    VaultExists,
    VaultNotFound,
    WrongPassword,
)
from ._faults import crash_point
from ._header import DATA_KEY_BYTES, HEADER_FILE, VaultHeader, read_header, write_header
from ._kdf import KdfParams
from ._locks import holding, lock_path
from ._recovery import (
    DEST_NOTE,
    REPLACED_PREFIX,
    STORE_LOCK,
    WORK_PREFIXES,
    Recovery,
    recover,
    replaced_name,
    wipe_tree,
)
from ._vault import KEYRING_SERVICE, Vault, header_lock_path, open_lock_path

if TYPE_CHECKING:
    import keyring.backend

# keyring loads where a remembered key is used (~0.05 s at import: importlib.metadata and its
# backends), not with the vault library: a command given its password never needs it.

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# ASCII only: folder names must survive every file system and OS normalisation (macOS would
# store "é" decomposed, and the vault would no longer be found under the name typed).
_NAME_RE = re.compile(r"[A-Za-z0-9 _.\-]{1,64}")
# Windows silently strips trailing dots/spaces and reserves these device names.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}
# Work folders inside the root start with a dot, which no valid vault name can.
_TMP_PREFIXES = (*WORK_PREFIXES, REPLACED_PREFIX)
_IN_USE = "the vault is open in another program: close it there first"


def validate_name(name: str) -> str:
    """Return ``name`` if it is a valid vault name, else raise InvalidVaultName.

    1-64 characters from ASCII letters, digits, space, ``_ - .``; not starting with ``.``;
    not ending with a space or ``.``; not a Windows device name.
    """
    if (
        not isinstance(name, str)
        or not _NAME_RE.fullmatch(name)
        or name.startswith((".", " "))
        or name.endswith((".", " "))
        or name.split(".")[0].strip().lower() in _RESERVED
    ):
        raise InvalidVaultName(
            "a vault name is 1-64 characters: letters, digits, spaces, '_', '-', '.'; "
            "it cannot start with '.' or a space, nor end with '.' or a space"
        )
    return name


@dataclass(frozen=True)
class VaultInfo:
    name: str
    path: Path
    format_version: int
    created_at: float


class VaultStore:
    """All the vaults under one folder (``<home>/vaults``).

    Usage::

        store = VaultStore(home / "vaults")
        vault = store.create("personal", password)      # unlocked
        vault.lock()
        store.backup(vault, Path("personal.mfbak"), password)   # vault must be unlocked

    Methods that run the KDF (create, restore, and Vault.unlock) take about half a second.
    """

    def __init__(self, root: Path) -> None:
        self._root = Path(root)

    @property
    def root(self) -> Path:
        return self._root

    def _ensure_root(self) -> None:
        make_private_dir(self._root)

    def path_of(self, name: str) -> Path:
        return self._root / validate_name(name)

    # -- listing -------------------------------------------------------------------------

    def list(self) -> list[VaultInfo]:
        infos: list[VaultInfo] = []
        if not self._root.is_dir():
            return infos
        for entry in sorted(self._root.iterdir(), key=lambda p: p.name):
            if entry.name.startswith(".") or not (entry / HEADER_FILE).is_file():
                continue
            try:
                validate_name(entry.name)
                header = read_header(entry)
            except (InvalidVaultName, CorruptVault, UnsupportedFormat, OSError) as exc:
                log.warning("skipping unreadable vault folder: %s", type(exc).__name__)
                continue
            infos.append(VaultInfo(entry.name, entry, header.format_version, header.created_at))
        return infos

    def recover(self) -> Recovery:
        """Finish or roll back what a crash interrupted (see :mod:`vault._recovery`).

        Safe to call at every start: it skips everything while another process is in the
        middle of an operation on this folder.
        """
        return recover(self._root)

    def clean_stale_work(self) -> int:
        """Older name of :meth:`recover`; returns how many leftovers were wiped."""
        return self.recover().wiped

    def exists(self, name: str) -> bool:
        try:
            path = self.path_of(name)
        except InvalidVaultName:
            return False
        return (path / HEADER_FILE).is_file()

    # -- create / open / delete ----------------------------------------------------------

    def create(self, name: str, password: str, kdf: KdfParams | None = None) -> Vault:
        """Create a vault and return it unlocked. VaultExists / InvalidVaultName."""
        kdf = KdfParams.moderate() if kdf is None else kdf
        kdf.require_strong()
        target = self.path_of(name)
        if target.exists():
            raise VaultExists(f"a vault named {name!r} already exists")
        self._ensure_root()
        data_key = secrets.token_bytes(DATA_KEY_BYTES)
        # Build the whole folder under a dot-name, then rename: a crash never leaves a
        # half-made vault under the real name.
        with self._work_dir(".new-") as work:
            write_header(work, VaultHeader.seal(password, data_key, kdf))
            crash_point("create.header-written")
            create_database(work / DB_FILE, data_key)
            crash_point("create.database-written")
            with holding(header_lock_path(target)):
                self._move_into_place(work, target, overwrite=False)
        vault = Vault(name, target)
        vault.unlock_with_key(data_key)
        return vault

    def open(self, name: str) -> Vault:
        """Return the vault LOCKED. VaultNotFound if there is none under ``name``."""
        path = self.path_of(name)
        if not (path / HEADER_FILE).is_file():
            raise VaultNotFound(f"no vault named {name!r}")
        return Vault(name, path)

    def delete(self, name: str) -> None:
        """Wipe a vault: overwrite every file with random bytes, fsync, unlink, remove the folder.

        Close the vault first. Also forgets its remembered key, if any (best effort).
        """
        path = self.path_of(name)
        if not path.is_dir():
            raise VaultNotFound(f"no vault named {name!r}")
        _forget_key(path)
        crash_point("delete.forgotten")
        # Move it out of its name first (one atomic rename): a kill during the slow wipe then
        # leaves a ".deleting-" folder the next start finishes, never a half-wiped vault
        # that blocks the name.
        with self._operation(), holding(open_lock_path(path), busy=_IN_USE):
            doomed = self._root / f".deleting-{secrets.token_hex(8)}"
            os.rename(path, doomed)
            fsync_dir(self._root)
            crash_point("delete.moved-aside")
            wipe_tree(doomed)
            crash_point("delete.wiped")
        fsync_dir(self._root)

    # -- password ------------------------------------------------------------------------

    def change_password(
        self, name: str, old: str, new: str, *, rekey: bool = False, kdf: KdfParams | None = None
    ) -> None:
        """Change a vault's password; with ``rekey`` also replace its data key.

        Without ``rekey`` only the header is rewritten (fast; the database key stays, so an
        old copy of the header still opens the database with the old password). ``rekey``
        re-encrypts the database under a new random key in a work folder and swaps it in like
        a restore: for "my old password leaked". The vault must be closed everywhere for
        that (VaultBusy otherwise). WrongPassword if ``old`` is wrong.
        """
        path = self.path_of(name)
        if not (path / HEADER_FILE).is_file():
            raise VaultNotFound(f"no vault named {name!r}")
        if not rekey:
            v = Vault(name, path)
            try:
                v.change_password(old, new, kdf)
            finally:
                v.close()
            return
        with holding(header_lock_path(path)), holding(open_lock_path(path), busy=_IN_USE):
            header = read_header(path)
            data_key = header.unseal(old)
            kdf = kdf if kdf is not None else (header.kdf if not header.kdf.is_weak else KdfParams.moderate())
            new_key = secrets.token_bytes(DATA_KEY_BYTES)
            with self._work_dir(".rekey-") as work:
                export_rekeyed(path / DB_FILE, data_key, work / DB_FILE, new_key)
                crash_point("rekey.database-copied")
                write_header(work, VaultHeader.seal(new, new_key, kdf, header.created_at))
                crash_point("rekey.header-written")
                self._move_into_place(work, path, overwrite=True)
        # a remembered key is the old data key: it would no longer open anything
        _forget_key(path)

    # -- backup / restore ----------------------------------------------------------------

    def backup(
        self,
        vault: Vault,
        dest: Path,
        password: str,
        progress: Progress | None = None,
        *,
        kdf: KdfParams | None = None,
    ) -> None:
        """Write an encrypted backup of an UNLOCKED vault to ``dest`` (atomically).

        ``password`` encrypts the backup: the vault password again, or a separate one.
        The database is copied with SQLite's backup API inside one read transaction, so a
        concurrent writer cannot tear the snapshot.
        """
        kdf = KdfParams.moderate() if kdf is None else kdf
        kdf.require_strong()
        dest = Path(dest)
        check_backup_target(dest)
        data_key = vault._require_data_key()
        self._ensure_root()
        with self._work_dir(".backup-") as work:
            # Where the hidden temp file beside the destination goes, written down first so a
            # clean-up after a crash can remove it (it holds a whole encrypted vault).
            tmp = temp_path_for(dest.absolute())
            (work / DEST_NOTE).write_text(str(tmp), encoding="utf-8")
            snapshot = work / DB_FILE
            header_json = (vault.path / HEADER_FILE).read_bytes()
            src = connect_raw(vault.path / DB_FILE, data_key)
            try:
                dst = connect_raw(snapshot, data_key)
                try:
                    src.backup(dst)
                    # A standalone file: fold the WAL into it so no -wal file is needed.
                    dst.execute("PRAGMA journal_mode = DELETE")
                finally:
                    dst.close()
            finally:
                src.close()
            crash_point("backup.snapshot-taken")
            _backup.write_backup(
                dest,
                tmp=tmp,
                name=vault.name,
                header_json=header_json,
                db_snapshot=snapshot,
                password=password,
                kdf=kdf,
                progress=progress,
            )

    def inspect_backup(self, src: Path) -> BackupInfo:
        """Read a backup's plaintext header (no password). NotABackup / BackupTruncated / ..."""
        return _backup.inspect_backup(Path(src))

    def restore(
        self,
        src: Path,
        password: str,
        *,
        as_name: str | None = None,
        overwrite: bool = False,
        progress: Progress | None = None,
    ) -> VaultInfo:
        """Restore a backup; the vault keeps its original vault password.

        The whole file is verified (checksum, then authenticated decryption) into a work
        folder before anything under the real name is touched. VaultExists unless
        ``overwrite``, in which case the old folder is swapped out and wiped (close it first).
        """
        if as_name is not None:
            validate_name(as_name)
            if not overwrite and self.exists(as_name):
                raise VaultExists(f"a vault named {as_name!r} already exists")
        self._ensure_root()
        with self._work_dir(".restore-") as work:
            payload = _backup.read_backup(Path(src), password, work / DB_FILE, progress)
            try:
                header = VaultHeader.from_bytes(payload.header_json)
            except (CorruptVault, UnsupportedFormat):
                raise BackupCorrupt("the backup contents are damaged") from None
            name = as_name if as_name is not None else payload.name
            try:
                target = self.path_of(name)
            except InvalidVaultName:
                raise BackupCorrupt("the backup contents are damaged") from None
            write_header(work, header)
            os.chmod(work / DB_FILE, FILE_MODE)
            crash_point("restore.verified")
            with holding(header_lock_path(target)):
                if overwrite and target.exists():
                    with holding(open_lock_path(target), busy=_IN_USE):
                        self._move_into_place(work, target, overwrite=True)
                else:
                    self._move_into_place(work, target, overwrite=overwrite)
        return VaultInfo(name, target, header.format_version, header.created_at)

    @staticmethod
    def check_backup_target(dest: Path) -> None:
        """BackupError unless ``dest`` is a regular file or a free name in an existing folder."""
        check_backup_target(Path(dest))

    # -- remembered keys -----------------------------------------------------------------

    def keyring_available(self) -> bool:
        """True when the OS keyring has a usable backend. Never raises."""
        try:
            import keyring

            return _backend_usable(keyring.get_keyring())
        except Exception:
            return False

    def unlock_remembered(self, name: str) -> Vault | None:
        """The vault UNLOCKED with its key from the OS keyring, or None if none is usable.

        A stale entry (the vault was restored or recreated since) is removed.
        """
        import keyring

        vault = self.open(name)
        try:
            secret = keyring.get_password(KEYRING_SERVICE, vault.keyring_username)
        except Exception:
            return None
        if secret is None:
            return None
        try:
            data_key = bytes.fromhex(secret)
            vault.unlock_with_key(data_key)
        except (ValueError, WrongPassword):
            log.info("removing a remembered vault key that no longer fits")
            with contextlib.suppress(Exception):
                keyring.delete_password(KEYRING_SERVICE, vault.keyring_username)
            vault.close()
            return None
        except VaultError:
            vault.close()
            raise
        return vault

    # -- internals -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _operation(self) -> Iterator[None]:
        """Hold the store lock shared: the start-up clean-up of other processes waits for us."""
        with holding(lock_path(self._root, STORE_LOCK), shared=True):
            yield

    @contextlib.contextmanager
    def _work_dir(self, prefix: str) -> Iterator[Path]:
        assert prefix in _TMP_PREFIXES
        with self._operation():
            work = self._root / f"{prefix}{secrets.token_hex(8)}"
            work.mkdir(mode=DIR_MODE)
            try:
                yield work
            finally:
                if work.exists():
                    shutil.rmtree(work, ignore_errors=True)

    def _move_into_place(self, work: Path, target: Path, *, overwrite: bool) -> None:
        os.chmod(work, DIR_MODE)
        fsync_dir(work)
        if target.exists():
            if not overwrite:
                raise VaultExists(f"a vault named {target.name!r} already exists")
            # POSIX has no portable atomic swap of two non-empty folders: move the old one
            # aside (under a name that says where it came from, so a start after a kill
            # between the renames puts it back), move the new one in, then wipe the old one.
            aside = self._root / replaced_name(secrets.token_hex(8), target.name)
            os.rename(target, aside)
            fsync_dir(self._root)
            crash_point("replace.old-set-aside")
            try:
                os.rename(work, target)
            except BaseException:
                os.rename(aside, target)
                raise
            fsync_dir(self._root)
            crash_point("replace.new-in-place")
            wipe_tree(aside)
        else:
            os.rename(work, target)
        fsync_dir(self._root)
        crash_point("replace.done")


def _forget_key(path: Path) -> None:
    """Remove a vault's remembered key from the OS keyring, if any (best effort)."""
    with contextlib.suppress(Exception):
        import keyring

        keyring.delete_password(KEYRING_SERVICE, str(path.resolve()))


def _backend_usable(backend: keyring.backend.KeyringBackend) -> bool:
    import keyring.backends.chainer
    import keyring.backends.fail
    import keyring.backends.null

    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return False
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return any(_backend_usable(b) for b in backend.backends)
    return True


def check_backup_target(dest: Path) -> None:
    """Refuse a destination that is not a regular file or a free name in an existing folder.

    A backup replaces its target by rename: on a device, a pipe or a link that would replace
    the thing itself (as root, ``/dev/full`` would become a plain file).
    """
    if not dest.parent.is_dir():
        raise BackupError("the folder for the backup does not exist")
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        return
    except OSError:
        raise BackupError("the backup destination cannot be used") from None
    if stat.S_ISDIR(st.st_mode):
        raise BackupError("the backup destination is a folder: give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise BackupError("the backup destination is not a regular file")
