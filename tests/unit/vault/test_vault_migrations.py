from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect

from vault import UnsupportedFormat, VaultState, VaultStore
from vault._db import connect_raw
from vault.migrations import LATEST, STEPS
from vault.models import Base, Contact, Identity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vault"


def _fixture_key(label: str) -> bytes:
    return hashlib.sha256(f"mainframe-os-fixture:{label}".encode()).digest()


def test_v1_fixture_opens_with_current_code(store: VaultStore) -> None:
    expected = json.loads((FIXTURES / "v1_expected.json").read_text())
    store.root.mkdir(parents=True)
    shutil.copytree(FIXTURES / "v1", store.root / "old")  # never touch the committed files
    vault = store.open("old")
    vault.unlock(expected["password"])
    assert vault.state is VaultState.UNLOCKED
    with vault.session() as s:
        identities = list(s.query(Identity).order_by(Identity.position))
        assert [i.display_name for i in identities] == [e["display_name"] for e in expected["identities"]]
        for identity, exp in zip(identities, expected["identities"], strict=True):
            assert identity.id == exp["id"]
            assert identity.developer is exp["developer"]
            assert identity.sign_seed == _fixture_key(f"{identity.display_name}/sign")
            assert identity.box_secret == _fixture_key(f"{identity.display_name}/box")
            assert [c.display_name for c in identity.contacts] == exp["contacts"]
            for contact in identity.contacts:
                assert contact.sign_public == _fixture_key(f"{contact.display_name}/sign_public")
                assert contact.box_public == _fixture_key(f"{contact.display_name}/box_public")
        assert s.query(Contact).count() == 3
    assert vault.get_setting("fixture") == {"made_by": "make_v1.py", "schema": 1}
    with vault.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == LATEST
    vault.close()


def test_migrated_schema_matches_models(store: VaultStore, fast_kdf) -> None:  # type: ignore[no-untyped-def]
    vault = store.create("Fresh", "pw", fast_kdf)
    db = inspect(vault.engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"] for c in db.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    vault.close()


def test_cascade_delete_and_unique_contact(store: VaultStore, fast_kdf) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy.exc

    vault = store.create("Fresh", "pw", fast_kdf)
    with vault.session() as s:
        identity = Identity(display_name="A", sign_seed=b"1" * 32, box_secret=b"2" * 32)
        s.add(identity)
        s.flush()
        s.add(
            Contact(
                identity_id=identity.id,
                display_name="B",
                sign_public=b"3" * 32,
                box_public=b"4" * 32,
            )
        )
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        with vault.session() as s:
            s.add(
                Contact(
                    identity_id=identity.id,
                    display_name="B2",
                    sign_public=b"3" * 32,
                    box_public=b"5" * 32,
                )
            )
    with vault.engine.begin() as conn:  # SQL-level delete: the FK's ON DELETE CASCADE acts
        conn.exec_driver_sql("DELETE FROM identity")
    with vault.session() as s:
        assert s.query(Contact).count() == 0
    vault.close()


def test_future_schema_version_is_refused(existing_vault, template_vault) -> None:  # type: ignore[no-untyped-def]
    conn = connect_raw(existing_vault.path / "vault.db", template_vault.data_key)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(UnsupportedFormat):
        existing_vault.unlock_with_key(template_vault.data_key)
    assert existing_vault.state is VaultState.LOCKED


def test_future_header_version_is_refused(existing_vault, store: VaultStore) -> None:  # type: ignore[no-untyped-def]
    header = existing_vault.path / "header.json"
    doc = json.loads(header.read_text())
    doc["version"] = 99
    header.write_text(json.dumps(doc))
    with pytest.raises(UnsupportedFormat):
        store.open(existing_vault.name)


def test_steps_are_numbered_modules() -> None:
    assert LATEST == len(STEPS) >= 1
    for number, step in enumerate(STEPS, start=1):
        assert step.__name__.rsplit(".", 1)[1].startswith(f"m{number:04d}_")
