"""A network's contracts are checked against the chain when it is added and when it is used,
and token amounts scale by the decimals the chain reports (anvil, realnode; dev chain below)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from mainframe_os.node import errors as E
from mainframe_os.node.chain.contracts import abi_of, bytecode_of
from mainframe_os.node.chain.deploy import Deployment, deploy_all
from mainframe_os.node.node import Node

from ..chain.realnode import ANVIL_CHAIN_ID, _rpc
from .conftest import PASSWORD, Env
from .helpers import ETHER, raw_send

ROOT = Path(__file__).resolve().parents[3]
BOB = "0x00000000000000000000000000000000000B0b00"
NOBODY = "0x000000000000000000000000000000000000dEaD"  # no code there
TUSD_SUPPLY = 1_000_000 * 10**6


def _deploy(w3: Web3, key: str, name: str, *args: Any) -> str:
    c = w3.eth.contract(abi=abi_of(name), bytecode=bytecode_of(name))
    data = c.constructor(*args).build_transaction({"gas": 2_000_000, "chainId": w3.eth.chain_id})["data"]
    tx_hash = raw_send(w3, key, {"data": data, "gas": 2_000_000})
    return str(w3.eth.get_transaction_receipt(tx_hash)["contractAddress"])


@pytest.fixture(scope="module")
def chain(anvil_node: Any) -> dict[str, Any]:
    """Our own contracts on the session anvil (other modules' are left untouched)."""
    w3 = Web3(Web3.HTTPProvider(anvil_node.url))
    key = anvil_node.keys[0]
    dep: Deployment = deploy_all(w3, key)
    return {
        "w3": w3,
        "url": anvil_node.url,
        "key": key,
        "dep": dep,
        "not_a_token": _deploy(w3, key, "NotAToken"),
        "tusd": _deploy(w3, key, "TestUSD", TUSD_SUPPLY),
    }


def _contracts(chain: dict[str, Any], **over: str) -> dict[str, str]:
    d = chain["dep"]
    return {"mft": d.mft, "dai": d.dai, "weth": d.weth, "router": d.router, **over}


async def _add(env: Env, chain: dict[str, Any], **over: str) -> Any:
    params = {
        "name": "anvil",
        "rpcUrl": chain["url"],
        "chainId": ANVIL_CHAIN_ID,
        "contracts": _contracts(chain, **over),
    }
    return await env.call("network_add", params)


@pytest.mark.realnode
@pytest.mark.parametrize(
    "slot, target, message",
    [
        ("router", "mft", "is not a Uniswap V2 router"),  # a token given as router
        ("router", "nobody", "router 0x000000000000000000000000000000000000dEaD has no contract"),
        ("dai", "not_a_token", "the DAI token 0x"),
        ("mft", "nobody", "the MFT token 0x000000000000000000000000000000000000dEaD has no contract"),
        ("weth", "mft", "not the configured WETH"),
    ],
)
async def test_network_add_refuses_a_wrong_contract(
    env: Env, chain: dict[str, Any], slot: str, target: str, message: str
) -> None:
    address = {"mft": chain["dep"].mft, "nobody": NOBODY, "not_a_token": chain["not_a_token"]}[target]
    before = await env.call("network_list")
    with pytest.raises(E.RpcError) as info:
        await _add(env, chain, **{slot: address})
    assert info.value.code == 5011, info.value.message  # ours, one line, never -32603
    assert info.value.message.startswith("The network was not added: ") and message in info.value.message
    assert "Traceback" not in info.value.message
    assert await env.call("network_list") == before  # nothing saved


@pytest.mark.realnode
async def test_a_router_that_went_away_is_a_clear_error_when_used(env: Env, chain: dict[str, Any]) -> None:
    """Checked on use too: the chain can change after the network was added (a reset node)."""
    w3 = chain["w3"]
    own = deploy_all(w3, chain["key"])  # a router of our own to break
    router = own.router
    added = await _add(env, chain, mft=own.mft, dai=own.dai, weth=own.weth, router=router)
    await env.call("network_use", {"id": added["id"]})
    raw_send(w3, chain["key"], {"to": env.address, "value": 5 * ETHER})
    assert (await env.call("swap_quote", {"from": "ETH", "to": "MFT", "amount": "1"}))["amountOut"]
    await env.reopen()  # a new connection: nothing cached from before the node changed
    _rpc(chain["url"], "anvil_setCode", [router, "0x"])
    with pytest.raises(E.RpcError) as info:
        await env.call("swap_quote", {"from": "ETH", "to": "MFT", "amount": "1"})
    assert info.value.code == 5011 and f"router {router} has no contract" in info.value.message


@pytest.mark.realnode
async def test_a_six_decimal_token_in_the_dai_slot_moves_its_own_units(env: Env, chain: dict[str, Any]) -> None:
    w3 = chain["w3"]
    tusd = w3.eth.contract(address=chain["tusd"], abi=abi_of("TestUSD"))
    added = await _add(env, chain, dai=chain["tusd"])
    await env.call("network_use", {"id": added["id"]})
    raw_send(w3, chain["key"], {"to": env.address, "value": 5 * ETHER})
    data = tusd.encode_abi("transfer", args=[env.address, 10 * 10**6])
    raw_send(w3, chain["key"], {"to": chain["tusd"], "data": data, "gas": 100_000})
    balances = {b["symbol"]: b for b in await env.call("wallet_getBalances")}
    assert balances["TUSD"]["decimals"] == 6 and balances["TUSD"]["formatted"] == "10"

    with pytest.raises(E.InvalidParams, match="more than 6 decimal places"):
        await env.call("wallet_send", {"to": BOB, "amount": "0.000000001", "token": "DAI"})
    await env.call("wallet_send", {"to": BOB, "amount": "1", "token": "DAI"})  # the slot's name still works
    assert tusd.functions.balanceOf(BOB).call() == 10**6  # one token: 1e6 base units, not 1e18

    # The same through the CLI, in a process of its own (the in-process node steps aside).
    await env.node.close()
    try:
        refused = _mfos(env.home, "wallet", "send", "--to", BOB, "--token", "DAI", "--amount", "0.000000001", ok=False)
        assert "more than 6 decimal places" in refused.stderr + refused.stdout
        _mfos(env.home, "wallet", "send", "--to", BOB, "--token", "DAI", "--amount", "2")
        assert tusd.functions.balanceOf(BOB).call() == 3 * 10**6
    finally:
        env.node = Node(env.home, prompter=env.prompter)
        await env.node.call("vault_unlock", {"name": "main", "password": PASSWORD})


def _mfos(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "MFOS_PASSWORD": PASSWORD}
    e.pop("MAINFRAME_OS_HOME", None)
    p = subprocess.run(
        [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), "--yes", *args, "--vault", "main"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=e,
        timeout=120,
    )
    assert (p.returncode == 0) == ok, p.stderr + p.stdout
    assert "Traceback" not in p.stderr
    return p


async def test_dev_chain_tokens_read_their_decimals_from_the_chain(env: Env) -> None:
    """On the dev chain: a connection whose `dai` slot holds TestUSD scales by 6, read once."""
    from dataclasses import replace

    from mainframe_os.node.wallet.chain import ChainService, Connection
    from mainframe_os.node.wallet.tokens import known_tokens

    conn = await ChainService.of(env.node).connection()
    key = Account.from_key(
        __import__("json").loads((conn.devchain.folder / "genesis-keys.json").read_text())["private_keys"][2]
    )

    def deploy(c: Any) -> str:
        return _deploy(c.w3, key.key.hex(), "TestUSD", TUSD_SUPPLY)

    tusd = await ChainService.of(env.node).call(deploy)
    other = Connection(replace(conn.network, contracts=replace(conn.network.contracts, dai=tusd)), conn.w3)
    calls = []
    real_call = other.w3.eth.call

    def counting(*a: Any, **k: Any) -> Any:
        calls.append(a)
        return real_call(*a, **k)

    tokens = await ChainService.of(env.node).call(lambda c: known_tokens(other))
    by_slot = {t.slot: t for t in tokens}
    assert by_slot["DAI"].decimals == 6 and by_slot["DAI"].symbol == "TUSD"
    assert by_slot["MFT"].decimals == 18
    other.w3.eth.call = counting  # type: ignore[method-assign]
    try:
        await ChainService.of(env.node).call(lambda c: known_tokens(other))
    finally:
        other.w3.eth.call = real_call  # type: ignore[method-assign]
    assert calls == []  # cached per connection: decimals are read once
