"""The folder of vaults: create, list, open, delete, back up, restore, remembered keys."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null

from . import _backup
from ._atomic import DIR_MODE, FILE_MODE, fsync_dir, make_private_dir, wipe_file
from ._backup import BackupInfo
from ._db import DB_FILE, connect_raw, create_database
from ._errors import (
    BackupCorrupt,
    CorruptVault,
    InvalidVaultName,
    UnsupportedFormat,
    VaultError,
    VaultExists,
    VaultNotFound,
    WrongPassword,
)
from ._header import DATA_KEY_BYTES, HEADER_FILE, VaultHeader, read_header, write_header
from ._kdf import KdfParams
from ._vault import KEYRING_SERVICE, Vault

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# ASCII only: folder names must survive every file system and OS normalisation (macOS would
# store "é" decomposed, and the vault would no longer be found under the name typed).
_NAME_RE = re.compile(r"[A-Za-z0-9 _.\-]{1,64}")
# Windows silently strips trailing dots/spaces and reserves these device names.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}
# Work folders inside the root start with a dot, which no valid vault name can.
_TMP_PREFIXES = (".new-", ".restore-", ".replaced-", ".backup-")


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

    def clean_stale_work(self, max_age: float = 3600.0) -> int:
        """Wipe work folders left by a crash in the middle of create, backup or restore.

        Only folders older than ``max_age`` seconds (never one another process is still
        using) and only unfinished work: a ``.replaced-`` folder may hold the only copy of a
        vault an interrupted overwrite moved aside, so it is kept and logged instead.
        Returns how many were wiped.
        """
        import time

        if not self._root.is_dir():
            return 0
        wiped = 0
        for entry in self._root.iterdir():
            if not entry.is_dir() or not entry.name.startswith(_TMP_PREFIXES):
                continue
            try:
                age = time.time() - entry.stat().st_mtime
            except OSError:
                continue
            if age < max_age:
                continue
            if entry.name.startswith(".replaced-"):
                log.warning("a vault set aside by an interrupted restore is kept at %s", entry.name)
                continue
            try:
                _wipe_tree(entry)
                wiped += 1
            except OSError as exc:
                log.warning("could not wipe stale work folder %s: %s", entry.name, type(exc).__name__)
        return wiped

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
            create_database(work / DB_FILE, data_key)
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
        with contextlib.suppress(Exception):
            keyring.delete_password(KEYRING_SERVICE, str(path.resolve()))
        _wipe_tree(path)
        fsync_dir(self._root)

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
        data_key = vault._require_data_key()
        self._ensure_root()
        with self._work_dir(".backup-") as work:
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
            _backup.write_backup(
                Path(dest),
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
            self._move_into_place(work, target, overwrite=overwrite)
        return VaultInfo(name, target, header.format_version, header.created_at)

    # -- remembered keys -----------------------------------------------------------------

    def keyring_available(self) -> bool:
        """True when the OS keyring has a usable backend. Never raises."""
        try:
            return _backend_usable(keyring.get_keyring())
        except Exception:
            return False

    def unlock_remembered(self, name: str) -> Vault | None:
        """The vault UNLOCKED with its key from the OS keyring, or None if none is usable.

        A stale entry (the vault was restored or recreated since) is removed.
        """
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
    def _work_dir(self, prefix: str) -> Iterator[Path]:
        assert prefix in _TMP_PREFIXES
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
            # aside, move the new one in, put the old one back if that fails.
            aside = self._root / f".replaced-{secrets.token_hex(8)}"
            os.rename(target, aside)
            try:
                os.rename(work, target)
            except BaseException:
                os.rename(aside, target)
                raise
            fsync_dir(self._root)
            _wipe_tree(aside)
        else:
            os.rename(work, target)
        fsync_dir(self._root)


def _wipe_tree(path: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(path, topdown=False):
        for filename in filenames:
            file = Path(dirpath) / filename
            try:
                wipe_file(file)
            except OSError:
                file.unlink(missing_ok=True)
        os.rmdir(dirpath)


def _backend_usable(backend: keyring.backend.KeyringBackend) -> bool:
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return False
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return any(_backend_usable(b) for b in backend.backends)
    return True
