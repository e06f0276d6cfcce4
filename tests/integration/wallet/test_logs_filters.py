"""eth_getLogs with every filter shape dapp libraries send, polling filters, and eth_call revert
data, on the embedded chain (issue 10: ethers' queryFilter, web3.js getPastLogs and staticCall)."""

from __future__ import annotations

from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext

from .conftest import Env

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
APPROVAL = (
    "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"  # keccak("Approval(address,address,uint256)")
)


def word(address: str) -> str:
    return "0x" + "0" * 24 + address[2:].lower()


async def mft(env: Env) -> str:
    from mainframe_os.node.wallet.chain import ChainService

    conn = await ChainService.of(env.node).connection()  # the dev chain's deployed contracts
    assert conn.network.contracts.mft
    return conn.network.contracts.mft


async def token_events(env: Env) -> dict[str, Any]:
    """One Transfer and one Approval from the user's account, each in its own block."""
    token = await mft(env)
    bob = "0x" + "b0" * 20
    transfer = "0xa9059cbb" + word(bob)[2:] + "0" * 64
    approve = "0x095ea7b3" + word(bob)[2:] + "f" * 64
    t1 = await env.call("eth_sendTransaction", [{"from": env.address, "to": token, "data": transfer}])
    t2 = await env.call("eth_sendTransaction", [{"from": env.address, "to": token, "data": approve}])
    r1 = await env.call("eth_getTransactionReceipt", [t1])
    r2 = await env.call("eth_getTransactionReceipt", [t2])
    return {"token": token, "bob": bob, "r1": r1, "r2": r2}


async def test_get_logs_every_filter_shape(env: Env) -> None:
    ev = await token_events(env)
    token, r1, r2 = ev["token"], ev["r1"], ev["r2"]
    both = {"fromBlock": r1["blockNumber"], "toBlock": r2["blockNumber"]}

    async def logs(**flt: Any) -> list[str]:
        got = await env.call("eth_getLogs", [{**both, **flt}])
        return [g["topics"][0] for g in got]

    assert await logs(address=token) == [TRANSFER, APPROVAL]  # a single address string
    assert await logs(address=token.lower()) == [TRANSFER, APPROVAL]
    assert await logs(address=[token, "0x" + "00" * 20]) == [TRANSFER, APPROVAL]
    assert await logs(address="0x" + "00" * 20) == []
    assert await logs(topics=[TRANSFER]) == [TRANSFER]
    assert await logs(topics=[[TRANSFER, APPROVAL]]) == [TRANSFER, APPROVAL]  # OR in one position
    assert await logs(topics=[None, word(env.address)]) == [TRANSFER, APPROVAL]  # null: anything
    assert await logs(topics=[None, None, word(ev["bob"])]) == [TRANSFER, APPROVAL]
    assert await logs(topics=[APPROVAL, None, [word(ev["bob"])]]) == [APPROVAL]
    assert await logs(topics=[None, None, None, None]) == [TRANSFER, APPROVAL]
    by_hash = await env.call("eth_getLogs", [{"blockHash": r2["blockHash"], "address": token}])
    assert [g["transactionHash"] for g in by_hash] == [r2["transactionHash"]]
    assert by_hash[0]["blockHash"] == r2["blockHash"] and by_hash[0]["logIndex"] in ("0x0", 0)
    # default range is the latest block only
    assert [g["topics"][0] for g in await env.call("eth_getLogs", [{"address": token}])] == [APPROVAL]
    assert await env.call("eth_getLogs", [{"fromBlock": "earliest", "address": token, "topics": [APPROVAL]}])


@pytest.mark.parametrize(
    ("flt", "field"),
    [
        ({"address": "0x1234"}, "address"),
        ({"address": [1]}, "address"),
        ({"topics": ["0x12"]}, "topics[0]"),
        ({"topics": "x"}, "topics"),
        ({"fromBlock": "yesterday"}, "fromBlock"),
        ({"blockHash": "0x" + "11" * 32, "fromBlock": "0x1"}, "blockHash"),
        ({"bogus": 1}, "bogus"),
    ],
)
async def test_get_logs_bad_filters_are_invalid_params(env: Env, flt: dict[str, Any], field: str) -> None:
    with pytest.raises(E.InvalidParams, match=field.replace("[", r"\[").replace("]", r"\]")):
        await env.call("eth_getLogs", [flt])


async def test_polling_filters(env: Env) -> None:
    token = await mft(env)
    app = CallerContext.launcher()
    fid = await env.node.call("eth_newFilter", [{"address": token, "topics": [TRANSFER]}], app)
    blocks = await env.node.call("eth_newBlockFilter", [], app)
    assert await env.call("eth_getFilterChanges", [fid]) == []
    ev = await token_events(env)
    changes = await env.call("eth_getFilterChanges", [fid])
    assert [c["transactionHash"] for c in changes] == [ev["r1"]["transactionHash"]]
    assert await env.call("eth_getFilterChanges", [fid]) == []  # each change once
    assert await env.call("eth_getFilterChanges", [blocks]) == [ev["r1"]["blockHash"], ev["r2"]["blockHash"]]
    assert await env.call("eth_getFilterLogs", [fid]) == []  # its range is the latest block: the Approval's
    everything = await env.call("eth_newFilter", [{"fromBlock": "earliest", "address": token, "topics": [TRANSFER]}])
    assert ev["r1"]["transactionHash"] in [
        g["transactionHash"] for g in await env.call("eth_getFilterLogs", [everything])
    ]
    # another caller cannot read or remove it
    other = CallerContext.app("someone-else", "x")
    with pytest.raises(E.RpcError, match="filter not found"):
        await env.node.dispatcher.call("eth_getFilterChanges", [fid], other)
    assert await env.call("eth_uninstallFilter", [fid]) is True
    assert await env.call("eth_uninstallFilter", [fid]) is False
    with pytest.raises(E.RpcError, match="filter not found"):
        await env.call("eth_getFilterChanges", [fid])


def reverting_contract(revert: bytes) -> str:
    """Creation code of a contract whose every call reverts with exactly `revert`."""
    n = len(revert)
    runtime = bytes([0x60, n, 0x60, 12, 0x60, 0, 0x39, 0x60, n, 0x60, 0, 0xFD]) + revert
    init = bytes([0x60, len(runtime), 0x60, 12, 0x60, 0, 0x39, 0x60, len(runtime), 0x60, 0, 0xF3])
    return "0x" + (init + runtime).hex()


@pytest.mark.parametrize(
    "revert",
    [
        bytes.fromhex("8e4a23d6") + bytes(12) + bytes.fromhex("11" * 20),  # custom error Unauthorized(address)
        bytes.fromhex("08c379a0") + (32).to_bytes(32, "big") + (5).to_bytes(32, "big") + b"nope!" + bytes(27),
        bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big"),  # Panic(0x11): overflow
        b"",
    ],
    ids=["custom", "string", "panic", "empty"],
)
async def test_eth_call_revert_carries_the_revert_bytes(env: Env, revert: bytes) -> None:
    tx = await env.call("eth_sendTransaction", [{"from": env.address, "data": reverting_contract(revert)}])
    addr = (await env.call("eth_getTransactionReceipt", [tx]))["contractAddress"]
    with pytest.raises(E.RpcError) as exc:
        await env.call("eth_call", [{"to": addr, "data": "0x12345678"}, "latest"])
    assert exc.value.code == 3
    assert exc.value.data == "0x" + revert.hex()
