from __future__ import annotations

import pytest

from vault import KeyringUnavailable, VaultState, VaultStore


def test_remember_unlock_forget(  # type: ignore[no-untyped-def]
    store: VaultStore, existing_vault, template_vault, memory_keyring
) -> None:
    assert store.keyring_available()
    assert store.unlock_remembered(template_vault.name) is None
    existing_vault.unlock_with_key(template_vault.data_key)
    existing_vault.remember_on_device()
    username = str(existing_vault.path.resolve())
    assert ("mainframe-os", username) in memory_keyring.entries
    existing_vault.close()

    vault = store.unlock_remembered(template_vault.name)
    assert vault is not None and vault.state is VaultState.UNLOCKED
    assert vault.get_setting("x", "d") == "d"
    vault.forget_on_device()
    vault.forget_on_device()  # nothing left: still fine
    vault.close()
    assert memory_keyring.entries == {}
    assert store.unlock_remembered(template_vault.name) is None


def test_stale_remembered_key_is_dropped(store: VaultStore, existing_vault, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    memory_keyring.entries[("mainframe-os", str(existing_vault.path.resolve()))] = "00" * 32
    assert store.unlock_remembered(existing_vault.name) is None
    assert memory_keyring.entries == {}


def test_remember_requires_unlocked(existing_vault, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    from vault import VaultLocked

    with pytest.raises(VaultLocked):
        existing_vault.remember_on_device()


def test_no_keyring_backend(  # type: ignore[no-untyped-def]
    store: VaultStore, existing_vault, template_vault, failing_keyring
) -> None:
    assert store.keyring_available() is False
    existing_vault.unlock_with_key(template_vault.data_key)
    with pytest.raises(KeyringUnavailable) as info:
        existing_vault.remember_on_device()
    assert template_vault.data_key.hex() not in str(info.value)
    with pytest.raises(KeyringUnavailable):
        existing_vault.forget_on_device()
    assert store.unlock_remembered(template_vault.name) is None


def test_delete_forgets_remembered_key(store: VaultStore, fast_kdf, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    vault = store.create("Temp", "pw", fast_kdf)
    vault.remember_on_device()
    vault.close()
    store.delete("Temp")
    assert memory_keyring.entries == {}


def test_chainer_without_backends_is_unavailable(store: VaultStore) -> None:
    import keyring
    import keyring.backends.chainer
    import keyring.backends.null

    previous = keyring.get_keyring()
    try:
        chainer = keyring.backends.chainer.ChainerBackend()
        keyring.set_keyring(chainer)
        expected = bool(chainer.backends) and any(
            not isinstance(b, keyring.backends.null.Keyring) for b in chainer.backends
        )
        assert store.keyring_available() is expected
        keyring.set_keyring(keyring.backends.null.Keyring())
        assert store.keyring_available() is False
    finally:
        keyring.set_keyring(previous)
