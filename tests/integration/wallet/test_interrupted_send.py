"""A send killed after its history record and before its broadcast (a real `mfos` process made
to exit at that exact step by MFOS_CRASH_AT, not by a timer): the next start or the next send
settles it and says how, and a retry of the same payment is that payment, never a second one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node.events import Notification
from mainframe_os.node.faults import ENV, EXIT_CODE
from mainframe_os.node.node import Node
from mainframe_os.node.prompter import ApproveAllPrompter
from mainframe_os.node.wallet.interrupted import TransactionRecovered

from .conftest import ETHER, PASSWORD

ROOT = Path(__file__).resolve().parents[3]
BOB = "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F"
pytestmark = pytest.mark.slow


def mfos(home: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MFOS_PASSWORD": PASSWORD}
    env.pop("MAINFRAME_OS_HOME", None)
    env.pop(ENV, None)
    if crash_at:
        env[ENV] = crash_at
    cmd = [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), "--yes", "--json", *args, "--vault", "main"]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def ok(p: subprocess.CompletedProcess[str]) -> Any:
    assert p.returncode == 0, p.stderr + p.stdout
    return json.loads(p.stdout)


@pytest.fixture
def home(wallet_home: Path) -> Path:
    return wallet_home


def killed_send(home: Path, amount: str, at: str = "tx-recorded") -> None:
    p = mfos(home, "wallet", "send", "--to", BOB, "--amount", amount, crash_at=at)
    assert p.returncode == EXIT_CODE, p.stderr + p.stdout  # it died at that step, not elsewhere


async def inspect(home: Path, recheck: bool = False) -> tuple[list[dict[str, Any]], int]:
    """(history, Bob's balance), read by a node in this process (quicker than two more `mfos`)."""
    node = Node(home, prompter=ApproveAllPrompter())
    try:
        await node.call("vault_unlock", {"name": "main", "password": PASSWORD})
        if recheck:
            await node.call("wallet_recheck")
        return await node.call("wallet_history"), int(await node.call("eth_getBalance", [BOB, "latest"]), 16)
    finally:
        await node.close()


async def test_an_identical_retry_is_the_interrupted_payment(home: Path) -> None:
    killed_send(home, "0.5")
    (rec,), bob = await inspect(home)
    assert rec["status"] == "signed" and bob == 0  # recorded, never broadcast

    retry = ok(mfos(home, "wallet", "send", "--to", BOB, "--amount", "0.5"))  # no -32603
    assert retry["hash"] == rec["hash"] and retry["status"] == "confirmed" and retry["repeated"]
    (after,), bob = await inspect(home)
    assert bob == ETHER // 2  # paid once
    assert after["status"] == "confirmed" and "after the interruption" in after["details"]["interrupted"]

    # the retry was answered: the same send once more is a new, second payment
    again = ok(mfos(home, "wallet", "send", "--to", BOB, "--amount", "0.5"))
    assert again["hash"] != rec["hash"] and again["nonce"] == rec["nonce"] + 1
    assert (await inspect(home))[1] == ETHER


async def test_the_next_start_sends_it_and_says_so_then_a_retry_is_not_a_second_payment(home: Path) -> None:
    killed_send(home, "0.25")
    node = Node(home, prompter=ApproveAllPrompter())
    seen: list[Any] = []
    node.events.subscribe(TransactionRecovered, seen.append)
    node.events.subscribe(Notification, seen.append)
    try:
        await node.call("vault_unlock", {"name": "main", "password": PASSWORD})
        (rec,) = await node.call("wallet_history")
        assert rec["status"] == "signed"
        await node.call("wallet_recheck")  # what the launcher does when it starts
        recovered = [e for e in seen if isinstance(e, TransactionRecovered)]
        assert [(e.hash, e.outcome) for e in recovered] == [(rec["hash"], "sent")]
        note = next(e for e in seen if isinstance(e, Notification))
        assert note.title == "An interrupted payment was sent" and "0.25 ETH" in note.body
        (rec,) = await node.call("wallet_history")
        assert rec["status"] == "confirmed"
    finally:
        await node.close()
    retry = ok(mfos(home, "wallet", "send", "--to", BOB, "--amount", "0.25"))
    assert retry["hash"] == rec["hash"] and retry["repeated"]
    hist, bob = await inspect(home)
    assert bob == ETHER // 4 and len(hist) == 1


async def test_a_different_send_settles_the_interrupted_one_first(home: Path) -> None:
    killed_send(home, "0.1")
    other = ok(mfos(home, "wallet", "send", "--to", BOB, "--amount", "0.2"))
    hist, bob = await inspect(home)
    assert len(hist) == 2 and all(h["status"] == "confirmed" for h in hist)
    nonces = {h["hash"]: h["nonce"] for h in hist}
    first = next(n for h, n in nonces.items() if h != other["hash"])
    assert nonces[other["hash"]] == first + 1  # the interrupted one went first, then this one
    assert bob == 3 * ETHER // 10


async def test_an_interrupted_send_whose_nonce_was_taken_is_dropped(home: Path, template_home: dict[str, Any]) -> None:
    """Another copy of the wallet (same phrase, another device) used the nonce meanwhile."""
    from eth_account import Account

    from mainframe_os.node.chain.devchain import DevChain
    from mainframe_os.node.paths import HomePaths
    from mainframe_os.node.wallet import hd

    killed_send(home, "0.3")
    (rec,), _ = await inspect(home)
    _, key = hd.derive_key(template_home["phrase"], 0)
    with DevChain.open(HomePaths.resolve(home).chain) as chain:  # nothing else has it open now
        base = int(chain.w3.eth.get_block("latest")["baseFeePerGas"])
        tx = {"to": BOB, "value": ETHER // 100, "gas": 21_000, "nonce": rec["nonce"], "chainId": chain.w3.eth.chain_id}
        tx.update(type=2, maxFeePerGas=2 * base + 10**9, maxPriorityFeePerGas=10**9)
        chain.w3.eth.send_raw_transaction(Account.sign_transaction(tx, key).raw_transaction)
    (after,), bob = await inspect(home, recheck=True)
    assert after["status"] == "dropped" and "another transaction took its place" in after["error"]
    assert bob == ETHER // 100  # only the other device's payment


async def test_a_headless_node_settles_it_when_it_starts(home: Path) -> None:
    import signal
    import time

    from mainframe_os.node.paths import HomePaths
    from mainframe_os.node.transport.local_socket import SocketClient, is_alive

    killed_send(home, "0.4")
    env = {**os.environ, "MFOS_PASSWORD": PASSWORD}
    env.pop("MAINFRAME_OS_HOME", None)
    env.pop(ENV, None)
    cmd = [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), "node", "--vault", "main"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sock = HomePaths.resolve(home).socket
    try:
        status = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if is_alive(sock):
                with SocketClient(sock, timeout=60) as client:
                    hist = client.call("wallet_history")["result"]
                status = hist[0]["status"]
                if status == "confirmed":
                    break
            time.sleep(0.2)
        assert status == "confirmed", (status, proc.stderr.read() if proc.poll() is not None else "")
        assert "after the interruption" in hist[0]["details"]["interrupted"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    _, bob = await inspect(home)
    assert bob == 4 * ETHER // 10  # sent once


async def test_a_send_killed_after_its_broadcast_before_its_status_write_is_settled_once(home: Path) -> None:
    """The status after the broadcast is written without an fsync, in its own transaction: a
    process killed before that write leaves the record "signed" (as committed before the
    broadcast), and the next start finds the transaction on the chain and settles it as sent,
    once: a retry of the same payment is that payment."""
    killed_send(home, "0.35", at="tx-broadcast")
    (rec,), bob = await inspect(home)
    assert rec["status"] == "signed" and bob == 35 * ETHER // 100  # it went out; the record did not hear back
    (rec,), bob = await inspect(home, recheck=True)
    assert rec["status"] == "confirmed" and "before the interruption" in rec["details"]["interrupted"]
    retry = ok(mfos(home, "wallet", "send", "--to", BOB, "--amount", "0.35"))
    assert retry["hash"] == rec["hash"] and retry["repeated"]
    hist, bob = await inspect(home)
    assert len(hist) == 1 and bob == 35 * ETHER // 100  # paid once
