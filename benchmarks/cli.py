"""The command line's start: a cold `mfos` command (no node running) next to the key derivation
alone, and the same command through a running `mfos node`, all in the same run.

- kdf alone (the reference): a fresh interpreter that imports PyNaCl, reads the vault's header
  and derives its key with the vault's own Argon2id parameters: what no unlock can avoid;
- cold `mfos wallet balances` and `mfos swap run` (ETH -> MFT, --yes): process start to exit;
- `mfos wallet balances` through the socket of a running `mfos node` (after its first call,
  which opens the node's chain), next to a bare `python -c pass` (the interpreter's own start).

More references say what a cold command cannot avoid, each in a fresh process: importing the
vault's libraries (SQLAlchemy, SQLCipher and the vault package: every command that opens a vault
loads them; a cold balance read needs nothing more, since it reads the dev chain's stored state
without py-evm: node/wallet/stored_balances.py); and, for a command that runs the EVM (a swap),
importing py-evm alone (eth-tester's py-evm backend; py_ecc computes BLS12-381 and BN128 tables at
import) and py-evm with web3, SQLAlchemy and SQLCipher; and what a cold swap imports the way it
does (cli/startup.py: the curve tables deferred, the garbage collector paused), the node's method
modules included: the part of a cold swap before its unlock and its run on the chain.

Targets: cold balances <= KDF + 0.5 s, cold swap <= KDF + 1 s, through the socket <= 100 ms.

    .venv/bin/python benchmarks/cli.py [--runs 3]

Figures are medians of the runs; each run's overhead is taken against that run's own KDF time.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark password 1"

SETUP = r"""
import asyncio, sys
from mainframe_os.node.node import Node
async def main():
    n = Node(sys.argv[1])
    await n.call("vault_create", {"name": "main", "password": sys.argv[2]})
    await n.call("identity_create", {"displayName": "Bench"})
    await n.call("wallet_create", {"phrase": (await n.call("wallet_generatePhrase"))["phrase"]})
    await n.close()
asyncio.run(main())
"""

KDF_ALONE = r"""
import base64, json, sys
from pathlib import Path
from nacl.pwhash import argon2id
kdf = json.loads((Path(sys.argv[1]) / "vaults" / "main" / "header.json").read_text())["kdf"]
salt = base64.b64decode(kdf["salt"])
argon2id.kdf(32, sys.argv[2].encode(), salt, opslimit=kdf["opslimit"], memlimit=kdf["memlimit"])
"""


# each ends as `mfos` does (cli._end_process): the interpreter's teardown is no part of the floor
PYEVM_IMPORT = "import os, eth_tester.backends.pyevm.main; os._exit(0)"
LIBRARIES_IMPORT = "import os, sqlalchemy.orm, sqlcipher3, web3, eth_tester.backends.pyevm.main; os._exit(0)"
VAULT_IMPORT = "import os, sqlalchemy.orm, sqlcipher3, vault._vault, vault.models; os._exit(0)"
SWAP_IMPORTS = (
    "import os; from mainframe_os.cli import startup; startup.import_libraries(chain=True, web3=False); os._exit(0)"
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["MFOS_PASSWORD"] = PASSWORD
    return env


CPU: dict[str, list[float]] = {}  # the CPU time (user + system) of each measured process, by row


def wall(cmd: list[str], row: str | None = None) -> float:
    """The process's wall time; its CPU time goes to CPU[row] (steadier than wall on a busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if row is not None:
        CPU.setdefault(row, []).append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return elapsed


def mfos(home: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "mainframe_os.cli", "--home", home, *args]


def compile_bytecode() -> None:
    """Write the project's bytecode first, as installing it does (pip compiles every module): a
    checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile each module from source
    in every measured process, while the reference's libraries load their installed bytecode."""
    dirs = [str(ROOT / "mainframe_os"), str(ROOT / "vault")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *dirs], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    runs = ap.parse_args().runs
    compile_bytecode()
    keys = ("kdf", "vault", "pyevm", "libraries", "swap_imports", "balances", "swap", "python", "socket")
    rows: dict[str, list[float]] = {k: [] for k in keys}
    with tempfile.TemporaryDirectory() as home:
        subprocess.run([sys.executable, "-c", SETUP, home, PASSWORD], check=True, cwd=ROOT, env=_env())
        swap = ("swap", "run", "--vault", "main", "--from", "ETH", "--to", "MFT", "--amount", "0.01")
        wall([*mfos(home, "--yes", *swap)])  # first start: the dev chain deploys its contracts
        for _ in range(runs):
            rows["kdf"].append(wall([sys.executable, "-c", KDF_ALONE, home, PASSWORD], "kdf"))
            rows["vault"].append(wall([sys.executable, "-c", VAULT_IMPORT], "vault"))
            rows["pyevm"].append(wall([sys.executable, "-c", PYEVM_IMPORT], "pyevm"))
            rows["libraries"].append(wall([sys.executable, "-c", LIBRARIES_IMPORT], "libraries"))
            rows["swap_imports"].append(wall([sys.executable, "-c", SWAP_IMPORTS], "swap_imports"))
            rows["balances"].append(wall(mfos(home, "wallet", "balances", "--vault", "main"), "balances"))
            rows["swap"].append(wall(mfos(home, "--yes", *swap), "swap"))
        node = subprocess.Popen(mfos(home, "node", "--vault", "main"), cwd=ROOT, env=_env(), stderr=subprocess.PIPE)
        try:
            assert node.stderr is not None
            for line in node.stderr:  # "Node serving vault ..." once the socket listens
                if b"serving" in line:
                    break
            wall(mfos(home, "wallet", "balances", "--vault", "main"))  # the node opens its chain once
            for _ in range(max(runs, 5)):  # short processes: a few more rounds
                rows["python"].append(wall([sys.executable, "-c", "pass"], "python"))
                rows["socket"].append(wall(mfos(home, "wallet", "balances", "--vault", "main"), "socket"))
        finally:
            node.terminate()
            node.wait(30)
    med = statistics.median
    result = {
        "runs": runs,
        "kdf_alone_s": round(med(rows["kdf"]), 3),
        "vault_libraries_import_s": round(med(rows["vault"]), 3),
        "pyevm_import_s": round(med(rows["pyevm"]), 3),
        "chain_and_vault_libraries_import_s": round(med(rows["libraries"]), 3),
        "cold_swap_imports_s": round(med(rows["swap_imports"]), 3),
        "cold_wallet_balances_s": round(med(rows["balances"]), 3),
        "cold_swap_run_s": round(med(rows["swap"]), 3),
        "python_start_s": round(med(rows["python"]), 3),
        "socket_wallet_balances_s": round(med(rows["socket"]), 3),
        "cold_balances_minus_kdf_s": round(med([b - k for b, k in zip(rows["balances"], rows["kdf"], strict=True)]), 3),
        "cold_swap_minus_kdf_s": round(med([s - k for s, k in zip(rows["swap"], rows["kdf"], strict=True)]), 3),
        # CPU seconds (user + system, all threads) of the same processes: steadier on a busy machine
        "cpu_s": {row: round(med(v), 3) for row, v in CPU.items()},
    }
    print(f"KDF alone (fresh process, vault's Argon2id):  {result['kdf_alone_s']:.3f} s")
    print(
        f"mfos wallet balances, cold:                  {result['cold_wallet_balances_s']:.3f} s "
        f"(KDF + {result['cold_balances_minus_kdf_s']:.3f} s; target KDF + 0.5 s)"
    )
    print(
        f"mfos swap run, cold:                         {result['cold_swap_run_s']:.3f} s "
        f"(KDF + {result['cold_swap_minus_kdf_s']:.3f} s; target KDF + 1 s)"
    )
    print(f"importing the vault's libraries alone:       {result['vault_libraries_import_s']:.3f} s")
    print(
        f"importing py-evm alone (fresh process):      {result['pyevm_import_s']:.3f} s; py-evm, web3, SQLAlchemy "
        f"and SQLCipher: {result['chain_and_vault_libraries_import_s']:.3f} s"
    )
    print(f"a cold swap's imports, as it makes them:      {result['cold_swap_imports_s']:.3f} s")
    print(
        f"mfos wallet balances, through the socket:    {result['socket_wallet_balances_s']:.3f} s (target 0.1 s; "
        f"python -c pass {result['python_start_s']:.3f} s)"
    )
    print("CPU seconds of the same processes: " + ", ".join(f"{k} {v:.3f}" for k, v in result["cpu_s"].items()))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
