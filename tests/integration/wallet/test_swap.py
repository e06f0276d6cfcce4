"""swap_quote / swap_run through the node, on the embedded dev chain and on anvil (realnode)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from web3 import Web3

from mainframe_os.node import errors as E
from mainframe_os.node.chain.deploy import Deployment, deploy_all
from mainframe_os.node.prompter import PromptRequest, PromptResult
from mainframe_os.node.wallet.chain import ChainService

from .conftest import Env
from .helpers import ETHER, formula, move_price, raw_send, reserves


@dataclass
class Net:
    name: str
    env: Env
    w3: Web3
    dep: Any  # .mft .weth .router
    funder_key: str | bytes


@pytest.fixture(scope="session")
def anvil_deployment(anvil_node: Any) -> Deployment:
    return deploy_all(Web3(Web3.HTTPProvider(anvil_node.url)), anvil_node.keys[0])


@pytest.fixture(params=["devchain", pytest.param("anvil", marks=pytest.mark.realnode)])
async def net(request: pytest.FixtureRequest, env: Env) -> AsyncIterator[Net]:
    chain = ChainService.of(env.node)
    if request.param == "devchain":
        conn = await chain.connection()
        import json

        keys = json.loads((conn.devchain.folder / "genesis-keys.json").read_text())["private_keys"]
        yield Net("devchain", env, conn.w3, conn.devchain.deployment, keys[2])
        return
    node = request.getfixturevalue("anvil_node")
    dep = request.getfixturevalue("anvil_deployment")
    w3 = Web3(Web3.HTTPProvider(node.url))
    contracts = {"mft": dep.mft, "dai": dep.dai, "weth": dep.weth, "router": dep.router}
    added = await env.call(
        "network_add", {"name": "anvil", "rpcUrl": node.url, "chainId": 31337, "contracts": contracts}
    )
    await env.call("network_use", {"id": added["id"]})
    raw_send(w3, node.keys[1], {"to": env.address, "value": 50 * ETHER})
    yield Net("anvil", env, w3, dep, node.keys[1])


async def test_quote_is_the_constant_product_formula_to_the_wei(net: Net) -> None:
    d = net.dep
    for amount in ("1", "0.123456789012345678", "37"):
        before = int(time.time())
        q = await net.env.call("swap_quote", {"from": "ETH", "to": "MFT", "amount": amount})
        after = int(time.time())
        r_in, r_out = reserves(net.w3, d.router, d.weth, d.mft)
        assert int(q["amountOut"]) == formula(int(q["amountIn"]), r_in, r_out)
        assert int(q["minimumReceived"]) == int(q["amountOut"]) * 9950 // 10000
        assert q["path"] == [d.weth, d.mft] and q["needsApproval"] is False
        latest = net.w3.eth.get_block("latest")["timestamp"]
        if net.name == "devchain":  # its next block carries the wall clock, after the latest block's
            assert max(latest + 1, before) + 1200 <= q["deadline"] <= max(latest + 1, after) + 1200
        else:
            assert q["deadline"] == latest + 1200  # chain time
    q = await net.env.call("swap_quote", {"from": "MFT", "to": "ETH", "amount": "1000", "slippage": "1"})
    r_in, r_out = reserves(net.w3, d.router, d.mft, d.weth)
    assert int(q["amountOut"]) == formula(1000 * ETHER, r_in, r_out)
    assert int(q["minimumReceived"]) == int(q["amountOut"]) * 99 // 100
    assert q["needsApproval"] is True
    assert 0 < float(q["priceImpact"]) < 1


async def test_swap_eth_to_mft_and_back(net: Net) -> None:
    env = net.env
    q = await env.call("swap_quote", {"from": "ETH", "to": "MFT", "amount": "2"})
    r = await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "2"})
    assert r["status"] == "confirmed" and r["approvalHash"] is None
    assert r["received"] == q["amountOut"]  # nobody traded in between: exactly the quote
    asked = env.prompter.asked[-1]
    assert asked.details["you pay"] == "2 ETH"
    assert asked.details["you receive at least"].endswith(" MFT")
    assert "price impact" in asked.details and net.dep.router in asked.details["router"]

    back = await env.call("swap_run", {"from": "MFT", "to": "ETH", "amount": "1000"})
    assert back["status"] == "confirmed" and back["approvalHash"]
    kinds = [h["kind"] for h in await env.call("wallet_history")]
    assert kinds[:3] == ["swap", "approve", "swap"]
    assert env.prompter.asked[-2].title.startswith("Allow the Uniswap router to spend 1000 MFT")
    # The allowance was exact: a second token swap asks for approval again.
    assert (await env.call("swap_quote", {"from": "MFT", "to": "ETH", "amount": "1"}))["needsApproval"] is True


class FrontRunPrompter:
    """Approves, but while the user looks at the swap someone else moves the price or time passes."""

    def __init__(self, action: Any) -> None:
        self.action, self.asked = action, []

    async def ask(self, request: PromptRequest) -> PromptResult:
        self.asked.append(request)
        if request.title.startswith("Swap"):
            await self.action()
        return PromptResult(True, "once")


async def test_slippage_exceeded_reverts_with_the_reason_and_is_in_history(net: Net) -> None:
    env, d = net.env, net.dep
    chain = ChainService.of(env.node)
    env.node.prompter = FrontRunPrompter(
        lambda: chain.call(lambda c: move_price(net.w3, net.funder_key, d.router, d.weth, d.mft, 20 * ETHER))
    )
    with pytest.raises(E.RpcError) as info:
        await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "1", "slippage": "0.5"})
    assert "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT" in info.value.message
    assert "slippage" in info.value.message
    last = (await env.call("wallet_history"))[0]
    assert last["kind"] == "swap" and last["status"] == "failed"
    assert "INSUFFICIENT_OUTPUT_AMOUNT" in last["error"]


async def test_deadline_passed_reverts_expired(net: Net) -> None:
    env = net.env
    chain = ChainService.of(env.node)
    if net.name == "devchain":
        # The dev chain follows the wall clock (its time cannot jump ahead): sign a swap whose
        # chain-time deadline is already past; the pipeline's estimate catches the revert.
        from mainframe_os.node.methods.wallet import resolve_token
        from mainframe_os.node.wallet.swap import quote, swap_tx
        from mainframe_os.node.wallet.txs import TxService

        eth = await resolve_token(env.node, env.info["identity"], "ETH")
        mft = await resolve_token(env.node, env.info["identity"], "MFT")
        q = await chain.call(lambda c: quote(c, eth, mft, ETHER // 10, 50, env.address))
        tx = await chain.call(lambda c: swap_tx(c, q, env.address, deadline=q.deadline - 1200 - 60))
        with pytest.raises(E.RpcError, match="UniswapV2Router: EXPIRED"):
            await TxService.of(env.node).send(None, env.info["identity"], tx, kind="swap", title="Swap", details={})
        return

    def later(c: Any) -> None:  # the prompt stayed open for an hour of chain time
        ts = int(c.w3.eth.get_block("latest")["timestamp"]) + 3600
        c.w3.provider.make_request("evm_setNextBlockTimestamp", [ts])

    env.node.prompter = FrontRunPrompter(lambda: chain.call(later))
    with pytest.raises(E.RpcError, match="UniswapV2Router: EXPIRED"):
        await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.1"})
    last = (await env.call("wallet_history"))[0]
    assert last["status"] == "failed" and "EXPIRED" in last["error"]


async def test_a_swap_after_the_dev_chain_sat_idle_confirms(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dev chain mines only when sent to, and its next block carries the wall clock: after an
    idle hour a deadline counted from the latest block was long past, and every swap failed as
    "UniswapV2Router: EXPIRED" before the prompt. It counts from the next block's time now."""
    assert (await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.1"}))["status"] == "confirmed"
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)  # an hour later, nothing mined meanwhile
    later = await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.1"})
    assert later["status"] == "confirmed" and later["deadline"] >= int(real()) + 3600 + 1200


@pytest.mark.parametrize(
    "params, message",
    [
        ({"from": "ETH", "to": "NOPE", "amount": "1"}, "Unknown token"),
        ({"from": "ETH", "to": "ETH", "amount": "1"}, "from ETH to a token"),
        ({"from": "ETH", "to": "MFT", "amount": "0"}, "greater than zero"),
        ({"from": "ETH", "to": "MFT", "amount": "-1"}, "greater than zero"),
        ({"from": "ETH", "to": "MFT", "amount": "0.0000000000000000001"}, "more than 18 decimal places"),
        ({"from": "ETH", "to": "MFT", "amount": "1", "slippage": "75"}, "between 0 and 50"),
        ({"from": "ETH", "to": "MFT", "amount": "1", "slippage": "abc"}, "percent"),
    ],
)
async def test_swap_bad_input(env: Env, params: dict[str, Any], message: str) -> None:
    with pytest.raises(E.RpcError, match=message):
        await env.call("swap_quote", params)


async def test_swap_insufficient_funds(env: Env) -> None:
    with pytest.raises(E.RpcError, match="Insufficient funds"):
        await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "500"})
    with pytest.raises(E.RpcError, match="Insufficient funds"):
        await env.call("swap_run", {"from": "MFT", "to": "ETH", "amount": "5"})
    assert await env.call("wallet_history") == []
