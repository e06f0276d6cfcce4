"""npm packages the tests install at test time (eth-sig-util to compare signatures with, MetaMask's
test dapp to run as an app), each pinned, installed once into a stable cache folder.

The folder is ``$MFOS_TEST_NPM_CACHE`` or ``~/.cache/mainframe-os-tests/npm``. A missing npm or
node is a test failure, never a skip: these tests prove compatibility and must run in CI.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def cache_root() -> Path:
    env = os.environ.get("MFOS_TEST_NPM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "mainframe-os-tests" / "npm"


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: the MetaMask compatibility tests need Node.js and npm")
    return path


def npm_package(name: str, version: str, extra: tuple[str, ...] = ()) -> Path:
    """The installed package folder (…/node_modules/<name>), installing it first if needed;
    `extra` ("pkg@version", ...) are installed beside it, into the same node_modules."""
    npm = require_tool("npm")
    folder = cache_root() / "+".join([f"{name.replace('/', '+')}@{version}", *(e.replace("/", "+") for e in extra)])
    installed = folder / "node_modules" / name
    stamp = folder / ".installed"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:  # several test processes may ask at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            (folder / "package.json").write_text('{"name": "mfos-test-npm", "private": true}\n')
            done = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error",
                 "--prefix", str(folder), f"{name}@{version}", *extra],
                capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            if done.returncode != 0 or not installed.is_dir():
                pytest.fail(f"npm could not install {name}@{version}: {done.stderr[-2000:]}")
            stamp.write_text(version)
    return installed
