"""A swap front-run in its own block fails with the router's reason, read at its position.

On anvil with automine off: while the user looks at the swap prompt, a front-runner's larger
swap (a higher tip, so mined first) waits in the mempool; both are mined in one block. Replaying
the user's swap on the block before succeeds (the front-run is not applied there), so the
reason has to come from the transaction's own position: a trace, or a simulation of the block's
earlier transactions first. The dev chain mines one transaction per block (automine), so a
same-block front-run cannot happen there; its replay on the parent block is exact.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from mainframe_os.node import errors as E
from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.chain.deploy import deploy_all
from mainframe_os.node.prompter import PromptRequest, PromptResult
from mainframe_os.node.wallet import revert
from mainframe_os.node.wallet.chain import ChainService

from ..chain.realnode import ANVIL_CHAIN_ID, _rpc
from .conftest import Env
from .helpers import ETHER, raw_send

GWEI = 10**9


class FrontRunner:
    """Approves the swap prompt, after putting a bigger swap ahead of it in the mempool."""

    def __init__(self, url: str, key: str, dep: Any) -> None:
        self.url, self.key, self.dep = url, key, dep
        self.front_hash: str | None = None
        self.asked: list[PromptRequest] = []

    async def ask(self, request: PromptRequest) -> PromptResult:
        self.asked.append(request)
        if request.title.startswith("Swap"):
            self.front_hash = self._front_run()
            threading.Thread(target=self._mine_when_both_wait, daemon=True).start()
        return PromptResult(True, "once")

    def _front_run(self) -> str:
        w3 = Web3(Web3.HTTPProvider(self.url))
        router = w3.eth.contract(address=self.dep.router, abi=abi_of("UniswapV2Router02"))
        deadline = w3.eth.get_block("latest")["timestamp"] + 600
        me = Account.from_key(self.key).address
        data = router.encode_abi("swapExactETHForTokens", args=[0, [self.dep.weth, self.dep.mft], me, deadline])
        base = w3.eth.get_block("latest")["baseFeePerGas"]
        tx = {"to": self.dep.router, "value": 20 * ETHER, "data": data, "gas": 300_000}
        fees = {"maxPriorityFeePerGas": 50 * GWEI, "maxFeePerGas": 2 * base + 50 * GWEI}  # mined first
        return raw_send(w3, self.key, {**tx, **fees}, wait=False)

    def _mine_when_both_wait(self) -> None:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if int(_rpc(self.url, "txpool_status", [])["pending"], 16) >= 2:  # type: ignore[index]
                _rpc(self.url, "evm_mine", [])
                return
            time.sleep(0.05)


@pytest.mark.realnode
async def test_swap_front_run_in_the_same_block_says_insufficient_output(env: Env, anvil_node: Any) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil_node.url))
    dep = deploy_all(w3, anvil_node.keys[0])  # a pool of our own: the front-run moves only its price
    contracts = {"mft": dep.mft, "dai": dep.dai, "weth": dep.weth, "router": dep.router}
    params = {"name": "anvil", "rpcUrl": anvil_node.url, "chainId": ANVIL_CHAIN_ID, "contracts": contracts}
    added = await env.call("network_add", params)
    await env.call("network_use", {"id": added["id"]})
    raw_send(w3, anvil_node.keys[1], {"to": env.address, "value": 10 * ETHER})
    runner = FrontRunner(anvil_node.url, anvil_node.keys[1], dep)
    env.node.prompter = runner
    _rpc(anvil_node.url, "evm_setAutomine", [False])
    try:
        with pytest.raises(E.RpcError) as info:
            await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "1", "slippage": "0.5"})
    finally:
        _rpc(anvil_node.url, "evm_setAutomine", [True])
    message = info.value.message
    assert "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT" in message, message
    assert "slippage" in message  # what to do about it
    # Both in one block, the front-runner first: the case a parent-block replay gets wrong.
    user_hash = info.value.data["hash"]
    rcpt = w3.eth.get_transaction_receipt(user_hash)
    block = w3.eth.get_block(rcpt["blockNumber"])
    assert ["0x" + bytes(h).hex() for h in block["transactions"]] == [runner.front_hash, user_hash]
    last = (await env.call("wallet_history"))[0]
    assert last["status"] == "failed" and "INSUFFICIENT_OUTPUT_AMOUNT" in last["error"]

    # Each way of reading the reason at the transaction's position works on its own...
    conn = await ChainService.of(env.node).connection()
    tx = w3.eth.get_transaction(user_hash)
    reason = "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"
    assert await ChainService.of(env.node).call(lambda c: revert._traced(c, tx, rcpt)) == reason
    assert await ChainService.of(env.node).call(lambda c: revert._simulated(c, tx, rcpt)) == reason
    # ...while a replay on the parent block succeeds, and can only say something came first.
    replay = await ChainService.of(env.node).call(lambda c: revert._replayed(c, tx, rcpt))
    assert replay == revert.CHANGED_BEFORE and conn.network.chain_id == ANVIL_CHAIN_ID


def test_revert_data_is_decoded() -> None:
    from eth_abi import encode

    assert revert.decode_revert("0x08c379a0" + encode(["string"], ["UniswapV2: K"]).hex()) == "UniswapV2: K"
    assert revert.decode_revert("0x4e487b71" + encode(["uint256"], [0x11]).hex()) == "panic 0x11 (arithmetic overflow)"
    assert revert.decode_revert("0xdeadbeef") == "custom error 0xdeadbeef"
    assert revert.decode_revert("0x") is None and revert.decode_revert(None) is None
