"""Transactions per second on the embedded dev chain: through the node vs raw web3.

- node ETH / node ERC-20: `wallet_send` through the node (fill, ApproveAllPrompter, sign,
  record in the vault, broadcast, receipt), one after another;
- raw ETH / raw ERC-20 (the reference, same chain, same run): sign with eth-account and
  `send_raw_transaction`, then read the receipt;
- swap end to end: `swap_run` ETH -> MFT (quote, sign, mined), and the same with MFT -> ETH
  (approve + swap).

Usage: .venv/bin/python benchmarks/chain.py [--n 100] [--swaps 10]
Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mainframe_os.node.node import Node  # noqa: E402
from mainframe_os.node.prompter import ApproveAllPrompter  # noqa: E402
from mainframe_os.node.wallet.chain import ChainService  # noqa: E402
from mainframe_os.node.wallet.tokens import ERC20_ABI  # noqa: E402

ETHER = 10**18
BOB = "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F"


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--swaps", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        node = Node(home, prompter=ApproveAllPrompter())
        try:
            await node.call("vault_create", {"name": "bench", "password": "password123"})
            await node.call("identity_create", {"displayName": "Bench"})
            await node.call("wallet_create", {"phrase": (await node.call("wallet_generatePhrase"))["phrase"]})
            await node.call("onramp_start", {"provider": "faucet", "amount": "100"})
            await node.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "10"})
            chain = ChainService.of(node)
            conn = await chain.connection()
            out: dict[str, float | int] = {"n": args.n}

            async def node_rate(token: str) -> float:
                t = time.perf_counter()
                for _ in range(args.n):
                    await node.call("wallet_send", {"to": BOB, "amount": "0.001", "token": token})
                return args.n / (time.perf_counter() - t)

            out["node_eth_tps"] = round(await node_rate("ETH"), 1)
            out["node_erc20_tps"] = round(await node_rate("MFT"), 1)

            def raw_rate(token: bool) -> float:
                from eth_account import Account

                w3, dev = conn.w3, conn.devchain
                acct = Account.create()
                dev.fund(acct.address, 100 * ETHER)
                mft = w3.eth.contract(address=conn.network.contracts.mft, abi=ERC20_ABI)
                base = w3.eth.get_block("latest")["baseFeePerGas"]
                nonce = w3.eth.get_transaction_count(acct.address)
                data = mft.encode_abi("approve", args=[BOB, 1]) if token else None
                t = time.perf_counter()
                for i in range(args.n):
                    tx = {
                        "type": 2,
                        "chainId": conn.network.chain_id,
                        "nonce": nonce + i,
                        "to": BOB,
                        "value": 10**15,
                        "gas": 21_000,
                        "maxFeePerGas": 2 * base + 10**9,
                        "maxPriorityFeePerGas": 10**9,
                    }
                    if token:  # an ERC-20 call of the same shape (approve: the raw account holds no MFT)
                        tx.update(to=mft.address, value=0, data=data, gas=60_000)
                    h = w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
                    w3.eth.get_transaction_receipt(h)
                return args.n / (time.perf_counter() - t)

            out["raw_eth_tps"] = round(await chain.run(raw_rate, False), 1)
            out["raw_erc20_tps"] = round(await chain.run(raw_rate, True), 1)

            eth_mft, mft_eth = [], []
            for _ in range(args.swaps):
                t = time.perf_counter()
                await node.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.1"})
                eth_mft.append(time.perf_counter() - t)
                t = time.perf_counter()
                await node.call("swap_run", {"from": "MFT", "to": "ETH", "amount": "500"})
                mft_eth.append(time.perf_counter() - t)
            out["swap_eth_mft_ms_median"] = round(statistics.median(eth_mft) * 1000, 1)
            out["swap_mft_eth_with_approve_ms_median"] = round(statistics.median(mft_eth) * 1000, 1)
            out["node_vs_raw_eth"] = round(out["node_eth_tps"] / out["raw_eth_tps"], 3)
            out["node_vs_raw_erc20"] = round(out["node_erc20_tps"] / out["raw_erc20_tps"], 3)
        finally:
            await node.close()
    for k, val in out.items():
        print(f"{k:40} {val}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
