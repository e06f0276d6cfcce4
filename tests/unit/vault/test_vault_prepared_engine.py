"""An unlock whose key is being derived ahead makes its database engine meanwhile and runs the
first reads on a blank in-memory database, so SQLAlchemy has compiled them when the key comes.
It only ever reads the vault's own file once the key is there, and changes nothing else: a wrong
password, a warm-up that fails, an unlock without a derivation ahead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from vault import KdfParams, VaultState, VaultStore, WrongPassword, prefetch_unlock
from vault.models import Identity

PASSWORD = "prepared engine 1"


@pytest.fixture
def vault_with_alice(store: VaultStore) -> Any:
    v = store.create("v", PASSWORD, KdfParams.insecure_for_tests())
    with v.session() as s:
        s.add(Identity(display_name="Alice", sign_seed=b"s" * 32, box_secret=b"b" * 32))
    v.lock()
    yield v
    v.close()


def _names(s: Session) -> list[str]:
    return [i.display_name for i in s.scalars(select(Identity).order_by(Identity.position))]


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every statement SQLAlchemy compiles from now on."""
    seen: list[str] = []
    compile_statement = SQLCompiler.__init__

    def traced(self: SQLCompiler, *args: Any, **kwargs: Any) -> None:
        compile_statement(self, *args, **kwargs)
        seen.append(self.string)

    monkeypatch.setattr(SQLCompiler, "__init__", traced)
    return seen


def test_the_first_reads_run_on_a_blank_database_and_are_compiled_before_the_key(
    vault_with_alice: Any, compiled: list[str]
) -> None:
    v = vault_with_alice
    warmed: list[list[str]] = []
    prefetch_unlock(v.path, PASSWORD)
    v.unlock(PASSWORD, warm=lambda s: warmed.append(_names(s)))
    assert warmed == [[]]  # the warm-up saw an empty database, never the vault's rows
    assert compiled  # it compiled the read
    compiled.clear()
    with v.session() as s:
        assert _names(s) == ["Alice"]  # the real file, under its key
    assert compiled == []  # the same read, compiled ahead by the engine that opened the vault


def test_a_wrong_password_fails_as_always_and_leaves_the_vault_locked(vault_with_alice: Any) -> None:
    v = vault_with_alice
    prefetch_unlock(v.path, "not the password")
    with pytest.raises(WrongPassword):
        v.unlock("not the password", warm=_names)
    assert v.state is VaultState.LOCKED
    with pytest.raises(Exception, match="locked"):
        v.engine  # noqa: B018 - the property raises on a locked vault
    prefetch_unlock(v.path, PASSWORD)
    v.unlock(PASSWORD, warm=_names)
    with v.session() as s:
        assert _names(s) == ["Alice"]


def test_a_failing_warm_up_does_not_stop_the_unlock(vault_with_alice: Any) -> None:
    def broken(_s: Session) -> None:
        raise RuntimeError("a bug in the reads run ahead")

    prefetch_unlock(vault_with_alice.path, PASSWORD)
    vault_with_alice.unlock(PASSWORD, warm=broken)
    with vault_with_alice.session() as s:
        assert _names(s) == ["Alice"]


def test_without_a_derivation_ahead_nothing_runs_before_the_unlock(vault_with_alice: Any) -> None:
    warmed: list[object] = []
    vault_with_alice.unlock(PASSWORD, warm=warmed.append)  # the KDF runs here: no time to win
    assert warmed == []
    with vault_with_alice.session() as s:
        assert _names(s) == ["Alice"]


def test_the_warm_up_never_writes_to_the_vault_folder(vault_with_alice: Any) -> None:
    folder: Path = vault_with_alice.path
    before = sorted(p.name for p in folder.iterdir())
    prefetch_unlock(folder, "not the password")
    with pytest.raises(WrongPassword):
        vault_with_alice.unlock("not the password", warm=_names)
    assert sorted(p.name for p in folder.iterdir()) == before
