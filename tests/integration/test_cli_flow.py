"""The issue's newcomer session, end to end through the real `mfos` CLI in subprocesses:
real SQLCipher vault files in a temp home, a backup restored into an empty home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PW = "correct horse battery"


def mfos(
    home: Path, *args: str, password: str | None = PW, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    if password is not None:
        e["MFOS_PASSWORD"] = password
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=e,
        input=stdin,
        timeout=120,
    )


def ok(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r.stdout


def j(r: subprocess.CompletedProcess[str]) -> object:
    return json.loads(ok(r))


@contextmanager
def serving_node(home: Path) -> Iterator[Path]:
    """`mfos node --vault v` serving `home` on its socket until the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    env["MFOS_PASSWORD"] = PW
    proc = subprocess.Popen(
        [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), "node", "--vault", "v"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 120
        while not (home / "run" / "node.json").exists():
            assert proc.poll() is None and time.time() < deadline, proc.stderr and proc.stderr.read()
            time.sleep(0.1)  # polls for the node's run file, bounded by the deadline
        yield home
    finally:
        proc.terminate()
        proc.communicate(timeout=60)


@pytest.mark.slow  # ~1 min of CLI processes: the default suite stays short, CI runs it
def test_newcomer_session(tmp_path: Path) -> None:
    home, other = tmp_path / "home", tmp_path / "fresh"
    out = ok(mfos(home, "vault", "create", "personal"))
    assert "Created vault 'personal'" in out
    ok(mfos(home, "vault", "create", "work", password="another password"))
    assert [v["name"] for v in j(mfos(home, "--json", "vault", "list"))] == ["personal", "work"]

    alice = j(mfos(home, "--json", "identity", "create", "--vault", "personal", "Alice Liddell"))
    ok(mfos(home, "identity", "create", "--vault", "personal", "Alice at work"))
    listed = ok(mfos(home, "identity", "list", "--vault", "personal"))
    assert "Alice Liddell" in listed and "Alice at work" in listed
    # a friend's card, from another vault
    bob = j(mfos(home, "--json", "identity", "create", "--vault", "work", "Bob", password="another password"))
    bob_card = ok(mfos(home, "identity", "card", "--vault", "work", bob["id"], password="another password")).strip()
    assert bob_card.startswith("mfc1.")

    added = j(mfos(home, "--json", "contact", "add", "--vault", "personal", "--identity", alice["id"], bob_card))
    assert added["displayName"] == "Bob"
    # a typo in a pasted card is caught by its checksum
    typo = bob_card[:20] + ("a" if bob_card[20] != "a" else "b") + bob_card[21:]
    r = mfos(home, "contact", "add", "--vault", "personal", typo)
    assert r.returncode == 1 and "checksum" in r.stderr
    ok(mfos(home, "contact", "rename", "--vault", "personal", "--identity", alice["id"], "Bob", "Bobby"))
    contacts = j(mfos(home, "--json", "contact", "list", "--vault", "personal", "--identity", alice["id"]))
    assert [c["displayName"] for c in contacts] == ["Bobby"]

    # backup, then restore into an empty home: everything comes back, keys byte for byte
    backup = tmp_path / "personal.mfbackup"
    ok(mfos(home, "vault", "backup", "personal", str(backup)))
    assert backup.stat().st_size > 0
    ok(mfos(other, "vault", "restore", str(backup)))
    restored_ids = j(mfos(other, "--json", "identity", "list", "--vault", "personal"))
    original_ids = j(mfos(home, "--json", "identity", "list", "--vault", "personal"))
    assert restored_ids == original_ids
    assert j(mfos(other, "--json", "contact", "list", "--vault", "personal", "--identity", alice["id"])) == contacts
    card_a = ok(mfos(home, "identity", "card", "--vault", "personal", alice["id"]))
    assert ok(mfos(other, "identity", "card", "--vault", "personal", alice["id"])) == card_a

    # restore never silently overwrites; --as gives it another name
    r = mfos(other, "vault", "restore", str(backup))
    assert r.returncode == 1 and "exists" in r.stderr
    ok(mfos(other, "vault", "restore", str(backup), "--as", "copy"))

    # wrong password: clear error, non-zero exit, takes the KDF's time, nothing changed
    t0 = time.perf_counter()
    r = mfos(home, "identity", "list", "--vault", "personal", password="wrong password")
    assert r.returncode == 1 and "Wrong password" in r.stderr
    assert time.perf_counter() - t0 > 0.3
    assert "wrong password" not in r.stderr.lower().replace("wrong password", "", 1)  # not echoed back

    # change password, then delete with confirmation
    ok(
        mfos(
            home, "vault", "passwd", "work", password="another password", env={"MFOS_NEW_PASSWORD": "a third password"}
        )
    )
    assert mfos(home, "identity", "list", "--vault", "work", password="another password").returncode == 1
    ok(mfos(home, "identity", "list", "--vault", "work", password="a third password"))
    r = mfos(home, "vault", "delete", "work")  # no terminal, no --yes: refused
    assert r.returncode == 1 and "--yes" in r.stderr
    r = mfos(home, "--yes", "vault", "delete", "work")  # deleting needs the vault's own password again
    assert r.returncode == 1 and "wrong" in r.stderr.lower() and (home / "vaults" / "work").exists()
    ok(mfos(home, "--yes", "vault", "delete", "work", password="a third password"))
    assert [v["name"] for v in j(mfos(home, "--json", "vault", "list"))] == ["personal"]
    assert not (home / "vaults" / "work").exists()


def test_backup_with_separate_password_and_bad_files(tmp_path: Path) -> None:
    home = tmp_path / "h"
    ok(mfos(home, "vault", "create", "v"))
    ok(mfos(home, "identity", "create", "--vault", "v", "Carol"))
    backup = tmp_path / "v.bak"
    ok(
        mfos(
            home,
            "vault",
            "backup",
            "v",
            str(backup),
            "--backup-password",
            env={"MFOS_BACKUP_PASSWORD": "backup only pw"},
        )
    )
    fresh = tmp_path / "fresh"
    r = mfos(fresh, "vault", "restore", str(backup))  # the vault password does not open it
    assert r.returncode == 1 and "password" in r.stderr.lower()
    ok(mfos(fresh, "vault", "restore", str(backup), env={"MFOS_BACKUP_PASSWORD": "backup only pw"}))
    # ... and the restored vault still opens with its own password
    assert "Carol" in ok(mfos(fresh, "identity", "list", "--vault", "v"))

    data = backup.read_bytes()
    for name, blob, word in [
        ("truncated", data[: len(data) // 2], "truncated"),
        ("flipped", data[:-100] + bytes([data[-100] ^ 1]) + data[-99:], "damaged"),
        ("random", os.urandom(4096), "not a"),
    ]:
        bad = tmp_path / f"{name}.bak"
        bad.write_bytes(blob)
        r = mfos(tmp_path / f"home-{name}", "vault", "restore", str(bad))
        assert r.returncode == 1, name
        assert word in r.stderr.lower(), (name, r.stderr)
        assert not (tmp_path / f"home-{name}" / "vaults" / "v").exists()


def test_rpc_command_and_errors(tmp_path: Path) -> None:
    home = tmp_path / "h"
    ok(mfos(home, "vault", "create", "v"))
    r = j(mfos(home, "--json", "rpc", "--vault", "v", "identity_create", '{"displayName": "Dora"}'))
    assert r["displayName"] == "Dora"
    assert j(mfos(home, "--json", "rpc", "node_version"))["apiVersion"] == 1
    r = mfos(home, "--json", "rpc", "--vault", "v", "no_suchMethod")
    assert r.returncode == 1 and json.loads(r.stdout)["error"]["code"] == -32601
    r = mfos(home, "rpc", "--vault", "v", "identity_create", "{bad json")
    assert r.returncode == 1
    r = mfos(home, "--json", "rpc", "--vault", "v", "identity_create", '{"displayName": 5}')
    assert json.loads(r.stdout)["error"]["code"] == -32602


@pytest.mark.slow
def test_headless_node_serves_the_socket(tmp_path: Path) -> None:
    home = tmp_path / "h"
    ok(mfos(home, "vault", "create", "v"))
    sock = home / "run" / "node.sock"
    with serving_node(home):
        assert sock.exists()
        assert (sock.stat().st_mode & 0o777) == 0o600
        assert ((home / "run").stat().st_mode & 0o777) == 0o700
        # with the node running, mfos rpc needs no password: it talks to the node
        r = j(mfos(home, "--json", "rpc", "--vault", "v", "identity_create", '{"displayName": "Eve"}', password=None))
        assert r["displayName"] == "Eve"
        status = j(mfos(home, "--json", "rpc", "node_status", password=None))
        assert status["vault"] == "v"
        if os.geteuid() == 0:
            # another OS user cannot connect (the socket is 0600 in a 0700 folder; peer uid checked)
            probe = (
                "import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
                f"try:\n s.connect({str(sock)!r});"
                ' s.sendall(b\'{"jsonrpc":"2.0","id":1,"method":"node_status"}\\n\');'
                " d=s.recv(100); sys.exit(3 if d else 0)\nexcept OSError as e:\n print(e); sys.exit(0)"
            )
            # a system interpreter: the venv's lives under /root, which "nobody" cannot enter
            interp = next((p for p in ("/usr/bin/python3", "/usr/local/bin/python3") if os.path.exists(p)), None)
            if interp is None:
                pytest.skip("no system python3 to run as another user")
            r = subprocess.run([interp, "-c", probe], user=65534, capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, r.stdout + r.stderr
    assert not sock.exists()


@pytest.mark.slow
def test_wallet_accounts_from_the_cli(tmp_path: Path) -> None:
    home = tmp_path / "h"
    ok(mfos(home, "vault", "create", "v"))
    ok(mfos(home, "identity", "create", "--vault", "v", "Ann"))
    ok(mfos(home, "--yes", "wallet", "create", "--vault", "v"))
    wallets = j(mfos(home, "--json", "wallet", "list", "--vault", "v"))
    first = wallets[0]["accounts"][0]["address"]
    ok(mfos(home, "wallet", "add-account", "--vault", "v", wallets[0]["id"]))
    second = j(mfos(home, "--json", "wallet", "accounts", "--vault", "v"))[1]["address"]
    ok(mfos(home, "wallet", "rename-account", "--vault", "v", second, "Savings"))
    ok(mfos(home, "wallet", "default", "--vault", "v", second))
    accounts = j(mfos(home, "--json", "wallet", "accounts", "--vault", "v"))
    assert [(x["address"], x["name"], x["default"]) for x in accounts][0] == (second, "Savings", True)
    assert first in [x["address"] for x in accounts]
    r = mfos(home, "wallet", "remove", "--vault", "v", "Wallet")  # no --yes, no terminal: refused
    assert r.returncode == 1 and "--yes" in r.stderr
    assert len(j(mfos(home, "--json", "wallet", "list", "--vault", "v"))) == 1
    ok(mfos(home, "--yes", "wallet", "remove", "--vault", "v", "Wallet"))
    assert j(mfos(home, "--json", "wallet", "list", "--vault", "v")) == []
