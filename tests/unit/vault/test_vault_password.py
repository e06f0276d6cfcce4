from __future__ import annotations

import time

import nacl.pwhash
import pytest

from vault import KdfParams, VaultState, WrongPassword
from vault._header import read_header


def test_wrong_password_costs_kdf_time_and_changes_nothing(existing_vault, template_vault) -> None:  # type: ignore[no-untyped-def]
    vault = existing_vault
    header = read_header(vault.path)
    assert not header.kdf.is_weak  # this path uses real moderate params
    before = {p.name: p.read_bytes() for p in vault.path.iterdir()}

    # CPU seconds, best of three each: a loaded machine stretches wall time of either side at
    # random (CI saw a wrong guess in 1.02 s beside a bare KDF's best of 1.30 s), CPU time is the
    # work itself (a wrong password must cost the full KDF, no shortcut).
    bare = wrong = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        nacl.pwhash.argon2id.kdf(32, b"x", header.salt, opslimit=header.kdf.opslimit, memlimit=header.kdf.memlimit)
        bare = min(bare, time.process_time() - t0)
        t0 = time.process_time()
        with pytest.raises(WrongPassword) as info:
            vault.unlock("not the password")
        wrong = min(wrong, time.process_time() - t0)
    assert wrong >= 0.8 * bare
    assert "not the password" not in str(info.value)
    assert vault.state is VaultState.LOCKED
    assert {p.name: p.read_bytes() for p in vault.path.iterdir()} == before


def test_change_password(existing_vault, template_vault) -> None:  # type: ignore[no-untyped-def]
    vault = existing_vault
    db_before = (vault.path / "vault.db").read_bytes()
    header_before = (vault.path / "header.json").read_bytes()
    with pytest.raises(WrongPassword):
        vault.change_password("wrong", "new password")
    assert (vault.path / "header.json").read_bytes() == header_before

    vault.change_password(template_vault.password, "new password")
    assert (vault.path / "vault.db").read_bytes() == db_before
    assert (vault.path / "header.json").read_bytes() != header_before
    with pytest.raises(WrongPassword):
        vault.unlock(template_vault.password)
    vault.unlock("new password")
    assert vault.get_setting("nothing") is None
    vault.lock()
    # The data key did not change: a remembered key keeps working.
    vault.unlock_with_key(template_vault.data_key)


def test_change_password_upgrades_weak_params(store, fast_kdf) -> None:  # type: ignore[no-untyped-def]
    vault = store.create("Weak", "pw", fast_kdf)
    vault.change_password("pw", "pw2", fast_kdf)
    assert read_header(vault.path).kdf == fast_kdf
    vault.change_password("pw2", "pw3")
    assert read_header(vault.path).kdf == KdfParams.moderate()
    vault.close()
