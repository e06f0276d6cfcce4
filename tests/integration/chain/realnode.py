"""A real Ethereum node for tests: anvil from npm (``packaging/node``), on a free local port.

``packaging/test-deps.sh`` installs it (``packaging/dev.sh test`` runs that first). When it is
missing, the realnode tests are skipped locally and fail under CI, so CI cannot go green
without them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
NODE_DIR = ROOT / "packaging" / "node"

# anvil's well-known dev accounts (mnemonic "test test ... junk"); test-only keys.
ANVIL_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
)
ANVIL_CHAIN_ID = 31337


def anvil_binary() -> Path | None:
    """The anvil executable from the platform package npm installed, if any."""
    scope = NODE_DIR / "node_modules" / "@foundry-rs"
    for candidate in sorted(scope.glob("anvil-*/bin/anvil*")):
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("anvil")
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RealNode:
    url: str
    process: subprocess.Popen[bytes]
    keys: tuple[str, ...] = ANVIL_KEYS


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[RealNode]:
    binary = anvil_binary()
    if binary is None:
        message = "anvil is not installed: run packaging/test-deps.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    process = subprocess.Popen(
        [str(binary), "--host", "127.0.0.1", "--port", str(port),
         "--chain-id", str(ANVIL_CHAIN_ID), "--silent"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answers(url, process)
        _rpc(url, "anvil_setBlockTimestampInterval", [1])  # else one timestamp for many blocks
        yield RealNode(url=url, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _rpc(url: str, method: str, params: list[object]) -> object:
    import requests

    reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=5).json()
    if "error" in reply:
        raise RuntimeError(f"{method}: {reply['error']}")
    return reply["result"]


def _wait_until_answers(url: str, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"anvil exited with {process.returncode}: {err}")
        try:
            _rpc(url, "eth_chainId", [])
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.05)
    raise RuntimeError(f"anvil did not answer on {url} within {timeout}s")
