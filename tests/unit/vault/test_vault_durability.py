from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vault import VaultStore
from vault.models import Contact

REPO = Path(__file__).resolve().parents[3]

WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from vault import VaultStore
    from vault.models import Contact, Identity

    store = VaultStore(Path(sys.argv[1]))
    vault = store.open(sys.argv[2])
    vault.unlock_with_key(bytes.fromhex(sys.stdin.readline().strip()))
    with vault.session() as s:
        identity_id = s.query(Identity.id).scalar()
    while True:
        with vault.session() as s:
            contact = Contact(identity_id=identity_id, display_name="k",
                              sign_public=os.urandom(32), box_public=os.urandom(32))
            s.add(contact)
            s.flush()
            contact_id = contact.id
        print(contact_id, flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_keeps_every_reported_commit(  # type: ignore[no-untyped-def]
    store: VaultStore, existing_vault, template_vault
) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store.root), template_vault.name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    # The key goes through a pipe, not argv: command lines are visible to other users.
    proc.stdin.write(template_vault.data_key.hex() + "\n")
    proc.stdin.flush()
    printed: list[str] = []
    try:
        while len(printed) < 50:
            line = proc.stdout.readline()
            assert line, "writer died early"
            printed.append(line.strip())
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    existing_vault.unlock_with_key(template_vault.data_key)
    with existing_vault.session() as s:
        found = set(s.scalars(Contact.__table__.select().with_only_columns(Contact.id)))
    assert set(printed) <= found
    with existing_vault.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_a_non_durable_session_commits_and_leaves_every_connection_durable(  # type: ignore[no-untyped-def]
    existing_vault, template_vault
) -> None:
    """session(durable=False) (the wallet's post-broadcast status write) commits like any session
    and rolls back on error; the connection it used goes back to the pool with synchronous=FULL,
    so the next session's commit is fsynced again."""
    from vault.models import Identity

    vault = existing_vault
    vault.unlock_with_key(template_vault.data_key)
    with vault.session() as s:
        identity_id = s.query(Identity.id).scalar()
    with vault.session(durable=False) as s:
        assert s.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL, this once
        s.add(Contact(identity_id=identity_id, display_name="relaxed", sign_public=b"s" * 32, box_public=b"b" * 32))
    with pytest.raises(RuntimeError), vault.session(durable=False) as s:
        s.add(Contact(identity_id=identity_id, display_name="rolled back", sign_public=b"t" * 32, box_public=b"c" * 32))
        s.flush()
        raise RuntimeError("boom")
    with vault.session() as s:
        names = {c.display_name for c in s.query(Contact)}
    assert "relaxed" in names and "rolled back" not in names
    # every connection the pool holds (several, checked out at once, no transaction) is FULL (2) again
    assert _pool_levels(vault) == {2}


def test_plain_sql_transactions_keep_the_sessions_guarantees(  # type: ignore[no-untyped-def]
    existing_vault, template_vault
) -> None:
    """Vault.sql (the wallet's send path writes its history this way): a durable transaction is
    committed with synchronous=FULL (the "signed" record is fsynced before the broadcast), a
    non-durable one with NORMAL and the connection goes back FULL, an error rolls everything
    back, a write transaction holds the write lock from its start, a read one does not."""

    vault = existing_vault
    vault.unlock_with_key(template_vault.data_key)
    add = _contact_writer(vault)

    with vault.sql() as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: fsynced at the commit
        assert conn.in_transaction
        add(conn, "durable")
    with vault.sql(durable=False) as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL, this once
        add(conn, "relaxed")
    with pytest.raises(RuntimeError), vault.sql() as conn:
        add(conn, "rolled back")
        raise RuntimeError("boom")
    with vault.sql(write=False) as conn:
        names = {row[0] for row in conn.execute("SELECT display_name FROM contact")}
        with vault.sql() as other:  # a reader does not hold the write lock: a writer goes ahead
            add(other, "beside a reader")
    assert {"durable", "relaxed"} <= names and "rolled back" not in names
    assert _pool_levels(vault) == {2}


def test_the_relaxed_connection_is_one_holders_and_leaves_with_the_key(  # type: ignore[no-untyped-def]
    existing_vault, template_vault
) -> None:
    """Vault.sql(durable=False) keeps one connection at synchronous=NORMAL outside the pool: a
    second non-durable writer at the same time gets a pooled one for that transaction (NORMAL,
    then FULL again), an error rolls back and the connection stays usable, and a lock while the
    relaxed one is in use retires it when its holder is done (the next unlock makes a new one)."""

    vault = existing_vault
    vault.unlock_with_key(template_vault.data_key)
    add = _contact_writer(vault)

    def names() -> set[str]:
        with vault.sql(write=False) as conn:
            return {row[0] for row in conn.execute("SELECT display_name FROM contact")}

    with vault.sql(durable=False, write=False) as first:
        with vault.sql(durable=False) as second:  # the relaxed one is busy: a pooled one, this once
            assert second is not first and second.execute("PRAGMA synchronous").fetchone()[0] == 1
            add(second, "beside the relaxed one")
        assert first.execute("PRAGMA synchronous").fetchone()[0] == 1
    with pytest.raises(RuntimeError), vault.sql(durable=False) as conn:
        add(conn, "rolled back")
        raise RuntimeError("boom")
    with vault.sql(durable=False) as again:
        assert again is first  # still the relaxed one, no transaction left open
        add(again, "relaxed")
    assert {"beside the relaxed one", "relaxed"} <= names() and "rolled back" not in names()
    with vault.sql(durable=False) as held:
        vault.lock()  # while it is in use: the holder finishes its transaction
        add(held, "written while locking")
    with pytest.raises(Exception):  # noqa: B017, PT011 - locked: no connection, whichever error says so
        held.execute("SELECT 1")  # retired with the key
    vault.unlock_with_key(template_vault.data_key)
    with vault.sql(durable=False) as fresh:
        assert fresh is not held and fresh.execute("PRAGMA synchronous").fetchone()[0] == 1
        add(fresh, "after unlock")
    assert {"written while locking", "after unlock"} <= names()
    assert _pool_levels(vault) == {2}


def _pool_levels(vault) -> set[int]:  # type: ignore[no-untyped-def]
    """synchronous of every connection the pool holds (several checked out at once, no transaction)."""
    conns = [vault.engine.connect() for _ in range(4)]
    try:
        return {c.connection.dbapi_connection.execute("PRAGMA synchronous").fetchone()[0] for c in conns}
    finally:
        for c in conns:
            c.close()


def _contact_writer(vault):  # type: ignore[no-untyped-def]
    """add(conn, name): a contact row of the vault's identity, on a DB-API connection."""
    from vault.models import Identity

    with vault.session() as s:
        identity_id = s.query(Identity.id).scalar()
    insert = "INSERT INTO contact (id, identity_id, display_name, sign_public, box_public, added_at)"
    insert += " VALUES (?, ?, ?, ?, ?, 0)"

    def add(conn, name: str) -> None:  # type: ignore[no-untyped-def]
        conn.execute(insert, (os.urandom(16).hex(), identity_id, name, os.urandom(32), os.urandom(32)))

    return add
