"""Transactions per second on the embedded dev chain: through the node vs raw web3.

- node ETH / node ERC-20: `wallet_send` through the node (fill, ApproveAllPrompter, sign,
  record in the vault, broadcast, receipt), one after another;
- raw ETH / raw ERC-20 (the reference, same chain, same run): sign with eth-account and
  `send_raw_transaction` (an ETH transfer, an MFT transfer), then read the receipt;
- swap end to end: `swap_run` ETH -> MFT (quote, sign, mined), and the same with MFT -> ETH
  (approve + swap);
- raw swap ETH -> MFT (the reference): what a minimal web3 script does on the same chain, in the
  same run: the router's getAmountsOut, the latest block's time for the deadline, sign
  swapExactETHForTokens with a fixed gas limit, send, read the receipt.

Node and raw alternate in turns of 10 transfers (and swap by swap), so a change of load on a
shared machine hits both. Each figure is the median of the rounds; node_vs_raw_* (per round) and
swap_vs_raw (of the medians) are the ratios that count (>= 0.8 for transfers, <= 1.2 for the
swap); swap_vs_raw_paired is the median of each node swap over the raw swap next to it;
load_1min is the machine's load average at the end.

Usage: .venv/bin/python benchmarks/chain.py [--n 100] [--swaps 10] [--rounds 3]
Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
CHUNK = 10  # transfers per turn when node and raw alternate
BOB = "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F"


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--swaps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
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

            from eth_account import Account

            raw_acct = Account.create()  # the reference's own account, holding ETH and MFT like the node's
            await chain.run(lambda: conn.devchain.fund(raw_acct.address, 100 * ETHER))
            await node.call("wallet_send", {"to": raw_acct.address, "amount": "1000", "token": "MFT"})

            async def node_time(token: str, count: int) -> float:
                t = time.perf_counter()
                for _ in range(count):
                    await node.call("wallet_send", {"to": BOB, "amount": "0.001", "token": token})
                return time.perf_counter() - t

            def raw_time(token: bool, count: int) -> float:
                w3 = conn.w3
                mft = w3.eth.contract(address=conn.network.contracts.mft, abi=ERC20_ABI)
                base = w3.eth.get_block("latest")["baseFeePerGas"]
                nonce = w3.eth.get_transaction_count(raw_acct.address)
                data = mft.encode_abi("transfer", args=[BOB, 10**15]) if token else None
                t = time.perf_counter()
                for i in range(count):
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
                    if token:
                        tx.update(to=mft.address, value=0, data=data, gas=60_000)
                    h = w3.eth.send_raw_transaction(raw_acct.sign_transaction(tx).raw_transaction)
                    w3.eth.get_transaction_receipt(h)
                return time.perf_counter() - t

            async def rates_of(token: str) -> tuple[float, float]:
                """(node, raw) transfers per second over `n` of each, run in alternating chunks of
                CHUNK (node, raw, node, raw...): a change of load on a shared machine hits both."""
                spent = [0.0, 0.0]
                for done in range(0, args.n, CHUNK):
                    count = min(CHUNK, args.n - done)
                    spent[0] += await node_time(token, count)
                    spent[1] += await chain.run(raw_time, token != "ETH", count)
                return args.n / spent[0], args.n / spent[1]

            rates: dict[str, list[float]] = {k: [] for k in ("node_eth", "raw_eth", "node_erc20", "raw_erc20")}
            for _ in range(args.rounds):
                for kind, token in (("eth", "ETH"), ("erc20", "MFT")):
                    node_tps, raw_tps = await rates_of(token)
                    rates[f"node_{kind}"].append(node_tps)
                    rates[f"raw_{kind}"].append(raw_tps)
            for k, v in rates.items():
                out[f"{k}_tps"] = round(statistics.median(v), 1)
            for kind in ("eth", "erc20"):
                ratios = [n / r for n, r in zip(rates[f"node_{kind}"], rates[f"raw_{kind}"], strict=True)]
                out[f"node_vs_raw_{kind}"] = round(statistics.median(ratios), 3)

            def raw_swap() -> float:
                from eth_account import Account

                from mainframe_os.node.chain.contracts import abi_of

                w3, dev, net = conn.w3, conn.devchain, conn.network
                acct = Account.create()
                dev.fund(acct.address, 10 * ETHER)
                router = w3.eth.contract(address=net.contracts.router, abi=abi_of("UniswapV2Router02"))
                path = [net.contracts.weth, net.contracts.mft]
                t = time.perf_counter()
                out_min = (
                    router.functions.getAmountsOut(ETHER // 10, path).call({"from": acct.address})[-1] * 995 // 1000
                )
                block = w3.eth.get_block("latest")
                data = router.encode_abi(
                    "swapExactETHForTokens", args=[out_min, path, acct.address, block["timestamp"] + 1200]
                )
                tx = {
                    "type": 2,
                    "chainId": net.chain_id,
                    "nonce": w3.eth.get_transaction_count(acct.address, "pending"),
                    "to": router.address,
                    "value": ETHER // 10,
                    "data": data,
                    "gas": 250_000,
                    "maxFeePerGas": 2 * block["baseFeePerGas"] + 10**9,
                    "maxPriorityFeePerGas": 10**9,
                }
                h = w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
                assert w3.eth.get_transaction_receipt(h)["status"] == 1
                return time.perf_counter() - t

            eth_mft, mft_eth, raw = [], [], []
            for _ in range(args.swaps):
                t = time.perf_counter()
                await node.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.1"})
                eth_mft.append(time.perf_counter() - t)
                raw.append(await chain.run(raw_swap))
                t = time.perf_counter()
                await node.call("swap_run", {"from": "MFT", "to": "ETH", "amount": "500"})
                mft_eth.append(time.perf_counter() - t)
            out["swap_eth_mft_ms_median"] = round(statistics.median(eth_mft) * 1000, 1)
            out["raw_swap_eth_mft_ms_median"] = round(statistics.median(raw) * 1000, 1)
            out["swap_mft_eth_with_approve_ms_median"] = round(statistics.median(mft_eth) * 1000, 1)
            out["swap_vs_raw"] = round(out["swap_eth_mft_ms_median"] / out["raw_swap_eth_mft_ms_median"], 2)
            # the same per pair of neighbouring swaps (node, raw), then the median: less moved by load
            out["swap_vs_raw_paired"] = round(statistics.median(n / r for n, r in zip(eth_mft, raw, strict=True)), 2)
            out["load_1min"] = round(os.getloadavg()[0], 2)  # the machine's load when it ended
        finally:
            await node.close()
    for k, val in out.items():
        print(f"{k:40} {val}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
