"""DevChain.receipt (py-evm's tables, read by the hash's index) answers what eth-tester's
eth_getTransactionReceipt answers: status, block, gas used, effective gas price and logs, for an
EIP-1559 transfer, a legacy one, a token transfer with its Transfer log, a reverted call, and a
transaction that is not the first of its block."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.chain.devchain import DEV_CHAIN_ID, DevChain

from .helpers import fees

ETHER = 10**18


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


def assert_same_receipt(chain: DevChain, tx_hash: bytes) -> None:
    theirs = chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    ours = chain.receipt(bytes(tx_hash))
    assert ours is not None
    assert (ours.status, ours.block, ours.gas_used, ours.effective_gas_price) == (
        theirs["status"],
        theirs["blockNumber"],
        theirs["gasUsed"],
        theirs["effectiveGasPrice"],
    )
    logs = [(g["address"].lower(), [_hex(t) for t in g["topics"]], _hex(g["data"])) for g in theirs["logs"]]
    assert ours.logs == logs


def test_receipts_match_eth_tester(chain: DevChain) -> None:
    w3 = chain.w3
    alice, bob = Account.create(), Account.create()
    chain.fund(alice.address, 10 * ETHER)
    base = {"chainId": DEV_CHAIN_ID, "to": bob.address, "value": 12345, "gas": 21_000}

    def send(tx: dict[str, Any]) -> bytes:
        nonce = w3.eth.get_transaction_count(alice.address, "pending")
        return bytes(w3.eth.send_raw_transaction(alice.sign_transaction({**tx, "nonce": nonce}).raw_transaction))

    send_1559 = send({**base, "type": 2, **fees(w3)})
    legacy = send({**base, "gasPrice": 3 * 10**9})
    mft = w3.eth.contract(address=chain.deployment.mft, abi=abi_of("MFT"))
    data = mft.encode_abi("transfer", args=[bob.address, 0])
    token = send({**base, "type": 2, **fees(w3), "to": mft.address, "value": 0, "data": data, "gas": 80_000})
    too_much = mft.encode_abi("transfer", args=[bob.address, ETHER])  # alice holds no MFT: reverts, mined
    reverted = send({**base, "type": 2, **fees(w3), "to": mft.address, "value": 0, "data": too_much, "gas": 80_000})
    for tx_hash in (send_1559, legacy, token, reverted):
        assert_same_receipt(chain, tx_hash)
    assert chain.receipt(token) is not None and len(chain.receipt(token).logs) == 1  # type: ignore[union-attr]
    assert chain.receipt(reverted).status == 0  # type: ignore[union-attr]
    assert chain.receipt(b"\x01" * 32) is None  # never sent


def test_a_receipt_later_in_its_block(chain: DevChain) -> None:
    """Gas used is the receipt's cumulative gas minus the one before it in the block."""
    w3 = chain.w3
    backend = chain._backend
    alice = Account.create()
    chain.fund(alice.address, ETHER)
    builder = backend.chain.get_vm().get_transaction_builder()
    hashes = []
    with backend._writing():  # two transactions in one block, as py-evm mines them without automine
        for nonce in range(2):
            tx = {"chainId": DEV_CHAIN_ID, "to": Web3.to_checksum_address("0x" + "22" * 20), "value": 1}
            tx.update(nonce=nonce, gas=21_000, type=2, **fees(w3))
            signed = builder.decode(bytes(alice.sign_transaction(tx).raw_transaction))
            backend.chain.apply_transaction(signed)
            hashes.append(bytes(signed.hash))
        assert chain.receipt(hashes[1]) is None  # pending: not mined yet
        backend.chain.mine_block()
    for tx_hash in hashes:
        assert_same_receipt(chain, tx_hash)
    assert chain.receipt(hashes[1]).gas_used == 21_000  # type: ignore[union-attr]


def test_the_node_s_direct_send_mines_what_eth_tester_would(chain: DevChain) -> None:
    """DevChain.send_raw goes straight to the backend (one decode, one SQLite transaction for the
    transaction and its block) and keeps the receipt it mined: what eth-tester answers for it, and
    what the tables give back once that is dropped. A refusal changes nothing."""
    w3 = chain.w3
    alice, bob = Account.create(), Account.create()
    chain.fund(alice.address, ETHER)
    head = w3.eth.block_number
    tx = {"type": 2, "chainId": DEV_CHAIN_ID, "to": bob.address, "value": 777, "gas": 21_000, "nonce": 0, **fees(w3)}
    signed = alice.sign_transaction(tx)
    chain.send_raw(bytes(signed.raw_transaction))
    assert w3.eth.block_number == head + 1 and w3.eth.get_balance(bob.address) == 777
    mined = w3.eth.get_block(head + 1)
    assert [bytes(h) for h in mined["transactions"]] == [bytes(signed.hash)]
    kept = chain._last_receipt
    assert kept is not None and kept[0] == bytes(signed.hash)
    assert_same_receipt(chain, bytes(signed.hash))  # the kept one
    chain._last_receipt = None
    assert chain.receipt(bytes(signed.hash)) == kept[2]  # read back from the tables: the same
    with pytest.raises(Exception, match="nonce"):  # the same bytes again: refused, nothing mined
        chain.send_raw(bytes(signed.raw_transaction))
    assert w3.eth.block_number == head + 1 and w3.eth.get_balance(bob.address) == 777


def test_a_filter_still_sees_the_node_s_sends(chain: DevChain) -> None:
    """With a dapp's block or log filter installed, sends take eth-tester's way, which feeds it."""
    w3 = chain.w3
    alice = Account.create()
    chain.fund(alice.address, ETHER)
    blocks = w3.eth.filter("latest")
    try:
        tx = {"type": 2, "chainId": DEV_CHAIN_ID, "to": alice.address, "value": 1, "gas": 21_000, "nonce": 0}
        chain.send_raw(bytes(alice.sign_transaction({**tx, **fees(w3)}).raw_transaction))
        assert [bytes(h) for h in blocks.get_new_entries()] == [bytes(w3.eth.get_block("latest")["hash"])]
    finally:
        w3.eth.uninstall_filter(blocks.filter_id)
