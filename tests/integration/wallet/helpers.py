"""Shared bits for the wallet tests: anvil as a custom network, raw sends, reserves."""

from __future__ import annotations

import time
from typing import Any

from eth_account import Account
from web3 import Web3

from mainframe_os.node.chain.contracts import abi_of

ETHER = 10**18


def raw_send(w3: Web3, key: str | bytes, tx: dict[str, Any], nonce: int | None = None, wait: bool = True) -> str:
    acct = Account.from_key(key)
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    full = {
        "type": 2,
        "chainId": w3.eth.chain_id,
        "value": 0,
        "gas": 21_000,
        "nonce": w3.eth.get_transaction_count(acct.address, "pending") if nonce is None else nonce,
        "maxFeePerGas": 2 * base + 10**9,
        "maxPriorityFeePerGas": 10**9,
        **tx,
    }
    h = w3.eth.send_raw_transaction(acct.sign_transaction(full).raw_transaction)
    if wait:
        w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.05)
    return "0x" + bytes(h).hex()


def reserves(w3: Web3, router: str, token_in: str, token_out: str) -> tuple[int, int]:
    r = w3.eth.contract(address=router, abi=abi_of("UniswapV2Router02"))
    factory = w3.eth.contract(address=r.functions.factory().call(), abi=abi_of("UniswapV2Factory"))
    pair = w3.eth.contract(address=factory.functions.getPair(token_in, token_out).call(), abi=abi_of("UniswapV2Pair"))
    r0, r1, _ = pair.functions.getReserves().call()
    return (r0, r1) if pair.functions.token0().call() == token_in else (r1, r0)


def formula(amount_in: int, r_in: int, r_out: int) -> int:
    return (amount_in * 997 * r_out) // (r_in * 1000 + amount_in * 997)


def move_price(w3: Web3, key: str | bytes, router: str, weth: str, token: str, wei: int) -> None:
    """Someone else buys the token first (the price moves against a pending ETH->token swap)."""
    r = w3.eth.contract(address=router, abi=abi_of("UniswapV2Router02"))
    # The dev chain stamps the next block with the wall clock once it sat idle: a deadline from
    # the last block's time alone is already past when the session's chain is older than 10 min.
    deadline = max(int(w3.eth.get_block("latest")["timestamp"]), int(time.time())) + 600
    data = r.encode_abi("swapExactETHForTokens", args=[0, [weth, token], Account.from_key(key).address, deadline])
    raw_send(w3, key, {"to": router, "value": wei, "data": data, "gas": 300_000})
