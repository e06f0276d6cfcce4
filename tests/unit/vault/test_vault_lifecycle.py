from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from vault import (
    KdfParams,
    VaultClosed,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    VaultState,
    VaultStore,
    WrongPassword,
)
from vault.models import Identity


def test_create_returns_unlocked_and_lists(store: VaultStore, fast_kdf: KdfParams) -> None:
    assert store.list() == []
    vault = store.create("Work", "pw", fast_kdf)
    assert vault.state is VaultState.UNLOCKED
    assert vault.name == "Work"
    assert vault.path == store.root / "Work"
    assert vault.format_version == 1
    store.create("Alpha", "pw", fast_kdf).close()
    names = [info.name for info in store.list()]
    assert names == ["Alpha", "Work"]
    assert store.exists("Work") and not store.exists("Nope") and not store.exists("../x")
    info = store.list()[1]
    assert info.path == vault.path and info.format_version == 1 and info.created_at > 0
    vault.close()


def test_permissions_are_private(store: VaultStore, fast_kdf: KdfParams) -> None:
    vault = store.create("Work", "pw", fast_kdf)
    vault.close()
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(vault.path.stat().st_mode) == 0o700
    for name in ("header.json", "vault.db"):
        assert stat.S_IMODE((vault.path / name).stat().st_mode) == 0o600
    # No work folders left behind.
    assert sorted(p.name for p in store.root.iterdir() if p.name != ".locks") == ["Work"]


def test_create_existing_name_refused(store: VaultStore, fast_kdf: KdfParams) -> None:
    store.create("Work", "pw", fast_kdf).close()
    with pytest.raises(VaultExists):
        store.create("Work", "other", fast_kdf)


def test_weak_kdf_refused_unless_explicit(store: VaultStore) -> None:
    with pytest.raises(ValueError):
        store.create("Weak", "pw", KdfParams(1, 8192))
    assert not store.exists("Weak")


def test_open_missing(store: VaultStore) -> None:
    with pytest.raises(VaultNotFound):
        store.open("Ghost")


def test_states_and_misuse(existing_vault, template_vault) -> None:  # type: ignore[no-untyped-def]
    vault = existing_vault
    assert vault.state is VaultState.LOCKED
    with pytest.raises(VaultLocked):
        _ = vault.engine
    with pytest.raises(VaultLocked):
        with vault.session():
            pass
    with pytest.raises(VaultLocked):
        vault.get_setting("x")
    vault.unlock_with_key(template_vault.data_key)
    assert vault.state is VaultState.UNLOCKED
    vault.set_setting("theme", {"dark": True, "size": [1, 2]})
    assert vault.get_setting("theme") == {"dark": True, "size": [1, 2]}
    assert vault.get_setting("missing", 42) == 42
    vault.lock()
    assert vault.state is VaultState.LOCKED
    vault.lock()  # idempotent
    vault.close()
    assert vault.state is VaultState.CLOSED
    vault.close()  # idempotent
    for call in (
        lambda: vault.unlock("x"),
        lambda: vault.unlock_with_key(template_vault.data_key),
        lambda: vault.engine,
        vault.lock,
        vault.session().__enter__,
        lambda: vault.change_password("a", "b"),
    ):
        with pytest.raises(VaultClosed):
            call()


def test_session_commits_and_rolls_back(existing_vault, template_vault) -> None:  # type: ignore[no-untyped-def]
    vault = existing_vault
    vault.unlock_with_key(template_vault.data_key)
    with pytest.raises(RuntimeError):
        with vault.session() as s:
            s.add(Identity(display_name="Ghost", sign_seed=b"1" * 32, box_secret=b"2" * 32))
            s.flush()
            raise RuntimeError("boom")
    with vault.session() as s:
        names = [i.display_name for i in s.query(Identity)]
    assert names == [template_vault.identity_name]


def test_unlocked_context_manager(existing_vault, template_vault) -> None:  # type: ignore[no-untyped-def]
    vault = existing_vault
    with vault.unlocked(template_vault.password) as v:
        assert v is vault and vault.state is VaultState.UNLOCKED
        # Unlocking again only re-checks the password.
        with pytest.raises(WrongPassword):
            vault.unlock("nope")
        assert vault.state is VaultState.UNLOCKED
    assert vault.state is VaultState.LOCKED


def test_unlock_with_wrong_key(existing_vault) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WrongPassword):
        existing_vault.unlock_with_key(os.urandom(32))
    with pytest.raises(WrongPassword):
        existing_vault.unlock_with_key(b"short")
    assert existing_vault.state is VaultState.LOCKED


def test_delete_wipes_folder(store: VaultStore, fast_kdf: KdfParams, tmp_path: Path) -> None:
    vault = store.create("Doomed", "pw", fast_kdf)
    vault.set_setting("k", "v")
    vault.close()
    # Hard links see the same inode after the vault's names are gone: they show whether the
    # bytes were overwritten before the unlink rather than just unlinked.
    links = tmp_path / "links"
    links.mkdir()
    before: dict[str, bytes] = {}
    for file in vault.path.iterdir():
        before[file.name] = file.read_bytes()
        os.link(file, links / file.name)
    assert set(before) >= {"header.json", "vault.db"}

    store.delete("Doomed")
    assert not vault.path.exists()
    assert store.list() == []
    for name, old in before.items():
        new = (links / name).read_bytes()
        assert len(new) == len(old) and new != old
    with pytest.raises(VaultNotFound):
        store.delete("Doomed")


def test_leftovers_are_wiped_unless_another_process_is_mid_operation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from vault import VaultStore
    from vault._locks import FileLock, lock_path

    store = VaultStore(tmp_path / "vaults")
    store.root.mkdir(parents=True)
    folders = {}
    for name in (".new-aaaa", ".restore-bbbb", ".backup-cccc", ".rekey-dddd", ".deleting-eeee", ".replaced-ffff"):
        d = store.root / name
        d.mkdir()
        (d / "vault.db").write_bytes(b"secret bytes of an unfinished vault")
        folders[name] = d
    # another process in the middle of an operation holds the store lock shared: hands off
    other = FileLock(lock_path(store.root, "store"))
    assert other.acquire(shared=True)
    try:
        assert store.recover().busy
        assert all(d.exists() for d in folders.values())
    finally:
        other.release()
    assert store.clean_stale_work() == 5
    assert [n for n, d in folders.items() if d.exists()] == [".replaced-ffff"]  # old format: no name, kept
    assert store.list() == []
