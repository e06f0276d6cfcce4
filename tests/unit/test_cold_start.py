"""What a command line process imports: a command served by a running node needs neither web3
nor SQLAlchemy, and the vault's header and KDF load without SQLAlchemy, so a cold command can
start deriving its key before the heavy imports (mainframe_os/cli/startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env, cwd=ROOT)
    return set(out.stdout.split())


def test_the_cli_and_its_socket_client_load_neither_web3_nor_sqlalchemy(tmp_path: Path) -> None:
    code = (
        f"import mainframe_os.cli as cli\nfrom pathlib import Path\ncli._load_commands(home=Path({str(tmp_path)!r}))\n"
        "from mainframe_os.node.transport.local_socket import SocketClient"
    )
    _loaded_after(code)  # the first run in a home reads the registry and caches the declarations
    loaded = _loaded_after(code)
    assert "mainframe_os" in loaded
    assert not loaded & {"web3", "sqlalchemy", "sqlcipher3", "eth_tester", "eth", "PySide6"}


def test_the_vault_header_and_kdf_load_without_sqlalchemy() -> None:
    loaded = _loaded_after("import vault._header, vault._kdf")
    assert "nacl" in loaded
    assert not loaded & {"sqlalchemy", "sqlcipher3"}


def test_the_vault_library_loads_keyring_only_for_a_remembered_key() -> None:
    """A command given its password (a script, $MFOS_PASSWORD) never touches the OS keyring:
    loading it (~0.05 s: importlib.metadata and its backends) waits for a remembered key."""
    loaded = _loaded_after("import vault._store, vault._vault, vault.models")
    assert "sqlalchemy" in loaded
    assert "keyring" not in loaded


def test_the_vault_package_still_offers_its_whole_api() -> None:
    loaded = _loaded_after("from vault import Vault, VaultStore, VaultState, VaultInfo, BackupInfo, validate_name")
    assert "sqlalchemy" in loaded  # loaded on first use, not at `import vault`


def test_the_method_modules_load_without_messaging_libraries() -> None:
    """Every command that opens a vault loads the node's method modules (its registry); messaging
    loads trio and libp2p only when it goes online (~0.1 s of CPU a cold command does not pay)."""
    loaded = _loaded_after("from mainframe_os.node.registry import REGISTRY\nREGISTRY.load()")
    assert "mainframe_os" in loaded
    assert not loaded & {"trio", "libp2p", "web3", "PySide6"}


CHAIN_IMPORTS = r"""
import gc, json, sys
from mainframe_os.cli.startup import import_libraries
import_libraries(chain=True)
print(json.dumps({"modules": sorted(sys.modules), "collecting": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""


def test_a_cold_chain_command_imports_the_chain_without_computing_curve_tables() -> None:
    """py-evm and web3 load (a swap runs the EVM), but py_ecc's BLS12-381 and BN128 modules,
    which compute their tables at import (~0.55 s of CPU), wait for a curve precompile or a
    keystore file (node/chain/deferred_curves.py; tests/integration/chain/test_deferred_curves.py
    runs them). The imports ran with the garbage collector paused, running again afterwards."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", CHAIN_IMPORTS], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    )
    report = json.loads(out.stdout)
    modules = set(report["modules"])
    assert {"web3", "eth_account", "eth.vm.forks.prague", "eth_tester.backends.pyevm.main", "sqlalchemy"} <= modules
    tables = ("py_ecc.bls", "py_ecc.optimized_bls12_381", "py_ecc.bn128", "py_ecc.optimized_bn128")
    assert not [m for m in modules if m.startswith(tables)]
    assert report["collecting"] is True and report["frozen"] > 100_000  # what the imports made


def test_only_chain_commands_import_the_chain_early() -> None:
    from mainframe_os.cli.startup import needs_chain

    assert needs_chain(("wallet", "balances")) and needs_chain(("swap", "run"))
    assert not needs_chain(("contact", "list")) and not needs_chain(("identity", "list"))
    assert not needs_chain(None) and not needs_chain(())
    # a balance read answers from the chain's stored state first (wallet/stored_balances.py)
    assert not needs_chain(("wallet", "balances"), "wallet_getBalances")
    assert needs_chain(("wallet", "send"), "wallet_send")


END_PROCESS = r"""
import atexit, sys, threading
from mainframe_os import cli
atexit.register(lambda: open(sys.argv[1], "w").write("exit handlers ran"))
if sys.argv[2] == "busy":
    stop = threading.Event()
    threading.Thread(target=stop.wait, args=(30,)).start()
    atexit.register(stop.set)
sys.stdout.write("x" * 100_000)  # buffered: no newline, no flush
cli._end_process(3)
print("the ordinary exit")
stop.set()
"""


def test_a_finished_command_ends_its_process_with_its_output_and_exit_handlers(tmp_path: Path) -> None:
    """The `mfos` process skips the interpreter's teardown (~0.4 s after a cold command) but keeps
    what an exit must do: the output whole, the exit code, the atexit handlers."""
    mark = tmp_path / "mark"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", END_PROCESS, str(mark), "idle"], capture_output=True, text=True, env=env)
    assert r.returncode == 3 and r.stdout == "x" * 100_000
    assert mark.read_text() == "exit handlers ran"
    # a thread still working: the ordinary exit, which waits for it
    r = subprocess.run([sys.executable, "-c", END_PROCESS, str(mark), "busy"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout.endswith("the ordinary exit\n"), r.stderr
