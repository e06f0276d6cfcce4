"""The send path's shortcuts keep its rules: a wallet's cached BIP-32 node signs nothing once the
wallet is gone and goes when the vault locks; the pool's reserves read from storage are what
getReserves answers; a send's record and status, written in plain SQL, read back through the
ORM as before."""

from __future__ import annotations

import os
from typing import Any

import pytest
from eth_utils import to_checksum_address

from mainframe_os.node import errors as E
from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.prompter import ApproveAllPrompter, PromptRequest, PromptResult
from mainframe_os.node.wallet.chain import ChainService, Connection

from .conftest import ETHER, PASSWORD, Env


async def _funded(env: Env, eth: int = 20) -> Connection:
    chain = ChainService.of(env.node)
    conn = await chain.connection()
    await chain.run(lambda: conn.devchain.fund(env.address, eth * ETHER))
    return conn


class RemovesTheWalletWhenAsked(ApproveAllPrompter):
    def __init__(self, env: Env, wallet_id: str) -> None:
        super().__init__()
        self.env, self.wallet_id = env, wallet_id

    async def ask(self, request: PromptRequest) -> PromptResult:
        await self.env.call("wallet_remove", {"walletId": self.wallet_id, "confirm": True})
        return await super().ask(request)


async def test_a_wallet_removed_while_the_user_is_asked_signs_nothing(env: Env) -> None:
    """The first send keeps the wallet's m/44'/60'/0'/0 node; the wallet is removed while the
    next send's prompt is open: that send is refused, nothing is recorded or broadcast."""
    conn = await _funded(env)
    bob = to_checksum_address("0x" + os.urandom(20).hex())
    await env.call("wallet_send", {"to": bob, "amount": "0.001"})
    seeds = env.node.session.seeds
    assert seeds._parents  # kept after the first signature
    (wallet,) = await env.call("wallet_list")
    env.node.prompter = RemovesTheWalletWhenAsked(env, wallet["id"])
    with pytest.raises(E.RpcError, match="(?i)no wallet|wallet yet"):
        await env.call("wallet_send", {"to": bob, "amount": "0.002"})
    assert not seeds._parents  # removed with the wallet
    chain = ChainService.of(env.node)
    assert await chain.run(lambda: conn.w3.eth.get_balance(bob)) == 10**15  # the first send only
    assert await chain.run(lambda: conn.w3.eth.get_transaction_count(env.address)) == 1


async def test_locking_forgets_the_cached_node_and_no_repr_shows_it(env: Env) -> None:
    await _funded(env)
    await env.call("wallet_send", {"to": to_checksum_address("0x" + os.urandom(20).hex()), "amount": "0.001"})
    seeds = env.node.session.seeds
    (parent,) = seeds._parents.values()
    for secret in (parent.key, parent.chain_code, *seeds._seeds.values()):
        assert secret.hex() not in repr(seeds) and secret.hex() not in repr(parent)
    await env.call("vault_lock")
    assert not seeds._parents and not seeds._seeds
    await env.call("vault_unlock", {"name": "main", "password": PASSWORD})
    res = await env.call("wallet_send", {"to": to_checksum_address("0x" + os.urandom(20).hex()), "amount": "0.001"})
    assert res["status"] == "confirmed" and res["nonce"] == 1  # derived again after the unlock


async def test_a_send_record_written_in_sql_reads_back_through_the_orm(env: Env) -> None:
    from sqlalchemy import select

    from vault.models import TxRecord

    await _funded(env)
    bob = to_checksum_address("0x" + os.urandom(20).hex())
    res = await env.call("wallet_send", {"to": bob, "amount": "0.25"})
    rec = await env.node.db(lambda s: s.scalars(select(TxRecord).where(TxRecord.hash == res["hash"])).one())
    assert (rec.status, rec.kind, rec.from_address, rec.to_address, rec.nonce) == (
        "confirmed",
        "send",
        env.address,
        bob,
        res["nonce"],
    )
    assert rec.value == str(ETHER // 4) and rec.raw is None  # final: no bytes left to re-broadcast
    assert rec.details["amount"] == "0.25 ETH" and rec.details["to"] == bob
    assert rec.block_number and int(rec.fee or 0) > 0
    (shown,) = await env.call("wallet_history")
    assert shown["status"] == "confirmed" and shown["hash"] == res["hash"]


@pytest.mark.parametrize("known", [True, False])  # False: a pool whose code is not the project's own
async def test_pool_reserves_read_from_storage_are_get_reserves(
    env: Env, known: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mainframe_os.node.chain import contracts
    from mainframe_os.node.wallet import rpc

    conn = await _funded(env, 50)
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "3"})
    if not known:
        load = contracts.load_artifact
        other = {**load("UniswapV2Pair"), "runtimeCodeHash": "0x" + "00" * 32}
        monkeypatch.setattr(contracts, "load_artifact", lambda name: other if name == "UniswapV2Pair" else load(name))
    chain = ChainService.of(env.node)
    pair_address = conn.devchain.deployment.pair_eth_mft
    pair = conn.w3.eth.contract(address=pair_address, abi=abi_of("UniswapV2Pair"))
    r0, r1, _ = await chain.run(lambda: pair.functions.getReserves().call())
    stored = await chain.run(rpc.own_pair_reserves, conn, pair_address)
    assert stored == ((r0, r1) if known else None)
    q: dict[str, Any] = await env.call("swap_quote", {"from": "ETH", "to": "MFT", "amount": "1"})
    c = conn.network.contracts
    router = conn.w3.eth.contract(address=c.router, abi=abi_of("UniswapV2Router02"))
    expected = await chain.run(lambda: router.functions.getAmountsOut(ETHER, [c.weth, c.mft]).call()[-1])
    assert int(q["amountOut"]) == expected  # either way: from storage, or from the getReserves call


async def test_the_signed_event_comes_first_and_before_the_answer(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the embedded chain the "signed" event is announced from the loop after the chain call
    (not handed over mid-send): still before the status events and the answer, and still when the
    call fails after the record was committed."""
    from mainframe_os.node.events import TransactionStatusChanged
    from mainframe_os.node.wallet import txs

    await _funded(env)
    seen: list[tuple[str, str]] = []
    env.node.events.subscribe(TransactionStatusChanged, lambda e: seen.append((e.hash, e.status)))
    res = await env.call("wallet_send", {"to": to_checksum_address("0x" + os.urandom(20).hex()), "amount": "0.01"})
    assert seen == [(res["hash"], "signed"), (res["hash"], "confirmed")]

    def broken(*args: Any) -> Any:
        raise RuntimeError("the process is going down")

    monkeypatch.setattr(txs, "broadcast_and_record", broken)
    seen.clear()
    with pytest.raises(E.RpcError):
        await env.call("wallet_send", {"to": to_checksum_address("0x" + os.urandom(20).hex()), "amount": "0.01"})
    assert [status for _, status in seen] == ["signed"]
    (rec,) = [h for h in await env.call("wallet_history") if h["hash"] == seen[0][0]]
    assert rec["status"] == "signed"  # committed before the broadcast that never happened
