"""The send pipeline when requests overlap: the nonce is taken after approval under one lock per
(chain, sender), so approved sends never share a nonce and identical sends are two payments; a
dapp's gasPrice means a legacy transaction; a call that will likely fail is the user's choice."""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext
from mainframe_os.node.prompter import SEND_ANYWAY, ApproveAllPrompter, PromptRequest, PromptResult
from mainframe_os.node.transport.local_socket import SocketClient, SocketServer
from mainframe_os.node.wallet.chain import ChainService

from .conftest import ETHER, Env

BOB = "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F"


class OverlappingPrompter(ApproveAllPrompter):
    """Approves transactions only once `want` of them are open at the same time (a user who
    approves dialogs while others are still waiting), or in a shuffled order (`shuffle`)."""

    def __init__(self, want: int = 0, shuffle: random.Random | None = None) -> None:
        super().__init__()
        self.want, self.shuffle, self.open = want, shuffle, 0
        self.all_open = asyncio.Event()

    async def ask(self, request: PromptRequest) -> PromptResult:
        self.asked.append(request)
        if request.kind != "transaction":
            return PromptResult(True, "once")
        self.open += 1
        if self.open >= self.want:
            self.all_open.set()
        # The node's prompt queue shows one dialog at a time per answerer, so `want` open at once
        # may never happen: then approve after a moment, while the sends approved before are
        # still signing and broadcasting (the overlap the nonce lock is for).
        try:
            await asyncio.wait_for(self.all_open.wait(), 0.05)
        except TimeoutError:
            pass
        if self.shuffle is not None:  # answers come back in a random order, interleaved
            for _ in range(self.shuffle.randint(0, 6)):
                await asyncio.sleep(0)
        return PromptResult(True, "once")


async def _w3(env: Env) -> Any:
    return (await ChainService.of(env.node).connection()).w3


async def _chain(env: Env, fn: Any) -> Any:
    return await ChainService.of(env.node).call(fn)


async def test_two_sends_approved_while_both_dialogs_are_open_both_land(env: Env) -> None:
    env.node.prompter = OverlappingPrompter(want=2)
    n0 = await _chain(env, lambda c: c.w3.eth.get_transaction_count(env.address))
    a, b = await asyncio.gather(
        env.call("wallet_send", {"to": BOB, "amount": "0.1"}),
        env.call("wallet_send", {"to": BOB, "amount": "0.1"}),  # identical: a second payment
    )
    assert a["hash"] != b["hash"] and {a["status"], b["status"]} == {"confirmed"}
    assert sorted([a["nonce"], b["nonce"]]) == [n0, n0 + 1]
    assert await _chain(env, lambda c: c.w3.eth.get_balance(BOB)) == 2 * ETHER // 10
    hist = await env.call("wallet_history")
    assert sorted((h["hash"], h["status"]) for h in hist) == sorted(
        [(a["hash"], "confirmed"), (b["hash"], "confirmed")]
    )


async def _payments_app(env: Env) -> CallerContext:
    """The bundled Payments app, connected to the wallet, as a dapp caller."""
    apps = await env.call("apps_list")
    app_id = next(a["id"] for a in apps if a["name"] == "Payments")
    ctx = CallerContext.app(app_id, env.info["identity"])
    assert await env.node.call("eth_requestAccounts", [], ctx) == [
        env.address.lower()
    ]  # dapps get lowercase accounts, as from MetaMask
    return ctx


@pytest.mark.slow
async def test_fifty_concurrent_sends_from_three_callers_land_once_each(env: Env) -> None:
    """An app through the dispatcher, CLI clients over the real socket, the launcher in process."""
    node = env.node
    app = await _payments_app(env)
    node.prompter = OverlappingPrompter(want=10, shuffle=random.Random(8))
    folder = Path(tempfile.mkdtemp(prefix="mfos-", dir="/tmp"))  # a Unix socket path is short
    server = SocketServer(node, folder / "node.sock")
    await server.start()
    n0 = await _chain(env, lambda c: c.w3.eth.get_transaction_count(env.address))
    bob0 = await _chain(env, lambda c: c.w3.eth.get_balance(BOB))
    wei = {i: (i + 1) * 10**12 for i in range(50)}  # a different amount each: every one is checked

    def amount(i: int) -> str:
        return f"0.{wei[i]:018d}".rstrip("0")

    async def from_app(i: int) -> str:
        tx = {"from": env.address, "to": BOB, "value": hex(wei[i])}
        return str(await node.call("eth_sendTransaction", [tx], app))

    def over_socket(i: int) -> str:
        with SocketClient(folder / "node.sock", timeout=300) as client:
            out = client.call("wallet_send", {"to": BOB, "amount": amount(i)})
        assert "result" in out, out
        return str(out["result"]["hash"])

    async def from_launcher(i: int) -> str:
        return str((await node.call("wallet_send", {"to": BOB, "amount": amount(i)}))["hash"])

    callers = [from_app, lambda i: asyncio.to_thread(over_socket, i), from_launcher]
    try:
        hashes = await asyncio.wait_for(asyncio.gather(*(callers[i % 3](i) for i in range(50))), 280)
    finally:
        await server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    assert len(set(hashes)) == 50
    await env.call("wallet_recheck")  # the app's sends return at broadcast: wait for their receipts

    def on_chain(c: Any) -> list[tuple[int, int, int]]:
        out = []
        for h in hashes:
            tx, rcpt = c.w3.eth.get_transaction(h), c.w3.eth.get_transaction_receipt(h)
            out.append((int(tx["nonce"]), int(tx["value"]), int(rcpt["status"])))
        return out

    mined = await _chain(env, on_chain)
    assert [v for _, v, _ in mined] == [wei[i] for i in range(50)]  # each request's own amount
    assert all(status == 1 for _, _, status in mined)
    assert sorted(n for n, _, _ in mined) == list(range(n0, n0 + 50))  # contiguous, none shared
    assert await _chain(env, lambda c: c.w3.eth.get_transaction_count(env.address)) == n0 + 50  # once each
    assert await _chain(env, lambda c: c.w3.eth.get_balance(BOB)) - bob0 == sum(wei.values())
    hist = {h["hash"]: h for h in await env.call("wallet_history", {"limit": 100})}
    assert set(hist) == set(hashes)
    assert all(h["status"] == "confirmed" for h in hist.values())
    assert sorted(int(h["value"]) for h in hist.values()) == sorted(wei.values())


# -- dapp requests: legacy gasPrice, and a call that will most likely fail -------------------------


async def test_gas_price_request_goes_out_as_a_legacy_transaction_at_that_price(env: Env) -> None:
    app = await _payments_app(env)
    base = await _chain(env, lambda c: int(c.w3.eth.get_block("latest")["baseFeePerGas"]))
    price = base * 3 + 7
    tx = {"from": env.address, "to": BOB, "value": hex(10**15), "gasPrice": hex(price)}
    h = await env.node.call("eth_sendTransaction", [tx], app)
    asked = env.prompter.asked[-1]
    assert "legacy" in asked.details["gas price"]
    sent = await _chain(env, lambda c: c.w3.eth.get_transaction(h))
    rcpt = await _chain(env, lambda c: c.w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.05))
    assert int(sent["type"]) == 0 and int(sent["gasPrice"]) == price
    assert int(rcpt["effectiveGasPrice"]) == price and rcpt["status"] == 1
    # an EIP-1559 request stays EIP-1559
    h2 = await env.node.call("eth_sendTransaction", [{"from": env.address, "to": BOB, "value": "0x1"}], app)
    assert int((await _chain(env, lambda c: c.w3.eth.get_transaction(h2)))["type"]) == 2


async def _reverting_call(env: Env) -> dict[str, Any]:
    """MFT.transfer of more than the account holds: the token reverts."""
    from mainframe_os.node.wallet.tokens import ERC20_ABI

    conn = await ChainService.of(env.node).connection()
    mft = conn.network.contracts.mft
    data = conn.w3.eth.contract(address=mft, abi=ERC20_ABI).encode_abi("transfer", args=[BOB, 10**30])
    return {"from": env.address, "to": mft, "value": "0x0", "data": data}


async def test_a_call_that_will_fail_is_refused_under_blanket_approval(env: Env) -> None:
    app = await _payments_app(env)
    tx = await _reverting_call(env)
    with pytest.raises(E.RpcError, match="will most likely fail") as info:
        await env.node.call("eth_sendTransaction", [tx], app)
    assert info.value.code == 5004 and "send-failing" in info.value.message
    asked = env.prompter.asked[-1]
    assert asked.choices == (SEND_ANYWAY, "reject")
    assert asked.details["warning"].startswith("This transaction will most likely fail: ")
    assert "Send anyway" in asked.details["note"]  # how to send it anyway
    assert await env.call("wallet_history") == []  # nothing signed, nothing sent


async def test_the_user_may_send_a_call_that_will_fail_after_the_warning(env: Env) -> None:
    app = await _payments_app(env)
    env.node.prompter = ApproveAllPrompter(send_failing=True)
    tx = await _reverting_call(env)
    h = await env.node.call("eth_sendTransaction", [tx], app)
    rcpt = await _chain(env, lambda c: c.w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.05))
    assert rcpt["status"] == 0  # mined, and failed as the warning said
    await env.call("wallet_recheck")
    (rec,) = await env.call("wallet_history")
    assert rec["hash"] == h and rec["status"] == "failed"


async def test_the_wallets_own_flows_still_refuse_a_call_that_would_fail_before_asking(env: Env) -> None:
    """Sends and swaps the wallet builds itself are refused with the reason, no dialog."""
    from mainframe_os.node.wallet.txs import TransactionFailed, TxService

    tx = dict(await _reverting_call(env), value=0)
    asked = len(env.prompter.asked)
    with pytest.raises(TransactionFailed, match="would fail"):
        await TxService.of(env.node).send(
            CallerContext.launcher(), env.info["identity"], tx, kind="token", title="t", details={}
        )
    assert len(env.prompter.asked) == asked and await env.call("wallet_history") == []


async def test_an_approved_send_completes_when_its_caller_goes_away(env: Env) -> None:
    """The caller (a socket client that disconnects, a closed window) is cancelled right after
    the transaction was signed: it still goes out once, and history does not stay 'signed'."""
    from mainframe_os.node.events import TransactionStatusChanged

    call = asyncio.get_running_loop().create_task(env.call("wallet_send", {"to": BOB, "amount": "0.2"}))
    signed: list[str] = []

    def cancel_caller(e: TransactionStatusChanged) -> None:
        if e.status == "signed":
            signed.append(e.hash)
            call.cancel()

    env.node.events.subscribe(TransactionStatusChanged, cancel_caller)
    with pytest.raises(asyncio.CancelledError):
        await call
    for _ in range(400):  # the pipeline finishes on its own: wait for its record, bounded
        hist = await env.call("wallet_history")
        if hist and hist[0]["status"] == "confirmed":
            break
        await asyncio.sleep(0.05)
    assert [(h["hash"], h["status"]) for h in hist] == [(signed[0], "confirmed")]
    assert await _chain(env, lambda c: c.w3.eth.get_balance(BOB)) == 2 * ETHER // 10
