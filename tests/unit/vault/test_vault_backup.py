from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from vault import (
    BackupCorrupt,
    BackupTruncated,
    BackupWrongPassword,
    NotABackup,
    Vault,
    VaultExists,
    VaultStore,
)
from vault.models import Contact, Identity

BACKUP_PASSWORD = "a separate backup password"


def _rows(vault: Vault) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with vault.session() as s:
        identities = [
            (i.id, i.display_name, i.sign_seed, i.box_secret, i.created_at)
            for i in s.query(Identity).order_by(Identity.id)
        ]
        contacts = [
            (c.id, c.identity_id, c.display_name, c.sign_public, c.box_public, c.added_at)
            for c in s.query(Contact).order_by(Contact.id)
        ]
    return identities, contacts


@pytest.fixture
def unlocked(existing_vault, template_vault) -> Vault:  # type: ignore[no-untyped-def]
    existing_vault.unlock_with_key(template_vault.data_key)
    return existing_vault


@pytest.fixture
def backup_file(store: VaultStore, unlocked: Vault, tmp_path: Path) -> Path:
    dest = tmp_path / "personal.mfbak"
    store.backup(unlocked, dest, BACKUP_PASSWORD)
    return dest


@pytest.mark.parametrize("use_vault_password", [True, False])
def test_backup_restore_roundtrip(  # type: ignore[no-untyped-def]
    store: VaultStore, unlocked: Vault, template_vault, tmp_path: Path, use_vault_password: bool
) -> None:
    password = template_vault.password if use_vault_password else BACKUP_PASSWORD
    unlocked.set_setting("lang", "fr")
    expected = _rows(unlocked)
    dest = tmp_path / "b.mfbak"
    calls: list[tuple[int, int]] = []
    store.backup(unlocked, dest, password, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert os.stat(dest).st_mode & 0o077 == 0
    data = dest.read_bytes()
    for needle in (b"Personal", template_vault.identity_name.encode(), template_vault.data_key):
        assert needle not in data

    info = store.inspect_backup(dest)
    assert info.format_version == 1 and info.size == len(data)
    assert abs(info.created_at - time.time()) < 60

    fresh = VaultStore(tmp_path / "fresh" / "vaults")
    restored_calls: list[tuple[int, int]] = []
    restored = fresh.restore(dest, password, progress=lambda d, t: restored_calls.append((d, t)))
    assert restored_calls[-1][0] == restored_calls[-1][1]
    assert restored.name == "Personal"
    assert [i.name for i in fresh.list()] == ["Personal"]
    vault = fresh.open("Personal")
    vault.unlock(template_vault.password)  # the original vault password still opens it
    assert _rows(vault) == expected
    assert vault.get_setting("lang") == "fr"
    vault.close()
    assert sorted(p.name for p in fresh.root.iterdir() if p.name != ".locks") == ["Personal"]


def test_restore_refuses_existing_name(  # type: ignore[no-untyped-def]
    store: VaultStore, unlocked: Vault, backup_file: Path, template_vault
) -> None:
    unlocked.set_setting("after-backup", True)
    unlocked.close()
    with pytest.raises(VaultExists):
        store.restore(backup_file, BACKUP_PASSWORD)
    with pytest.raises(VaultExists):
        store.restore(backup_file, BACKUP_PASSWORD, as_name="Personal")

    info = store.restore(backup_file, BACKUP_PASSWORD, as_name="Copy")
    assert info.name == "Copy" and store.exists("Copy")

    store.restore(backup_file, BACKUP_PASSWORD, overwrite=True)
    vault = store.open("Personal")
    vault.unlock_with_key(template_vault.data_key)
    assert vault.get_setting("after-backup") is None  # replaced by the backup's contents
    vault.close()
    assert sorted(p.name for p in store.root.iterdir() if p.name != ".locks") == ["Copy", "Personal"]


def _assert_intact(store: VaultStore, template_vault, snapshot: dict[str, bytes]) -> None:  # type: ignore[no-untyped-def]
    path = store.root / template_vault.name
    assert {p.name: p.read_bytes() for p in path.iterdir()} == snapshot
    assert sorted(p.name for p in store.root.iterdir() if p.name != ".locks") == [template_vault.name]


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        ("truncate", BackupTruncated),
        ("truncate_tail", BackupTruncated),
        ("flip_body", BackupCorrupt),
        ("flip_header", BackupCorrupt),
        ("append", BackupCorrupt),
        ("random", NotABackup),
        ("empty", NotABackup),
        ("wrong_password", BackupWrongPassword),
    ],
)
def test_damaged_backup_errors_leave_vault_intact(  # type: ignore[no-untyped-def]
    store: VaultStore, unlocked: Vault, backup_file: Path, template_vault, damage: str, error
) -> None:
    unlocked.close()
    path = store.root / template_vault.name
    snapshot = {p.name: p.read_bytes() for p in path.iterdir()}
    data = bytearray(backup_file.read_bytes())
    password = BACKUP_PASSWORD
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "truncate_tail":
        data = data[:-1]
    elif damage == "flip_body":
        data[len(data) - 100] ^= 0x01
    elif damage == "flip_header":
        start = data.index(b'"created_at"') + len(b'"created_at": ')
        data[start] = ord("1") if data[start] != ord("1") else ord("2")
    elif damage == "append":
        data += b"\0"
    elif damage == "random":
        data = bytearray(os.urandom(len(data)))
    elif damage == "empty":
        data = bytearray()
    elif damage == "wrong_password":
        password = "not it"
    backup_file.write_bytes(bytes(data))
    if damage in ("truncate", "truncate_tail", "append", "random", "empty"):
        with pytest.raises(error):  # visible without a password
            store.inspect_backup(backup_file)
    for kwargs in ({"overwrite": True}, {"as_name": "Other"}):
        with pytest.raises(error):
            store.restore(backup_file, password, **kwargs)  # type: ignore[arg-type]
    _assert_intact(store, template_vault, snapshot)


def test_backup_requires_unlocked(store: VaultStore, existing_vault: Vault, tmp_path: Path) -> None:
    from vault import VaultLocked

    with pytest.raises(VaultLocked):
        store.backup(existing_vault, tmp_path / "x.mfbak", BACKUP_PASSWORD)
    assert not (tmp_path / "x.mfbak").exists()


def test_backup_of_a_vault_being_written(  # type: ignore[no-untyped-def]
    store: VaultStore, unlocked: Vault, template_vault, tmp_path: Path, fast_kdf
) -> None:
    """A writer in another thread cannot tear the snapshot: the restore opens cleanly."""
    import threading

    identity_id = _rows(unlocked)[0][0][0]
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            with unlocked.session() as s:
                s.add(
                    Contact(
                        identity_id=identity_id,
                        display_name=f"c{n}",
                        sign_public=os.urandom(32),
                        box_public=os.urandom(32),
                    )
                )
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.05)
        dest = tmp_path / "live.mfbak"
        store.backup(unlocked, dest, BACKUP_PASSWORD, kdf=fast_kdf)
    finally:
        stop.set()
        thread.join()
    fresh = VaultStore(tmp_path / "fresh")
    fresh.restore(dest, BACKUP_PASSWORD)
    vault = fresh.open("Personal")
    vault.unlock_with_key(template_vault.data_key)
    with vault.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert len(_rows(vault)[1]) >= len(template_vault.contact_names)
    vault.close()
