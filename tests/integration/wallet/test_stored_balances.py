"""Balances read from the dev chain's stored state (node/chain/state_reader.py,
node/wallet/stored_balances.py) agree with what py-evm itself answers: for every kind of account
(genesis money, the deployer, the node's wallet, contracts, fresh addresses absent from the
trie), after ETH sends, token transfers and a swap, and while the chain is being written."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from eth_utils import to_checksum_address

from mainframe_os.node.chain.contracts import abi_of, load_artifact
from mainframe_os.node.chain.devchain import DevChain, stored_files
from mainframe_os.node.chain.state_reader import StateReader, StateUnreadable, mapping_slot
from mainframe_os.node.wallet.rpc import own_token
from mainframe_os.node.wallet.stored_balances import TOKEN_ARTIFACTS, read_stored_balances, token_code
from mainframe_os.node.wallet.tokens import ERC20_ABI, read_token

from .conftest import Env

ETHER = 10**18


def _fresh() -> str:
    return str(to_checksum_address("0x" + os.urandom(20).hex()))


def _stored(state: StateReader, token: str | None, owner: str, artifact: str | None = None) -> int:
    """The balance the stored state holds: an account's ETH, or a token's balanceOf slot."""
    if token is None:
        acct = state.account(owner)
        return 0 if acct is None else acct.balance
    acct = state.account(token)
    assert acct is not None and artifact is not None
    slot = load_artifact(artifact)["storage"]["balanceOf"]
    return state.storage(acct, mapping_slot(bytes.fromhex(owner[2:]), slot))


async def _make_history(env: Env) -> dict[str, str]:
    """ETH sends, MFT and DAI transfers, a swap each way and WETH wrapped: non-trivial balances."""
    bob, carol = _fresh(), _fresh()
    await env.call("wallet_send", {"to": bob, "amount": "1.25"})
    await env.call("wallet_send", {"to": carol, "amount": "0.000000000000000001"})  # 1 wei
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "2"})
    await env.call("wallet_send", {"to": bob, "amount": "123.456", "token": "MFT"})
    await env.call("swap_run", {"from": "MFT", "to": "ETH", "amount": "10"})
    chain = env.node.session.chain
    d = (await chain.connection()).devchain.deployment

    def wrap(c: Any) -> None:  # the faucet wraps ETH and hands some WETH and DAI around
        faucet = c.devchain.faucet_address
        weth = c.w3.eth.contract(address=d.weth, abi=abi_of("WETH9"))
        c.w3.eth.send_transaction({"from": faucet, "to": d.weth, "value": 3 * ETHER, "gas": 100_000})
        weth.functions.transfer(env.address, ETHER).transact({"from": faucet, "gas": 100_000})
        dai = c.w3.eth.contract(address=d.dai, abi=ERC20_ABI)
        dai.functions.transfer(carol, 7 * ETHER).transact({"from": d.deployer, "gas": 100_000})
        dai.functions.transfer(env.address, 3 * ETHER).transact({"from": d.deployer, "gas": 100_000})

    await chain.call(wrap)
    return {"bob": bob, "carol": carol}


async def test_stored_state_agrees_with_py_evm_after_sends_transfers_and_swaps(env: Env) -> None:
    people = await _make_history(env)
    chain = env.node.session.chain
    conn = await chain.connection()
    dc = conn.devchain
    d = dc.deployment
    fresh = [_fresh(), _fresh()]
    owners = [*dc.genesis_accounts, d.deployer, env.address, people["bob"], people["carol"], *fresh]
    owners += [d.mft, d.dai, d.weth, d.router, d.factory, d.pair_eth_mft, d.pair_eth_dai]
    tokens = {d.mft: "MFT", d.dai: "DAI", d.weth: "WETH9"}

    def truth(c: Any) -> dict[tuple[str | None, str], int]:
        out: dict[tuple[str | None, str], int] = {}
        for o in owners:
            who = c.w3.to_checksum_address(o)
            out[None, o] = c.w3.eth.get_balance(who)
            for t in tokens:
                out[t, o] = c.w3.eth.contract(address=t, abi=ERC20_ABI).functions.balanceOf(who).call()
        return out

    expected = await chain.call(truth)
    # the node still has the chain open (and writes it): the reader takes its own read snapshot
    with StateReader.open(stored_files(dc.folder)[0]) as state:
        got = {(t, o): _stored(state, t, o, tokens.get(t or "")) for (t, o) in expected}
    assert got == expected
    nonzero = {k for k, v in expected.items() if v}
    assert (None, people["carol"]) in nonzero and (d.mft, people["bob"]) in nonzero  # not a table of zeros
    assert (d.weth, env.address) in nonzero and (d.dai, people["carol"]) in nonzero
    assert all(expected[None, f] == 0 for f in fresh)  # absent from the trie


async def test_the_known_token_facts_are_the_contracts_own(env: Env) -> None:
    """The code hash, the balanceOf slot and the decimals the reader trusts, for every artifact it
    knows, checked against a deployment of that artifact and its own balanceOf()/decimals()."""
    from web3 import Web3

    from mainframe_os.node.chain.contracts import bytecode_of

    chain = env.node.session.chain

    def deploy_and_check(c: Any) -> list[str]:
        me = c.devchain.faucet_address
        checked = []
        args = {"MFT": (10**30,), "TestUSD": (10**12,), "DAI": (), "WETH9": ()}
        for name, decimals in TOKEN_ARTIFACTS.items():
            factory = c.w3.eth.contract(abi=abi_of(name), bytecode=bytecode_of(name))
            h = factory.constructor(*args[name]).transact({"from": me, "gas": 3_000_000})
            addr = c.w3.eth.wait_for_transaction_receipt(h)["contractAddress"]
            token = c.w3.eth.contract(address=addr, abi=ERC20_ABI)
            if name == "DAI":
                token = c.w3.eth.contract(address=addr, abi=abi_of("DAI"))
                token.functions.mint(me, 5 * ETHER).transact({"from": me, "gas": 200_000})
            if name == "WETH9":
                c.w3.eth.send_transaction({"from": me, "to": addr, "value": 2 * ETHER, "gas": 100_000})
            code_hash = Web3.keccak(c.w3.eth.get_code(addr))
            known = token_code()[bytes(code_hash)]
            assert known.artifact == name and known.decimals == token.functions.decimals().call() == decimals
            with StateReader.open(stored_files(c.devchain.folder)[0]) as state:
                acct = state.account(addr)
                assert acct is not None and acct.code_hash == bytes(code_hash)
                held = state.storage(acct, mapping_slot(bytes.fromhex(me[2:]), known.balance_slot))
            assert held == token.functions.balanceOf(me).call() > 0
            # the open chain's own read of the token (no EVM) agrees with the EVM's answers
            read = read_token(c.w3, addr)
            assert own_token(c, addr) == (read.symbol, read.name, read.decimals)
            checked.append(name)
        return checked

    assert await chain.call(deploy_and_check) == list(TOKEN_ARTIFACTS)


async def test_a_cold_balance_read_gives_what_the_open_chain_gives(env: Env) -> None:
    """wallet_getBalances in a process that has not opened the chain reads the stored state (and
    leaves the chain closed); the same call on the open chain returns the very same rows."""
    await _make_history(env)
    weth = (await env.node.session.chain.connection()).devchain.deployment.weth
    await env.call("wallet_addToken", {"address": weth})  # a known artifact added by the user
    await env.reopen()
    cold = await env.call("wallet_getBalances")
    assert not env.node.session.chain.connected  # answered without opening the chain
    await env.node.session.chain.connection()
    full = await env.call("wallet_getBalances")
    assert cold == full
    assert [r["symbol"] for r in cold] == ["ETH", "MFT", "DAI", "WETH"]
    assert all(int(r["balance"]) > 0 for r in cold)


async def test_a_token_of_unknown_code_is_read_through_the_chain(env: Env) -> None:
    """The pair's LP token is an ERC-20 whose code the reader does not know: the cold read hands
    the whole call to the chain, which answers it right."""
    d = (await env.node.session.chain.connection()).devchain.deployment
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "1"})
    await env.call("wallet_addToken", {"address": d.pair_eth_mft})
    await env.reopen()
    rows = await env.call("wallet_getBalances")
    assert env.node.session.chain.connected  # it fell back to the chain
    lp = next(r for r in rows if r["token"] == d.pair_eth_mft)

    def lp_of_wallet(c: Any) -> int:
        return c.w3.eth.contract(address=d.pair_eth_mft, abi=ERC20_ABI).functions.balanceOf(env.address).call()

    assert int(lp["balance"]) == await env.node.session.chain.call(lp_of_wallet)
    assert read_stored_balances(env.home / "chain", [], env.address) is not None  # without it: stored


async def test_a_home_without_its_chain_falls_back_and_builds_it(env: Env) -> None:
    """A vault restored on a machine without the dev chain's files: nothing to read, the chain opens."""
    await env.node.close()
    shutil.rmtree(env.home / "chain")
    await env.reopen()
    rows = await env.call("wallet_getBalances")
    assert env.node.session.chain.connected
    assert [r["symbol"] for r in rows] == ["ETH", "MFT", "DAI"]


def _copy_chain(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("LOCK"))
    return stored_files(dst)[0]


async def test_a_missing_or_corrupt_record_is_an_error_never_a_number(env: Env, tmp_path: Path) -> None:
    await env.node.close()
    chain_dir = env.home / "chain"
    with StateReader.open(stored_files(chain_dir)[0]) as state:
        root = state.state_root
        acct = state.account(env.address)
    assert acct is not None and acct.balance > 0
    head_key = b"v1:canonical_head_hash"

    def damaged(n: int, sql: str, *args: Any) -> Path:
        db = _copy_chain(chain_dir, tmp_path / f"c{n}")
        with sqlite3.connect(db) as c:
            c.execute(sql, args)
        return db

    bad = [
        damaged(1, "DELETE FROM kv WHERE k = ?", root),  # the state root node is gone
        damaged(2, "UPDATE kv SET v = substr(v, 1, length(v) - 1) || x'00' WHERE k = ?", root),  # one byte changed
        damaged(3, "DELETE FROM kv WHERE k = ?", head_key),  # no head
        damaged(4, "UPDATE kv SET v = ? WHERE k = ?", b"\x01" * 32, head_key),  # a head nowhere
    ]
    for db in bad:
        with pytest.raises(StateUnreadable), StateReader.open(db) as state:
            state.account(env.address)
        assert read_stored_balances(db.parent, [], env.address) is None
    with pytest.raises(StateUnreadable):
        with StateReader.open(tmp_path / "nothing.sqlite3"):
            pass


def _root(db: Path) -> bytes:
    with StateReader.open(db) as state:
        return state.state_root


def test_reads_during_writes_see_one_head(wallet_home: Path) -> None:
    """While the chain mines a block per transfer (alternately to two addresses), every read is of
    one committed head: the first address is never behind the second, never more than one ahead,
    even when a block is committed between a reader's two look-ups."""
    amount = 10**15
    one, two = _fresh(), _fresh()
    chain = DevChain.open(wallet_home / "chain")
    db = stored_files(chain.folder)[0]
    seen: list[tuple[int, int]] = []
    done = threading.Event()
    failure: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(25):
                chain.fund(one, amount)
                chain.fund(two, amount)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failure.append(exc)
        finally:
            done.set()

    def read(straddle: bool = False) -> None:
        with StateReader.open(db) as state:
            a = _stored(state, None, one)
            if straddle:  # wait for the writer to commit another head, then read on in this snapshot
                before = state.state_root
                while _root(db) == before and not done.is_set():
                    time.sleep(0.001)
            seen.append((a, _stored(state, None, two)))
            assert _stored(state, None, one) == a

    writer = threading.Thread(target=write)
    writer.start()
    try:
        straddled = 0
        while not done.is_set():
            read(straddle=straddled < 5)
            straddled += 1
        writer.join()
        read()  # after the last commit
    finally:
        writer.join()
        chain.close()
    assert not failure
    assert all(a - b in (0, amount) for a, b in seen), [s for s in seen if s[0] - s[1] not in (0, amount)]
    assert seen[-1] == (25 * amount, 25 * amount)
