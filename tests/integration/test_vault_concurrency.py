"""Several processes on one vault: writers wait their turn instead of failing with "database is
locked", two password changes at once run one after the other (the second is refused, and the
password that was reported changed is the one that opens the vault), and a restore over the
vault a running node serves leaves the node serving it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mainframe_os.node.node import Node
from vault import KdfParams, VaultStore, WrongPassword
from vault.models import Setting

REPO = Path(__file__).resolve().parents[2]
PW = "a fine long password"

# Reads, then writes, in one transaction (what the node's services do): with a deferred BEGIN
# another process's commit in between made SQLite fail at once with "database is locked".
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from vault import VaultStore
    from vault.models import Setting
    from sqlalchemy import text

    root, me = Path(sys.argv[1]), sys.argv[2]
    v = VaultStore(root).open("v")
    v.unlock_with_key(bytes.fromhex(sys.stdin.readline().strip()))
    print("ready", flush=True)
    sys.stdin.readline()  # "go": all four start writing together
    for i in range(40):
        with v.session() as s:
            n = s.query(Setting).count()
            time.sleep(0.01)  # work between the read and the write (keys, hashing...)
            s.execute(text("INSERT INTO setting (key, value) VALUES (:k, :v)"), {"k": f"{me}-{i}", "v": str(n)})
    v.close()
    print("done", flush=True)
    """
)

PASSWD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from vault import VaultStore, WrongPassword

    root, old, new, start = Path(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
    while time.time() < start:
        time.sleep(0.001)
    try:
        VaultStore(root).open("v").change_password(old, new)
    except WrongPassword:
        print("refused", flush=True)
    else:
        print("changed", flush=True)
    """
)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def test_four_processes_writing_one_vault_all_succeed(tmp_path: Path) -> None:
    store = VaultStore(tmp_path / "vaults")
    v = store.create("v", PW, KdfParams.insecure_for_tests())
    key = v._require_data_key().hex()
    v.close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(store.root), f"p{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            text=True,
        )
        for i in range(4)
    ]
    for p in procs:
        assert p.stdin is not None and p.stdout is not None
        p.stdin.write(key + "\n")
        p.stdin.flush()
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0 and out.strip() == "done", err[-2000:]
    v = store.open("v")
    v.unlock(PW)
    with v.session() as s:
        assert s.query(Setting).count() == 4 * 40
    v.close()


@pytest.mark.parametrize("round_", range(3))
def test_two_password_changes_at_once_run_in_order(tmp_path: Path, round_: int) -> None:
    store = VaultStore(tmp_path / "vaults")
    # moderate KDF: the read-unseal-seal-write window is long, so the two really overlap
    store.create("v", PW, KdfParams.moderate()).close()
    start = time.time() + 3.0
    news = ["new password A", "new password B"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PASSWD, str(store.root), PW, new, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            text=True,
        )
        for new in news
    ]
    results = [p.communicate(timeout=180) for p in procs]
    said = [out.strip() for out, _ in results]
    assert sorted(said) == ["changed", "refused"], [err[-1000:] for _, err in results]
    winner = news[said.index("changed")]
    loser = news[said.index("refused")]
    v = store.open("v")
    v.unlock(winner)  # the password reported changed is the one that opens it
    for wrong in (PW, loser):
        with pytest.raises(WrongPassword):
            v.unlock(wrong)
    v.close()


async def test_restore_over_the_served_vault_keeps_the_node_serving_it(tmp_path: Path) -> None:
    node = Node(tmp_path / "home")
    try:
        await node.call("vault_create", {"name": "main", "password": PW})
        await node.call("identity_create", {"displayName": "Alice"})
        backup = tmp_path / "b.bak"
        await node.call("vault_backup", {"path": str(backup), "password": PW, "vaultPassword": PW})
        await node.call("identity_create", {"displayName": "Bob"})
        out = await node.call("vault_restore", {"path": str(backup), "password": PW, "overwrite": True})
        assert out["name"] == "main" and out["open"]
        assert any("per machine" in n or "each machine" in n for n in out["notes"])
        # the node serves the restored vault: no "No vault is open"
        assert [i["displayName"] for i in await node.call("identity_list")] == ["Alice"]
    finally:
        await node.close()
