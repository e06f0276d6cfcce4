"""Bad input and faults around sends: each gives a clear error, and nothing is lost."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
from typing import Any

import pytest
from web3 import Web3

from mainframe_os.node import errors as E
from mainframe_os.node.events import TransactionStatusChanged
from mainframe_os.node.wallet.chain import ChainService

from ..chain.realnode import (
    ANVIL_CHAIN_ID,
    ANVIL_KEYS,
    _free_port,
    _wait_until_answers,
    anvil_binary,
)
from .conftest import PASSWORD, Env
from .helpers import ETHER, raw_send

BOB = "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F"


async def test_insufficient_funds(env: Env) -> None:
    with pytest.raises(E.RpcError, match="Insufficient funds"):
        await env.call("wallet_send", {"to": BOB, "amount": "1000"})
    with pytest.raises(E.RpcError, match="Insufficient funds"):
        await env.call("wallet_send", {"to": BOB, "amount": "1", "token": "MFT"})
    assert await env.call("wallet_history") == []


@pytest.mark.parametrize(
    "amount, message",
    [
        ("0.0000000000000000001", "more than 18 decimal places"),
        ("0", "greater than zero"),
        ("-1", "greater than zero"),
        ("abc", "not a number"),
    ],
)
async def test_bad_amounts(env: Env, amount: str, message: str) -> None:
    with pytest.raises(E.InvalidParams, match=message):
        await env.call("wallet_send", {"to": BOB, "amount": amount})


@pytest.mark.parametrize(
    "to, message",
    [
        ("0x1234", "not a valid Ethereum address"),
        ("0x947203a5b3ec87ffa0eF42Ae7C10897faF370d0F", "checksum"),
        ("nobody", "No contact or address"),
    ],
)
async def test_bad_recipients(env: Env, to: str, message: str) -> None:
    with pytest.raises(E.RpcError, match=message):
        await env.call("wallet_send", {"to": to, "amount": "1"})


async def test_unknown_token_and_not_a_token(env: Env) -> None:
    with pytest.raises(E.InvalidParams, match="Unknown token"):
        await env.call("wallet_send", {"to": BOB, "amount": "1", "token": "XYZ"})
    conn = await ChainService.of(env.node).connection()
    with pytest.raises(E.RpcError, match="not an ERC-20") as info:
        await env.call("wallet_addToken", {"address": conn.network.contracts.router})
    assert info.value.code == 5010
    with pytest.raises(E.RpcError, match="no contract at that address"):
        await env.call("wallet_addToken", {"address": BOB})  # no code at all


async def test_phrase_with_a_wrong_word_fails_the_checksum(env: Env) -> None:
    from eth_account.hdaccount.mnemonic import Mnemonic

    words = env.info["phrase"].split()
    # a 12-word checksum has 4 bits: one swapped word in 16 still checks out, so pick one that does not
    for candidate in ("abandon", "ability", "able", "about", "above"):
        words[5] = candidate
        if not Mnemonic().is_mnemonic_valid(" ".join(words)):
            break
    with pytest.raises(E.InvalidParams, match="checksum"):
        await env.call("wallet_create", {"phrase": " ".join(words)})
    with pytest.raises(E.InvalidParams, match="not a BIP-39 word"):
        await env.call("wallet_create", {"phrase": " ".join(["abandonx", *words[1:]])})


async def test_chain_id_that_does_not_match_is_refused(env: Env, anvil_node: Any) -> None:
    with pytest.raises(E.RpcError, match="chain 31337, not 1"):
        await env.call("network_add", {"name": "fake mainnet", "rpcUrl": anvil_node.url, "chainId": 1})
    nets = await env.call("network_list")
    assert all(n["name"] != "fake mainnet" for n in nets)


class _Anvil:
    """An anvil of our own (not the session one): this test stops and restarts it."""

    def __init__(self, state: str) -> None:
        binary = anvil_binary()
        if binary is None:
            pytest.skip("anvil is not installed: run packaging/test-deps.sh")
        self.binary, self.state, self.port = str(binary), state, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--chain-id",
                str(ANVIL_CHAIN_ID),
                "--silent",
                "--state",
                self.state,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_until_answers(self.url, self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # anvil writes --state on the way out
            self.proc.wait(timeout=10)
            if self.proc.stderr:
                self.proc.stderr.close()
        self.proc = None


@pytest.fixture
def own_anvil(tmp_path: Any) -> Any:
    a = _Anvil(str(tmp_path / "anvil-state.json"))
    a.start()
    yield a
    a.stop()


@pytest.mark.realnode
@pytest.mark.slow
async def test_node_goes_away_mid_send_then_recheck_after_restart(
    env: Env, own_anvil: _Anvil, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mainframe_os.node.wallet import txs

    w3 = Web3(Web3.HTTPProvider(own_anvil.url))
    raw_send(w3, ANVIL_KEYS[1], {"to": env.address, "value": 10 * ETHER})
    net = await env.call("network_add", {"name": "mine", "rpcUrl": own_anvil.url, "chainId": ANVIL_CHAIN_ID})
    await env.call("network_use", {"id": net["id"]})
    seen: list[str] = []
    env.node.events.subscribe(TransactionStatusChanged, lambda e: seen.append(e.status))

    def stop_when_recorded(name: str) -> None:
        # the send's own step between the committed "signed" record and the broadcast (same
        # thread, so the node is gone before the broadcast, on every run)
        if name == "tx-recorded":
            own_anvil.stop()

    monkeypatch.setattr(txs, "crash_point", stop_when_recorded)
    with pytest.raises(E.ChainDisconnected, match="kept in history as pending") as info:
        await env.call("wallet_send", {"to": BOB, "amount": "1.5"})
    monkeypatch.undo()
    assert seen[0] == "signed"  # the user saw it signed before it went anywhere
    tx_hash = info.value.data["hash"]
    hist = await env.call("wallet_history")
    assert [(h["hash"], h["status"]) for h in hist] == [(tx_hash, "pending")]

    own_anvil.start()
    await env.reopen()  # a restart of the app
    hist = await env.call("wallet_history")
    assert hist[0]["status"] == "pending"
    counts = await env.call("wallet_recheck")
    assert counts["rebroadcast"] + counts["confirmed"] == 1
    # A re-broadcast transaction is confirmed by its tracker once anvil has mined it: anvil answers
    # the broadcast before its receipt exists, so the recheck's own receipt read may be too early.
    for _ in range(300):  # bounded: the tracker's first look is after 1 s
        if (await env.call("wallet_history"))[0]["status"] == "confirmed":
            break
        await asyncio.sleep(0.1)
    assert (await env.call("wallet_history"))[0]["status"] == "confirmed"
    assert Web3(Web3.HTTPProvider(own_anvil.url)).eth.get_balance(BOB) == 15 * ETHER // 10


@pytest.mark.realnode
async def test_nonce_gap_is_filled_by_the_next_send(env: Env, own_anvil: _Anvil) -> None:
    """Another copy of this key sent nonce n+1 (queued in the pool): our send takes n, both mine."""
    from eth_account import Account

    from mainframe_os.node.wallet import hd

    w3 = Web3(Web3.HTTPProvider(own_anvil.url))
    raw_send(w3, ANVIL_KEYS[1], {"to": env.address, "value": 10 * ETHER})
    net = await env.call("network_add", {"name": "gap", "rpcUrl": own_anvil.url, "chainId": ANVIL_CHAIN_ID})
    await env.call("network_use", {"id": net["id"]})
    _, key = hd.derive_key(env.info["phrase"], 0)
    assert Account.from_key(key).address == env.address
    n = w3.eth.get_transaction_count(env.address)
    gapped = raw_send(w3, key, {"to": BOB, "value": ETHER}, nonce=n + 1, wait=False)
    r = await env.call("wallet_send", {"to": BOB, "amount": "2"})
    assert r["nonce"] == n and r["status"] == "confirmed"
    w3.eth.wait_for_transaction_receipt(gapped, timeout=10, poll_latency=0.05)
    assert w3.eth.get_balance(BOB) == 3 * ETHER


async def test_no_secret_in_logs(env: Env, caplog: pytest.LogCaptureFixture, tmp_path: Any) -> None:
    from mainframe_os.node.wallet import hd

    caplog.set_level(logging.DEBUG)
    phrase = (await env.call("wallet_generatePhrase"))["phrase"]
    w = await env.call("wallet_create", {"phrase": phrase, "name": "Second"})
    addr = w["accounts"][0]["address"]
    await env.call("wallet_send", {"to": BOB, "amount": "0.5", "from": addr})
    await env.call("wallet_send", {"to": BOB, "amount": "0.1", "from": addr, "token": "ETH"})
    ks = await env.call(
        "wallet_exportKeystore", {"address": addr, "password": "keystore-pass", "vaultPassword": PASSWORD}
    )
    with pytest.raises(E.RpcError):
        await env.call("wallet_create", {"phrase": phrase.replace(phrase.split()[3], "zzzz")})
    with pytest.raises(E.RpcError):
        await env.call("wallet_importKey", {"privateKey": "0x" + "ab" * 31})
    _, key = hd.derive_key(phrase, 0)
    text = caplog.text.lower() + " ".join(str(r.__dict__) for r in caplog.records).lower()
    assert caplog.records, "expected some DEBUG logging to inspect"
    assert key.hex() not in text
    assert " ".join(phrase.split()[:3]) not in text
    assert "keystore-pass" not in text and ks["keystore"]["crypto"]["ciphertext"] not in text
    assert os.environ.get("MFOS_PASSWORD", "password123") not in text
