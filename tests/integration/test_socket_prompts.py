"""Who answers a prompt, and secrets behind the password, with `mfos node` running as a real
subprocess and the real `mfos` CLI talking to it over its socket.

- a socket caller answers its own prompts: `--yes`, or its terminal (a real pty here);
- with neither, the node refuses with a message that says so (never a silent "you rejected");
- `secret` methods (keystore export, backup) need the vault password again, checked by the node.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node.transport.local_socket import SocketClient
from tests.support.terminal import answer_on_a_terminal

from .test_cli_flow import PW, j, mfos, ok

BOB = "0x000000000000000000000000000000000000b0b0"
NOBODY = "No one is there to approve: run the command from a terminal or pass --yes"
KEYSTORE_PW = "keystore pass 123"
BACKUP_PW = "backup pass 12345"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A home with a vault, an identity and a funded wallet, served by `mfos -v node`."""
    home = tmp_path_factory.mktemp("node") / "home"
    ok(mfos(home, "vault", "create", "v"))
    ok(mfos(home, "identity", "create", "--vault", "v", "Alice"))
    wallet = j(mfos(home, "--yes", "--json", "wallet", "create", "--vault", "v"))
    me = wallet["accounts"][0]["address"]  # type: ignore[index]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    env["MFOS_PASSWORD"] = PW
    log = (home.parent / "node.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), "-v", "node", "--vault", "v"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.time() + 60
        while not (home / "run" / "node.json").exists() and time.time() < deadline:
            assert proc.poll() is None, (home.parent / "node.log").read_text()
            time.sleep(0.1)
        assert (home / "run" / "node.json").exists()
        yield {"home": home, "me": me, "proc": proc, "log": home.parent / "node.log"}
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


def balance_of(home: Path, address: str) -> int:
    r = j(mfos(home, "--json", "rpc", "--vault", "v", "eth_getBalance", json.dumps([address, "latest"]), password=None))
    return int(str(r), 16)


@pytest.mark.slow
def test_yes_travels_over_the_socket_and_the_send_lands(running: dict[str, Any]) -> None:
    home = running["home"]
    before = balance_of(home, BOB)
    r = mfos(home, "--yes", "--json", "wallet", "send", "--vault", "v", "--to", BOB, "--amount", "0.25", password=None)
    sent = json.loads(ok(r))
    assert sent["status"] == "confirmed", sent
    assert balance_of(home, BOB) - before == 25 * 10**16
    # the prompt was shown where the command ran (its terminal output), not swallowed by the node
    assert "(approved by --yes)" in r.stderr


@pytest.mark.slow
def test_no_yes_and_no_terminal_is_refused_with_a_message_that_says_so(running: dict[str, Any]) -> None:
    home = running["home"]
    before = balance_of(home, BOB)
    r = mfos(home, "--json", "wallet", "send", "--vault", "v", "--to", BOB, "--amount", "0.5", password=None)
    assert r.returncode == 1
    err = json.loads(r.stdout)["error"]
    assert err["code"] == 4001 and err["message"] == NOBODY
    assert balance_of(home, BOB) == before
    # a script on the socket that does not answer prompts: the headless node has nobody to ask
    with SocketClient(home / "run" / "node.sock", timeout=60) as c:
        resp = c.call("wallet_send", {"to": BOB, "amount": "0.5"})
    assert resp["error"]["code"] == 4001 and resp["error"]["message"] == NOBODY
    assert balance_of(home, BOB) == before


@pytest.mark.slow
def test_a_real_terminal_answers_its_own_prompt(running: dict[str, Any]) -> None:
    home = running["home"]
    before = balance_of(home, BOB)
    args = ["wallet", "send", "--vault", "v", "--to", BOB, "--amount", "0.125"]
    code, out = answer_on_a_terminal(home, args, [(b"Approve? [y/N]", b"n\n")], deadline_s=120)
    assert code == 1 and "rejected" in out.lower()
    assert balance_of(home, BOB) == before
    code, out = answer_on_a_terminal(home, args, [(b"Approve? [y/N]", b"y\n")], deadline_s=120)
    assert code == 0, out
    assert "Send 0.125 ETH" in out or "0.125" in out  # the decoded request was shown on the terminal
    assert balance_of(home, BOB) - before == 125 * 10**15


@pytest.mark.slow
def test_secret_methods_need_the_vault_password_over_the_socket(running: dict[str, Any], tmp_path: Path) -> None:
    home, me = running["home"], running["me"]
    sock = home / "run" / "node.sock"
    with SocketClient(sock, timeout=120) as c:
        # export: no vault password, a wrong one, then the right one
        no_pw = c.call("wallet_exportKeystore", {"address": me, "password": KEYSTORE_PW})
        assert no_pw["error"]["code"] == -32602 and "vaultPassword" in no_pw["error"]["message"]
        wrong = c.call("wallet_exportKeystore", {"address": me, "password": KEYSTORE_PW, "vaultPassword": PW + "!"})
        assert wrong["error"]["code"] == 2004 and "result" not in wrong
        good = c.call("wallet_exportKeystore", {"address": me, "password": KEYSTORE_PW, "vaultPassword": PW})
        assert good["result"]["keystore"]["address"].lower() == me[2:].lower()

        # backup: refused without the right vault password, and no file appears
        dest = tmp_path / "whole-vault.mfbackup"
        for params in (
            {"path": str(dest), "password": BACKUP_PW},
            {"path": str(dest), "password": BACKUP_PW, "vaultPassword": "guess guess"},
            {"path": str(dest), "password": "x", "vaultPassword": PW},  # the node's one rule for backup passwords
        ):
            resp = c.call("vault_backup", params)
            assert "error" in resp and not dest.exists(), resp
            assert not list(tmp_path.iterdir())
        assert "at least 8" in resp["error"]["message"]
        resp = c.call("vault_backup", {"path": str(dest), "password": BACKUP_PW, "vaultPassword": PW})
        assert resp["result"]["size"] > 0 and dest.exists()

    # the CLI: a wrong vault password writes no keystore file; the right one does
    ks_file = tmp_path / "key.json"
    r = mfos(home, "wallet", "export", "--vault", "v", me, str(ks_file), password="not the password",
             env={"MFOS_KEYSTORE_PASSWORD": KEYSTORE_PW})  # fmt: skip
    assert r.returncode == 1 and "wrong" in r.stderr.lower() and not ks_file.exists()
    r = mfos(home, "wallet", "export", "--vault", "v", me, str(ks_file), env={"MFOS_KEYSTORE_PASSWORD": KEYSTORE_PW})
    ok(r)
    assert json.loads(ks_file.read_text())["address"].lower() == me[2:].lower()

    # the phrase: shown on the terminal with the vault password, never without
    r = mfos(home, "wallet", "phrase", "--vault", "v", "Wallet", password="not the password")
    assert r.returncode == 1 and "wrong" in r.stderr.lower() and "12." not in r.stderr
    r = mfos(home, "--json", "wallet", "phrase", "--vault", "v", "Wallet")
    wallet_id = json.loads(ok(r))["walletId"]
    with SocketClient(sock, timeout=120) as c:
        phrase = c.call("wallet_revealPhrase", {"walletId": wallet_id, "vaultPassword": PW})["result"]["phrase"]
    assert [line.split()[1] for line in r.stderr.split("\n") if line.strip()[:3] == "1. "] == [phrase.split()[0]]
    assert phrase not in r.stdout

    # nothing secret in the node's debug log
    text = running["log"].read_text()
    assert "call wallet_exportKeystore" in text  # the log is on, and saw the calls
    for secret in (PW, KEYSTORE_PW, BACKUP_PW, "guess guess", phrase):
        assert secret not in text
