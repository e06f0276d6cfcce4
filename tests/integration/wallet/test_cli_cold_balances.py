"""`mfos wallet balances` without a running node: it reads the dev chain's stored state without
loading web3 or py-evm, and prints exactly what the same command prints when it reads through
the opened chain (one formatter, one row shape)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from mainframe_os.node.node import Node
from mainframe_os.node.prompter import ApproveAllPrompter

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[3]

# Runs `mfos` in this process (cli.main with argv returns instead of ending the process), then
# writes which chain libraries got loaded. With "full", the stored-state read is made to decline,
# so the command reads through the opened chain as before.
RUN_CLI = r"""
import json, sys
path, how, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
if how == "full":
    import mainframe_os.node.wallet.stored_balances as stored
    stored.read_stored_balances = lambda *a, **k: None
from mainframe_os import cli
code = cli.main(argv)
chain_libs = ("web3", "eth", "eth_tester", "eth_account", "eth_utils", "eth_keys", "rlp", "py_ecc", "trie")
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(chain_libs))
open(path, "w").write(json.dumps({"code": code, "loaded": loaded}))
"""


def _history(home: Path) -> None:
    """A swap and a token transfer, so the balances are not just the faucet's ETH."""

    async def run() -> None:
        node = Node(home, prompter=ApproveAllPrompter())
        try:
            await node.call("vault_unlock", {"name": "main", "password": PASSWORD})
            await node.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "1.5"})
            await node.call("swap_run", {"from": "ETH", "to": "DAI", "amount": "0.25"})
            await node.call("wallet_send", {"to": "0x" + "42" * 20, "amount": "12.5", "token": "MFT"})
        finally:
            await node.close()

    asyncio.run(run())


def _mfos(home: Path, tmp: Path, how: str, *args: str) -> tuple[str, list[str]]:
    report = tmp / f"{how}.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MFOS_PASSWORD": PASSWORD}
    argv = ["--home", str(home), *args]
    r = subprocess.run(
        [sys.executable, "-c", RUN_CLI, str(report), how, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(report.read_text())
    assert result["code"] == 0, r.stderr
    return r.stdout, result["loaded"]


def test_cold_balances_load_no_chain_library_and_print_what_the_chain_prints(wallet_home: Path, tmp_path: Path) -> None:
    _history(wallet_home)
    for args in (("wallet", "balances", "--vault", "main"), ("--json", "wallet", "balances", "--vault", "main")):
        cold, cold_loaded = _mfos(wallet_home, tmp_path, "cold", *args)
        full, full_loaded = _mfos(wallet_home, tmp_path, "full", *args)
        assert cold == full
        assert cold_loaded == []  # neither web3 nor py-evm nor their helpers
        assert "web3" in full_loaded and "eth" in full_loaded  # the check sees them when they load
    rows = json.loads(cold)
    assert [r["symbol"] for r in rows] == ["ETH", "MFT", "DAI"]
    assert all(int(r["balance"]) > 0 for r in rows)
    assert "MFT" in full and "Mainframe Token" in full
