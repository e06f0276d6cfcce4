"""`mfos swap run` without a running node: the swap runs on the dev chain as through a node (quote,
simulation, approval by --yes, confirmed, recorded), and the process never computes py_ecc's
BLS12-381 or BN128 tables, which nothing in a swap uses (node/chain/deferred_curves.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[3]

# `mfos` in this process (cli.main with argv returns instead of ending the process), then which
# of py_ecc's modules got loaded.
RUN_CLI = r"""
import json, sys
path, argv = sys.argv[1], sys.argv[2:]
from mainframe_os import cli
code = cli.main(argv)
loaded = sorted(m for m in sys.modules if m.startswith("py_ecc."))
open(path, "w").write(json.dumps({"code": code, "loaded": loaded}))
"""


def _mfos(home: Path, tmp: Path, *args: str) -> tuple[str, list[str]]:
    report = tmp / "report.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MFOS_PASSWORD": PASSWORD}
    r = subprocess.run(
        [sys.executable, "-c", RUN_CLI, str(report), "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(report.read_text())
    assert result["code"] == 0, r.stderr
    return r.stdout, result["loaded"]


def test_a_cold_swap_runs_without_computing_curve_tables(wallet_home: Path, tmp_path: Path) -> None:
    swap = ("--yes", "--json", "swap", "run", "--vault", "main", "--from", "ETH", "--to", "MFT", "--amount", "0.01")
    out, loaded = _mfos(wallet_home, tmp_path, *swap)
    result = json.loads(out)
    assert result["status"] == "confirmed" and int(result["received"]) > 0, result
    assert not [m for m in loaded if m.startswith(("py_ecc.bls", "py_ecc.optimized_bls12_381", "py_ecc.optimized_bn"))]
    out, _ = _mfos(wallet_home, tmp_path, "--json", "wallet", "history", "--vault", "main")
    assert result["hash"] in out  # recorded in the vault's history like any swap
