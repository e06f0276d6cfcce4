"""Swap exactness on the embedded dev chain.

30 random swaps (ETH->MFT and MFT->ETH, random amounts) through the project's Uniswap V2
router on a fresh temporary dev chain. For each: the router's getAmountsOut quote must equal
the constant-product formula with the 0.3% fee computed here in Python,
amountOut = (in*997*R_out) // (R_in*1000 + in*997), to the wei, and the amount the user
received must equal the quote. The reference measured in the same run is that Python formula.

Usage: .venv/bin/python benchmarks/swap_exactness.py [--swaps N] [--seed S]
Last line: JSON {"swaps": N, "exact": N, ...}.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eth_account import Account  # noqa: E402

from mainframe_os.node.chain.contracts import abi_of  # noqa: E402
from mainframe_os.node.chain.devchain import DevChain  # noqa: E402

ETHER = 10**18


def formula(amount_in: int, r_in: int, r_out: int) -> int:
    return (amount_in * 997 * r_out) // (r_in * 1000 + amount_in * 997)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        chain = DevChain.open(Path(tmp) / "chain")
        open_seconds = time.perf_counter() - t0
        try:
            w3, dep = chain.w3, chain.deployment
            user = Account.create()
            chain.fund(user.address, 1000 * ETHER)
            router = w3.eth.contract(address=dep.router, abi=abi_of("UniswapV2Router02"))
            mft = w3.eth.contract(address=dep.mft, abi=abi_of("MFT"))
            pair = w3.eth.contract(address=dep.pair_eth_mft, abi=abi_of("UniswapV2Pair"))
            weth_is_token0 = pair.functions.token0().call() == dep.weth
            nonce = 0

            def send(fn: object, value: int = 0) -> dict:
                nonlocal nonce
                tx = fn.build_transaction({  # type: ignore[attr-defined]
                    "from": user.address, "value": value, "gas": 400_000, "nonce": nonce,
                    "maxFeePerGas": 10 * 10**9, "maxPriorityFeePerGas": 10**9,
                    "chainId": w3.eth.chain_id,
                })  # fmt: skip
                nonce += 1
                tx_hash = w3.eth.send_raw_transaction(user.sign_transaction(tx).raw_transaction)
                receipt = dict(w3.eth.wait_for_transaction_receipt(tx_hash))
                assert receipt["status"] == 1, receipt
                return receipt

            send(mft.functions.approve(dep.router, 2**256 - 1))
            exact, gas_used, swap_ms, rows = 0, [], [], []
            for i in range(args.swaps):
                r0, r1, _ = pair.functions.getReserves().call()
                r_eth, r_mft = (r0, r1) if weth_is_token0 else (r1, r0)
                deadline = w3.eth.get_block("latest")["timestamp"] + 600
                eth_to_mft = i % 2 == 0 or mft.functions.balanceOf(user.address).call() == 0
                if eth_to_mft:
                    amount_in = rng.randrange(10**9, 5 * ETHER)  # 1 gwei .. 5 ETH
                    path, r_in, r_out = [dep.weth, dep.mft], r_eth, r_mft
                else:
                    held = mft.functions.balanceOf(user.address).call()
                    amount_in = rng.randrange(1, held + 1)
                    path, r_in, r_out = [dep.mft, dep.weth], r_mft, r_eth
                quote = router.functions.getAmountsOut(amount_in, path).call()[-1]
                expected = formula(amount_in, r_in, r_out)
                t = time.perf_counter()
                if eth_to_mft:
                    before = mft.functions.balanceOf(user.address).call()
                    receipt = send(router.functions.swapExactETHForTokens(
                        quote, path, user.address, deadline), value=amount_in)  # fmt: skip
                    received = mft.functions.balanceOf(user.address).call() - before
                else:
                    before = w3.eth.get_balance(user.address)
                    receipt = send(router.functions.swapExactTokensForETH(
                        amount_in, quote, path, user.address, deadline))  # fmt: skip
                    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
                    received = w3.eth.get_balance(user.address) - before + fee
                swap_ms.append((time.perf_counter() - t) * 1000)
                gas_used.append(receipt["gasUsed"])
                ok = quote == expected == received
                exact += ok
                direction = "ETH->MFT" if eth_to_mft else "MFT->ETH"
                rows.append(ok)
                print(f"{i + 1:2d} {direction} in={amount_in} quote={quote} formula={expected} "
                      f"received={received} {'exact' if ok else 'MISMATCH'}")  # fmt: skip
        finally:
            chain.close()

    result = {
        "swaps": args.swaps,
        "exact": exact,
        "seed": seed,
        "open_seconds": round(open_seconds, 3),
        "deploy_seconds": round(chain.deploy_seconds or 0.0, 3),
        "swap_ms_median": round(statistics.median(swap_ms), 1),
        "gas_used_min": min(gas_used),
        "gas_used_max": max(gas_used),
        "seconds": round(time.perf_counter() - started, 3),
    }
    assert exact == args.swaps, f"{args.swaps - exact} swaps were not exact"
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
