"""`mfos wallet balances` without a running node: it reads the dev chain's stored state without
loading web3 or py-evm, and prints exactly what the same command prints when it reads through
the opened chain (one formatter, one row shape)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from mainframe_os.node.node import Node
from mainframe_os.node.prompter import ApproveAllPrompter

from .conftest import PASSWORD
from .helpers import mfos_with_modules

CHAIN_LIBS = {"web3", "eth", "eth_tester", "eth_account", "eth_utils", "eth_keys", "rlp", "py_ecc", "trie"}


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
    """stdout, and which chain libraries the command loaded."""
    out, modules = mfos_with_modules(home, tmp, *args, full=how == "full", password=PASSWORD)
    return out, sorted({m.split(".")[0] for m in modules} & CHAIN_LIBS)


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
