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
    res = await env.call("wallet_send", {"to": env.address, "amount": "0.001"})
    signed_by = await chain.run(lambda: conn.w3.eth.get_transaction(res["hash"])["from"])
    assert res["from"] == signed_by == bob_address  # signed with the key of the account it was looked up for
    await env.call("identity_select", {"id": env.info["identity"]})
    assert (await env.call("wallet_send", {"to": bob_address, "amount": "0.001"}))["from"] == env.address
    await env.call("identity_select", {"id": bob["id"]})
    await env.call("identity_delete", {"id": bob["id"]})  # the active one: Alice is active again
    assert (await env.call("wallet_send", {"to": bob_address, "amount": "0.001"}))["from"] == env.address


@pytest.mark.parametrize("known", [True, False])  # False: code the node does not know as its own token
async def test_an_own_token_balance_read_from_storage_is_balance_of_and_still_refuses_an_overdraft(
    env: Env, known: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the embedded chain, MFT's balance is read from the contract's storage when its code is
    the project's MFT artifact (by code hash); any other code is asked through balanceOf. Either
    way the balance is balanceOf's and an overdraft is refused before the prompt."""
    from mainframe_os.node.wallet import rpc, token_artifacts

    if not known:
        monkeypatch.setattr(token_artifacts, "token_code", dict)
    conn = await _funded(env)
    chain = ChainService.of(env.node)
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "1"})
    mft = conn.network.contracts.mft
    assert mft is not None
    contract = conn.w3.eth.contract(address=mft, abi=abi_of("MFT"))
    bob = to_checksum_address("0x" + os.urandom(20).hex())
    for _ in range(2):
        res = await env.call("wallet_send", {"to": bob, "amount": "1.5", "token": "MFT"})
        assert res["status"] == "confirmed"
    held = await chain.run(lambda: contract.functions.balanceOf(env.address).call())
    assert held > 0
    assert await chain.run(rpc.own_token_balance, conn, mft, env.address) == (held if known else None)
    assert await chain.run(rpc.own_token_balance, conn, mft, bob) == (3 * 10**18 if known else None)
    asked = len(env.prompter.asked)
    too_much = f"{held / 10**18 + 0.001:.6f}"
    with pytest.raises(E.RpcError, match="Insufficient funds"):
        await env.call("wallet_send", {"to": bob, "amount": too_much, "token": "MFT"})
    assert len(env.prompter.asked) == asked  # refused before the user was asked
    assert await chain.run(lambda: contract.functions.balanceOf(bob).call()) == 3 * 10**18


async def test_state_reads_on_the_embedded_chain_follow_each_transaction_and_block(env: Env) -> None:
    """The dev chain's direct state reads reuse the state built at one root: a transaction waiting
    in the pending block moves the pending nonce and balance (not the latest ones) and mining
    moves both, so a remembered state is never read stale."""
    from eth_account import Account

    from mainframe_os.node.wallet import rpc

    conn = await _funded(env)
    chain = ChainService.of(env.node)
    acct = Account.from_key(os.urandom(32))
    await chain.run(lambda: conn.devchain.fund(acct.address, ETHER))
    bob = to_checksum_address("0x" + os.urandom(20).hex())

    def reads(c: Connection) -> tuple[int, int, int, int]:
        latest_nonce = int(c.devchain.latest_state().get_nonce(bytes.fromhex(acct.address[2:])))
        return rpc.pending_nonce(c, acct.address), latest_nonce, rpc.balance(c, acct.address), rpc.balance(c, bob)

    def send_unmined(c: Connection) -> None:
        base = rpc.base_fee(c) or 10**9
        tx = {
            "type": 2,
            "chainId": c.network.chain_id,
            "nonce": rpc.pending_nonce(c, acct.address),
            "to": bob,
            "value": 7,
            "gas": 21_000,
            "maxFeePerGas": 2 * base + 10**9,
            "maxPriorityFeePerGas": 10**9,
        }
        evm = c.devchain._backend.chain  # applied to the block being built, not mined yet
        evm.apply_transaction(evm.get_vm().get_transaction_builder().decode(acct.sign_transaction(tx).raw_transaction))

    def mine(c: Connection) -> None:
        c.devchain._backend.mine_blocks(1)

    assert await chain.call(reads) == (0, 0, ETHER, 0)
    try:
        await chain.call(send_unmined)
        pending, latest, _, bob_latest = await chain.call(reads)
        assert (pending, latest, bob_latest) == (1, 0, 0)  # waiting in the pending block
    finally:
        await chain.call(mine)
    pending, latest, balance, bob_latest = await chain.call(reads)
    assert (pending, latest, bob_latest) == (1, 1, 7) and balance < ETHER - 7
    res = await env.call("wallet_send", {"to": bob, "amount": "0.001"})
    assert await chain.call(lambda c: rpc.balance(c, bob)) == 7 + 10**15 and res["status"] == "confirmed"


async def test_the_retry_look_up_reads_only_interrupted_records_through_their_index(env: Env) -> None:
    """Before each send the node looks for an interrupted record of the same payment; it reads the
    vault's partial index of such records (m0006), not the account's last hour of sends, and still
    finds one: a record marked "signed" by a stopped process, and one settled after it."""
    from sqlalchemy import text

    from mainframe_os.node.wallet import interrupted as I
    from vault.migrations import m0006_unsettled_sends

    assert m0006_unsettled_sends.UNSETTLED == I.UNSETTLED  # SQLite uses the index only for its own condition
    await _funded(env)
    bob = to_checksum_address("0x" + os.urandom(20).hex())
    sent = [await env.call("wallet_send", {"to": bob, "amount": "0.001"}) for _ in range(3)]
    chain_id = (await ChainService.of(env.node).connection()).network.chain_id
    params = {"chain_id": chain_id, "sender": env.address}
    key = I.request_key(env.address, {"to": bob, "value": 10**15})
    ident = env.info["identity"]

    def look(s: Any) -> tuple[str, list[Any], Any]:
        plan = " ".join(str(r[-1]) for r in s.execute(text("EXPLAIN QUERY PLAN " + I._RETRY_CANDIDATES), params))
        return (
            plan,
            list(s.execute(text(I._RETRY_CANDIDATES), params)),
            I.find_retry(_dbapi(s), ident, chain_id, env.address, key, set()),
        )

    plan, rows, retry = await env.node.db(look)
    assert "ix_tx_record_unsettled" in plan and rows == [] and retry is None  # three sends, none interrupted

    def interrupt(s: Any) -> None:  # as a process stopped between the record and the broadcast leaves it
        s.execute(text("UPDATE tx_record SET status = 'signed' WHERE hash = :h"), {"h": sent[1]["hash"]})

    await env.node.db(interrupt)
    _, rows, retry = await env.node.db(look)
    assert [r.hash for r in rows] == [sent[1]["hash"]] and retry == I.Retry(sent[1]["hash"], "signed", sent[1]["nonce"])
    await env.node.db(lambda s: I.mark_settled(s, chain_id, sent[1]["hash"], "sent before", None))
    _, rows, retry = await env.node.db(look)
    assert len(rows) == 1 and retry == I.Retry(sent[1]["hash"], "pending", sent[1]["nonce"])
    other = I.request_key(env.address, {"to": bob, "value": 2 * 10**15})
    assert await env.node.db(lambda s: I.find_retry(_dbapi(s), ident, chain_id, env.address, other, set())) is None


async def test_paid_before_is_read_through_its_index_whatever_the_case(env: Env) -> None:
    """The approval's "paid before" fact comes from the vault's index of confirmed sends (m0007),
    not a read of the identity's whole history at every send; it is found for an address however
    it is written, and not for one never paid."""
    from sqlalchemy import text

    from mainframe_os.node.wallet import parties
    from vault.migrations import m0007_paid_before

    assert f"AND {m0007_paid_before.PAID} LIMIT 1" in parties._PAID_BEFORE  # its condition, word for word
    await _funded(env)
    bob = to_checksum_address("0x" + os.urandom(20).hex())
    never = to_checksum_address("0x" + os.urandom(20).hex())
    await env.call("wallet_send", {"to": bob, "amount": "0.001"})
    ident = env.info["identity"]
    plain_sql = parties._PAID_BEFORE.replace(" INDEXED BY ix_tx_record_paid", "")

    def look(s: Any) -> tuple[str, dict[str, Any]]:
        explain = text("EXPLAIN QUERY PLAN " + plain_sql.replace("?", ":p"))
        plan = " ".join(str(r[-1]) for r in s.execute(explain, {"p": ""}))
        facts = parties.vault_facts(_dbapi(s), ident, [bob, never])
        return plan, {a.lower(): facts.get(a) for a in (bob, never)}

    plan, facts = await env.node.db(look)
    # SQLite picks the index by itself (the node's query also names it, so it can never lose it)
    assert "USING INDEX ix_tx_record_paid" in plan, plan
    assert facts == {bob.lower(): (None, None, True), never.lower(): None}
    found = await env.node.db(lambda s: parties.vault_facts(_dbapi(s), ident, [bob.lower()]))
    assert found == {bob.lower(): (None, None, True)}


async def test_the_embedded_chains_eth_call_answers_and_reverts_as_json_rpc_does(env: Env) -> None:
    """On the embedded chain eth_call goes to eth-tester's backend directly: the same bytes as the
    JSON-RPC call, and a revert still raises web3's error with the reason."""
    from mainframe_os.node.wallet import rpc
    from mainframe_os.node.wallet.fill import is_revert, revert_reason

    conn = await _funded(env)
    chain = ChainService.of(env.node)
    mft, router = conn.network.contracts.mft, conn.network.contracts.router
    assert mft is not None and router is not None
    token = conn.w3.eth.contract(address=mft, abi=abi_of("MFT"))
    calls = [
        {
            "from": env.address,
            "to": mft,
            "data": token.encode_abi("balanceOf", args=[conn.devchain.deployment.pair_eth_mft]),
        },
        {"from": env.address, "to": mft, "data": token.encode_abi("totalSupply")},
    ]
    overdraft = {"from": env.address, "to": mft, "data": token.encode_abi("transfer", args=[router, 10**30])}

    def both(c: Connection, tx: dict[str, Any]) -> tuple[bytes, bytes]:
        return rpc.call(c, tx), bytes(c.w3.eth.call(tx))  # type: ignore[arg-type]

    for tx in calls:
        direct, through_json_rpc = await chain.call(lambda c, tx=tx: both(c, tx))
        assert direct == through_json_rpc and int.from_bytes(direct, "big") > 0
    with pytest.raises(Exception) as refused:  # noqa: PT011 - what callers read of it is checked below
        await chain.call(lambda c: rpc.call(c, overdraft))
    assert is_revert(refused.value) and "ERC20: transfer amount exceeds balance" in revert_reason(refused.value)


async def test_a_wallet_removed_while_the_user_is_asked_is_a_clear_error_not_a_send(env: Env) -> None:
    """Signing uses the key found with the sender before the prompt; a wallet removed meanwhile
    stops the send with the wallet error, and nothing is recorded or broadcast."""
    from mainframe_os.node.prompter import PromptResult

    await _funded(env)
    wallet_id = (await env.call("wallet_list"))[0]["id"]

    async def remove_then_approve(request: Any) -> PromptResult:
        await env.call("wallet_remove", {"walletId": wallet_id, "confirm": True})
        return PromptResult(True, "once")

    env.node.prompter.ask = remove_then_approve  # type: ignore[method-assign]
    bob = to_checksum_address("0x" + os.urandom(20).hex())
    with pytest.raises(E.RpcError, match="(?i)wallet"):
        await env.call("wallet_send", {"to": bob, "amount": "0.001"})
    chain = ChainService.of(env.node)
    assert await chain.call(lambda c: c.w3.eth.get_balance(bob)) == 0


async def test_the_embedded_routers_quote_is_its_get_amounts_out_to_the_wei(env: Env) -> None:
    """On the embedded chain a quote is computed from the pool's reserves with the router's own
    formula instead of a second EVM run: it equals the router's getAmountsOut for any amount."""
    conn = await _funded(env, 2000)
    chain = ChainService.of(env.node)
    c = conn.network.contracts
    assert c.router is not None and c.weth is not None and c.mft is not None
    router = conn.w3.eth.contract(address=c.router, abi=abi_of("UniswapV2Router02"))
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "100"})
    for amount, (frm, to, path) in [
        (a, d)
        for a in ("0.00000001", "0.001", "1", "777.123456789", "1000")
        for d in (("ETH", "MFT", [c.weth, c.mft]), ("MFT", "ETH", [c.mft, c.weth]))
    ]:
        q = await env.call("swap_quote", {"from": frm, "to": to, "amount": amount})
        wei = int(q["amountIn"])
        on_chain = await chain.run(lambda wei=wei, path=path: router.functions.getAmountsOut(wei, path).call()[-1])
        assert int(q["amountOut"]) == on_chain, (frm, amount)


def _dbapi(s: Any) -> Any:
    """The DB-API connection under an ORM session (what Vault.sql hands the send path)."""
    return s.connection().connection.driver_connection
