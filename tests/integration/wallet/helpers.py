"""Shared bits for the wallet tests: anvil as a custom network, raw sends, reserves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
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


ROOT = Path(__file__).resolve().parents[3]

# Runs `mfos` in a fresh process through cli.main (which returns instead of ending the process),
# then writes its exit code and every module the command loaded. With "full" first, the stored-state
# read is made to decline, so a balance read goes through the opened chain.
RUN_CLI = r"""
import json, sys
path, how, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
if how == "full":
    import mainframe_os.node.wallet.stored_balances as stored
    stored.read_stored_balances = lambda *a, **k: None
from mainframe_os import cli
code = cli.main(argv)
open(path, "w").write(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def mfos_with_modules(
    home: Path, tmp: Path, *args: str, password: str, full: bool = False, timeout: float = 120
) -> tuple[str, list[str]]:
    """`mfos --home HOME ARGS` as a cold process: its stdout and the modules it loaded."""
    fd, report = tempfile.mkstemp(dir=tmp, suffix=".json")
    os.close(fd)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MFOS_PASSWORD": password}
    argv = [str(report), "full" if full else "cold", "--home", str(home), *args]
    r = subprocess.run(
        [sys.executable, "-c", RUN_CLI, *argv], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(Path(report).read_text())
    assert result["code"] == 0, r.stderr
    return r.stdout, result["modules"]
