"""The send path's shortcuts (issue 14) keep what the node checks: each one falls back to the full
check when its premise does not hold, and none of them can leave a transaction silently stuck.

- a plain ETH transfer takes 21,000 gas only when the recipient has no code: a contract is estimated;
- a call estimated before is checked by one simulation at the limit it will be signed with: a
  figure too low falls back to the estimate, and a call that would revert is still refused;
- a known token's transfer reuses its measured gas: too low a figure fails on chain, recorded and
  announced as failed, never left pending;
- "paid before" is remembered per identity: an address is "never used before" until a send to it
  is confirmed.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from eth_utils import to_checksum_address

from mainframe_os.node import errors as E
from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.wallet.chain import ChainService, Connection
from mainframe_os.node.wallet.txs import TxService

from .conftest import Env

ETHER = 10**18


async def _funded(env: Env, eth: int = 20) -> Connection:
    chain = ChainService.of(env.node)
    conn = await chain.connection()
    await chain.run(lambda: conn.devchain.fund(env.address, eth * ETHER))
    return conn


def _receipt(conn: Connection, tx_hash: str) -> Any:
    return conn.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]


async def test_eth_to_a_contract_is_estimated_not_given_21000(env: Env) -> None:
    conn = await _funded(env)
    chain = ChainService.of(env.node)
    weth = conn.network.contracts.weth
    assert weth is not None
    plain = await env.call(
        "wallet_estimateSend", {"to": to_checksum_address("0x" + os.urandom(20).hex()), "amount": "1"}
    )
    assert plain["gas"] == 21_000  # no code there: no need to run the EVM
    est = await env.call("wallet_estimateSend", {"to": weth, "amount": "1"})
    assert est["gas"] > 21_000  # WETH's receive() deposits: a 21,000 limit would run out of gas
    res = await env.call("wallet_send", {"to": weth, "amount": "1"})
    assert res["status"] == "confirmed"
    rcpt = await chain.run(_receipt, conn, res["hash"])
    assert rcpt["status"] == 1 and rcpt["gasUsed"] > 21_000


async def test_a_measured_call_gas_too_low_falls_back_to_the_estimate(env: Env) -> None:
    conn = await _funded(env)
    chain = ChainService.of(env.node)
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.1"})  # measured once
    router = str(conn.network.contracts.router).lower()
    keys = [k for k in conn.cache if isinstance(k, tuple) and k[:2] == ("call-gas", router)]
    assert keys, "the swap's estimate was not remembered"
    for k in keys:
        conn.cache[k] = 30_000  # with the margin 57,500: far below what a swap needs
    res = await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.1"})
    assert res["status"] == "confirmed"
    rcpt = await chain.run(_receipt, conn, res["hash"])
    assert rcpt["status"] == 1 and rcpt["gasUsed"] > 57_500  # the simulation failed, the estimate served


async def test_a_measured_call_that_would_revert_is_still_refused_before_signing(env: Env) -> None:
    conn = await _funded(env)
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.1"})  # measured: the shortcut is armed
    quote = await env.call("swap_quote", {"from": "ETH", "to": "MFT", "amount": "0.1"})

    def greedy_swap(c: Connection) -> dict[str, Any]:  # asks for 10x what the pool gives: reverts
        router = c.w3.eth.contract(address=quote["router"], abi=abi_of("UniswapV2Router02"))
        data = router.encode_abi(
            "swapExactETHForTokens", args=[int(quote["amountOut"]) * 10, quote["path"], env.address, quote["deadline"]]
        )
        return {"from": env.address, "to": quote["router"], "value": ETHER // 10, "data": data}

    tx = await ChainService.of(env.node).call(greedy_swap)
    before = len(await env.call("wallet_history"))
    asked = len(env.prompter.asked)
    with pytest.raises(E.RpcError, match="INSUFFICIENT_OUTPUT_AMOUNT"):
        await TxService.of(env.node).send(None, env.info["identity"], tx, kind="swap", title="Swap", details={})
    assert len(env.prompter.asked) == asked  # refused before the user was asked
    assert len(await env.call("wallet_history")) == before  # nothing signed, nothing recorded
    router = str(conn.network.contracts.router).lower()
    assert any(isinstance(k, tuple) and k[:2] == ("call-gas", router) for k in conn.cache)  # the shortcut was armed


async def test_a_token_transfer_measured_too_low_fails_clearly_not_stuck(env: Env) -> None:
    conn = await _funded(env)
    chain = ChainService.of(env.node)
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "1"})
    bob = to_checksum_address("0x" + os.urandom(20).hex())
    first = await env.call("wallet_send", {"to": bob, "amount": "1", "token": "MFT"})
    assert first["status"] == "confirmed"  # estimated, and the estimate remembered
    mft = str(conn.network.contracts.mft).lower()
    assert conn.cache.get(("transfer-gas", mft))
    conn.cache[("transfer-gas", mft)] = 5_000  # a figure no transfer fits in: 26,250 with the margin
    res = await env.call("wallet_send", {"to": bob, "amount": "1", "token": "MFT"})
    assert res["status"] == "failed"  # mined and failed: said at once, not pending
    rcpt = await chain.run(_receipt, conn, res["hash"])
    assert rcpt["status"] == 0 and rcpt["gasUsed"] == 26_250
    last = (await env.call("wallet_history"))[0]
    assert last["hash"] == res["hash"] and last["status"] == "failed" and last["error"]


async def test_an_address_is_never_used_before_until_a_send_to_it_is_confirmed(env: Env) -> None:
    await _funded(env)
    carol = to_checksum_address("0x" + os.urandom(20).hex())

    def recipient() -> dict[str, Any]:
        desc = env.prompter.asked[-1].description
        assert desc is not None
        row = next(r for r in desc["rows"] if "party" in r and r["party"]["address"] == carol)
        party: dict[str, Any] = row["party"]
        return party

    await env.call("wallet_send", {"to": carol, "amount": "0.1"})
    assert recipient()["seen"] is False and "never used before" in recipient()["label"]
    await env.call("wallet_send", {"to": carol, "amount": "0.1"})
    assert recipient()["seen"] is True and "used before" in recipient()["label"]
    await env.call("wallet_send", {"to": carol, "amount": "0.1"})  # remembered: still true
    assert recipient()["seen"] is True


async def test_the_remembered_active_identity_follows_a_switch_create_and_delete(env: Env) -> None:
    """The active identity is read once and remembered: selecting, creating or deleting an
    identity forgets it, so a send right after a switch goes from the new identity's account."""
    await _funded(env)
    first = await env.call("wallet_send", {"to": env.address, "amount": "0.001"})
    assert first["from"] == env.address
    bob = await env.call("identity_create", {"displayName": "Bob"})
    assert not bob["active"]  # Alice stays active
    await env.call("identity_select", {"id": bob["id"]})
    with pytest.raises(E.RpcError, match="(?i)wallet"):  # Bob has no wallet yet: not Alice's account
        await env.call("wallet_send", {"to": env.address, "amount": "0.001"})
    phrase = (await env.call("wallet_generatePhrase"))["phrase"]
    bob_address = (await env.call("wallet_create", {"phrase": phrase}))["accounts"][0]["address"]
    assert bob_address != env.address
    chain = ChainService.of(env.node)
    conn = await chain.connection()
    await chain.run(lambda: conn.devchain.fund(bob_address, ETHER))
    assert (await env.call("wallet_send", {"to": env.address, "amount": "0.001"}))["from"] == bob_address
    await env.call("identity_select", {"id": env.info["identity"]})
    assert (await env.call("wallet_send", {"to": bob_address, "amount": "0.001"}))["from"] == env.address
    await env.call("identity_select", {"id": bob["id"]})
    await env.call("identity_delete", {"id": bob["id"]})  # the active one: Alice is active again
    assert (await env.call("wallet_send", {"to": bob_address, "amount": "0.001"}))["from"] == env.address
