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
