"""Small things a user or a script can get wrong: NaN request ids, the mode of an existing
--home folder, a node keeping the password in its environment."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mainframe_os.node.context import CallerContext
from mainframe_os.node.node import Node
from mainframe_os.node.paths import HomePaths

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_ids_are_refused(tmp_path: Path, literal: str) -> None:
    node = Node(tmp_path / "home")
    try:
        out = await node.handle_text(
            f'{{"jsonrpc": "2.0", "id": {literal}, "method": "node_version"}}', CallerContext.cli()
        )
        assert out is not None
        reply = json.loads(out)  # strict JSON: it must parse (a NaN echoed back would not)
        assert reply["error"]["code"] == -32700 and reply["id"] is None
    finally:
        await node.close()


def test_an_existing_home_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    paths = HomePaths.resolve(shared).ensure()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE(paths.vaults.stat().st_mode) == 0o700  # the private parts are private
    fresh = HomePaths.resolve(tmp_path / "new" / "home").ensure()
    assert stat.S_IMODE(fresh.root.stat().st_mode) == 0o700


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc (Linux)")
def test_the_node_drops_the_password_from_its_environment(tmp_path: Path) -> None:
    from vault import KdfParams, VaultStore

    home = tmp_path / "home"
    password = "a very particular password 7f3a"
    VaultStore(home / "vaults").create("v", password, KdfParams.insecure_for_tests()).close()
    env = {**os.environ, "PYTHONPATH": str(REPO), "MAINFRAME_OS_HOME": str(home), "MFOS_PASSWORD": password}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mainframe_os.cli", "node", "--vault", "v"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        deadline = time.monotonic() + 120
        while "serving" not in line and time.monotonic() < deadline:
            assert line or proc.poll() is None, "the node ended early"
            line = proc.stderr.readline()
        environ = Path(f"/proc/{proc.pid}/environ").read_bytes()
        assert password.encode() not in environ
    finally:
        proc.terminate()
        proc.communicate(timeout=30)  # also closes the pipes
