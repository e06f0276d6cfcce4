"""A transaction run ahead before its approval (chain/ahead.py) is mined with that run's outcome
only when the signed bytes are exactly that transaction on the same pending block: then the block
is the one an ordinary send makes (state, receipts, transactions, gas, logs), and the EVM does not
run it again. Another transaction first, other fields, another sender or a stale run: the signed
bytes run the ordinary way."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_canonical_address

from mainframe_os.node.chain import ahead as ahead_module
from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.chain.devchain import DEV_CHAIN_ID, DevChain

from .helpers import fees

ETHER = 10**18
NOW = 1_900_000_000  # the clock both chains of the parity test read


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[DevChain]:
    with DevChain.open(tmp_path / "chain") as chain:
        yield chain


def _swap(chain: DevChain, user: LocalAccount, value: int = ETHER // 10, nonce: int = 0) -> dict[str, Any]:
    """A filled swapExactETHForTokens ETH -> MFT from `user`, as the node fills it."""
    dep = chain.deployment
    router = chain.w3.eth.contract(address=dep.router, abi=abi_of("UniswapV2Router02"))
    data = router.encode_abi("swapExactETHForTokens", args=[1, [dep.weth, dep.mft], user.address, 2**40])
    tx = {"type": 2, "chainId": DEV_CHAIN_ID, "nonce": nonce, "to": dep.router, "value": value, "gas": 250_000}
    return {**tx, "data": data, **fees(chain.w3)}


def _run_ahead(chain: DevChain, user: LocalAccount, tx: dict[str, Any]) -> bool:
    fields = {
        "chain_id": tx["chainId"],
        "nonce": tx["nonce"],
        "max_priority_fee_per_gas": tx["maxPriorityFeePerGas"],
        "max_fee_per_gas": tx["maxFeePerGas"],
        "gas": tx["gas"],
        "to": to_canonical_address(tx["to"]),
        "value": tx["value"],
        "data": bytes.fromhex(tx["data"][2:]),
    }
    return chain.run_ahead(to_canonical_address(user.address), fields)


def _count_runs(chain: DevChain, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the chain applies a transaction the ordinary way (one EVM run each)."""
    runs: list[int] = []
    mining_chain = chain._backend.chain
    ordinary = mining_chain.apply_transaction

    def counted(tx: Any) -> Any:
        runs.append(1)
        return ordinary(tx)

    monkeypatch.setattr(mining_chain, "apply_transaction", counted)
    return runs


def _mft(chain: DevChain, who: str) -> int:
    token = chain.w3.eth.contract(address=chain.deployment.mft, abi=abi_of("MFT"))
    return int(token.functions.balanceOf(who).call())


def _funded(chain: DevChain) -> LocalAccount:
    user: LocalAccount = Account.create()
    chain.fund(user.address, 10 * ETHER)
    return user


def test_the_block_is_the_one_an_ordinary_send_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mainframe_os.node.chain._backend.time.time", lambda: NOW)
    with DevChain.open(tmp_path / "a") as chain:
        user = _funded(chain)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    blocks, receipts = [], []
    for folder, ahead in (("a", True), ("b", False)):
        with DevChain.open(tmp_path / folder) as chain:
            runs = _count_runs(chain, monkeypatch)
            tx = _swap(chain, user)
            if ahead:
                assert _run_ahead(chain, user, tx)
            signed = user.sign_transaction(tx)
            chain.send_raw(bytes(signed.raw_transaction))
            assert runs == ([] if ahead else [1])  # run ahead: the EVM did not run it a second time
            block = chain.w3.eth.get_block("latest")
            blocks.append({k: block[k] for k in ("number", "stateRoot", "receiptsRoot", "transactionsRoot",
                                                  "gasUsed", "logsBloom", "timestamp", "baseFeePerGas")})
            receipt = dict(chain.w3.eth.get_transaction_receipt(signed.hash))
            kept = {k: receipt[k] for k in ("status", "gasUsed", "effectiveGasPrice", "blockNumber")}
            # the block hash differs: each mined block draws its own prevrandao
            kept["logs"] = [{k: v for k, v in g.items() if k != "blockHash"} for g in receipt["logs"]]
            receipts.append(kept)
            assert receipt["status"] == 1 and _mft(chain, user.address) > 0
    assert blocks[0] == blocks[1]
    assert receipts[0] == receipts[1]


def test_another_transaction_first_runs_it_again(chain: DevChain, monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone else's swap lands between the run ahead and the send: the reserves moved, so the
    send gets what the pool gives now, not what the run ahead saw."""
    user, other = _funded(chain), _funded(chain)
    tx = _swap(chain, user)
    assert _run_ahead(chain, user, tx)
    chain.send_raw(bytes(other.sign_transaction(_swap(chain, other, value=ETHER)).raw_transaction))
    dep = chain.deployment
    router = chain.w3.eth.contract(address=dep.router, abi=abi_of("UniswapV2Router02"))
    now = router.functions.getAmountsOut(tx["value"], [dep.weth, dep.mft]).call()[-1]
    runs = _count_runs(chain, monkeypatch)
    chain.send_raw(bytes(user.sign_transaction(tx).raw_transaction))
    assert runs == [1]
    assert _mft(chain, user.address) == now


def test_other_fields_another_sender_or_a_stale_run_run_it_again(
    chain: DevChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, other = _funded(chain), _funded(chain)
    runs = _count_runs(chain, monkeypatch)
    # another amount than the one run ahead: the signed one's amount is swapped
    tx = _swap(chain, user)
    assert _run_ahead(chain, user, tx)
    chain.send_raw(bytes(user.sign_transaction({**tx, "value": ETHER // 5}).raw_transaction))
    assert len(runs) == 1 and chain.w3.eth.get_transaction_count(user.address) == 1
    # the same fields signed by someone else: their transaction runs, not the run ahead's outcome
    tx = _swap(chain, user, nonce=1)
    assert _run_ahead(chain, user, tx)
    paid = chain.w3.eth.get_balance(other.address)
    chain.send_raw(bytes(other.sign_transaction({**tx, "nonce": 0}).raw_transaction))
    assert len(runs) == 2 and chain.w3.eth.get_transaction_count(other.address) == 1
    assert paid - chain.w3.eth.get_balance(other.address) > tx["value"]  # they paid the swap and its fee
    assert chain.w3.eth.get_transaction_count(user.address) == 1  # the user's run ahead left nothing
    # a run older than AHEAD_TTL: the block would carry a stale timestamp
    monkeypatch.setattr(ahead_module, "AHEAD_TTL", -1.0)
    tx = _swap(chain, user, nonce=1)
    assert _run_ahead(chain, user, tx)
    chain.send_raw(bytes(user.sign_transaction(tx).raw_transaction))
    assert len(runs) == 3 and chain.w3.eth.get_transaction_count(user.address) == 2


def test_a_failing_run_ahead_keeps_nothing_and_writes_nothing(chain: DevChain) -> None:
    user = _funded(chain)
    head = chain.w3.eth.block_number
    dep = chain.deployment
    router = chain.w3.eth.contract(address=dep.router, abi=abi_of("UniswapV2Router02"))
    greedy = router.encode_abi("swapExactETHForTokens", args=[10**40, [dep.weth, dep.mft], user.address, 2**40])
    assert not _run_ahead(chain, user, {**_swap(chain, user), "data": greedy})  # reverts: INSUFFICIENT_OUTPUT
    assert chain._backend._ahead is None
    with pytest.raises(Exception, match="nonce"):  # a refusal is py-evm's, as for a send
        _run_ahead(chain, user, _swap(chain, user, nonce=5))
    too_much = {**_swap(chain, user), "value": 100 * ETHER}
    with pytest.raises(Exception, match="(?i)insufficient|balance"):
        _run_ahead(chain, user, too_much)
    assert chain.w3.eth.block_number == head and chain.w3.eth.get_transaction_count(user.address) == 0
    assert _mft(chain, user.address) == 0
