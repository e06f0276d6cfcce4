"""`mfos swap run` without a running node: the swap runs on the dev chain as through a node (quote,
simulation, approval by --yes, confirmed, recorded), and the process never computes py_ecc's
BLS12-381 or BN128 tables, which nothing in a swap uses (node/chain/deferred_curves.py), nor
imports web3 (~0.3 s): on the embedded chain a swap's reads, calls, estimate and broadcast go to
py-evm and eth-tester directly (wallet/rpc.py)."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import PASSWORD
from .helpers import mfos_with_modules


def _mfos(home: Path, tmp: Path, *args: str) -> tuple[str, list[str]]:
    """stdout, and which of py_ecc's and web3's modules the command loaded."""
    out, modules = mfos_with_modules(home, tmp, *args, password=PASSWORD, timeout=180)
    return out, [m for m in modules if m.startswith(("py_ecc.", "web3"))]


def test_a_cold_swap_runs_without_computing_curve_tables(wallet_home: Path, tmp_path: Path) -> None:
    swap = ("--yes", "--json", "swap", "run", "--vault", "main", "--from", "ETH", "--to", "MFT", "--amount", "0.01")
    out, loaded = _mfos(wallet_home, tmp_path, *swap)
    result = json.loads(out)
    assert result["status"] == "confirmed" and int(result["received"]) > 0, result
    assert not [m for m in loaded if m.startswith(("py_ecc.bls", "py_ecc.optimized_bls12_381", "py_ecc.optimized_bn"))]
    assert not [m for m in loaded if m.startswith("web3")]
    # back, with the router's allowance first (approve, then swap): web3 stays out too
    back = ("--yes", "--json", "swap", "run", "--vault", "main", "--from", "MFT", "--to", "ETH", "--amount", "1")
    out_back, loaded = _mfos(wallet_home, tmp_path, *back)
    assert json.loads(out_back)["status"] == "confirmed" and not [m for m in loaded if m.startswith("web3")]
    out, _ = _mfos(wallet_home, tmp_path, "--json", "wallet", "history", "--vault", "main")
    assert result["hash"] in out and json.loads(out_back)["hash"] in out  # recorded like any swap
