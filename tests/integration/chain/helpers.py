"""Small helpers shared by the chain tests: sign locally, send raw, wait."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxReceipt

PRIORITY_FEE = 10**9


def fees(w3: Web3) -> dict[str, int]:
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    return {"maxFeePerGas": 2 * base + PRIORITY_FEE, "maxPriorityFeePerGas": PRIORITY_FEE}


def send_raw(w3: Web3, account: LocalAccount, tx: dict[str, Any]) -> TxReceipt:
    """Fill nonce/chain id/EIP-1559 fees, sign with eth-account, send raw, wait for the receipt.

    ``gas`` must be in ``tx`` (tests choose between an estimate and a fixed limit).
    """
    full = {
        "type": 2,
        "chainId": w3.eth.chain_id,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "value": 0,
        **fees(w3),
        **tx,
    }
    full.pop("from", None)
    signed = account.sign_transaction(full)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
