"""Files of any size pass through in constant memory: adding and getting back a 320 MiB file (and,
marked slow, a 2 GiB one) in a fresh process grows its peak resident memory by far less than the
file (the pipeline holds a few 4 MiB buffers; the DAG builder one chunk and 174 links per level)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MiB = 1024 * 1024
SCRIPT = r"""
import asyncio, json, os, sys, threading
from mainframe_os.node.node import Node

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

peak = [0]
def sample(stop):  # the peak of the current resident size (ru_maxrss would hold the KDF's)
    while not stop.wait(0.005):
        peak[0] = max(peak[0], rss())

async def main(home, src, out):
    node = Node(home)
    await node.call("vault_create", {"name": "m", "password": "a fine long password"})
    await node.call("identity_create", {"displayName": "A"})
    await node.call("files_list", {})
    stop = threading.Event()
    threading.Thread(target=sample, args=(stop,), daemon=True).start()
    before = peak[0] = rss()
    entry = await node.call("files_add", {"path": src})
    after_add, peak[0] = peak[0], rss()
    await node.call("files_get", {"file": entry["id"], "out": out})
    after_get = peak[0]
    stop.set()
    await node.close()
    print(json.dumps({"before": before, "add": after_add, "get": after_get}))

asyncio.run(main(*sys.argv[1:]))
"""


def _random_file(path: Path, size: int) -> None:
    piece = os.urandom(8 * MiB)
    with open(path, "wb") as f:
        for _ in range(size // len(piece)):
            f.write(piece)


def _sparse_file(path: Path, size: int) -> None:
    """Zeros that cost no disk: the ciphertext, blocks and memory use are a real file's."""
    with open(path, "wb") as f:
        f.truncate(size)


def _digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@pytest.mark.parametrize(
    ("mib", "make", "bound_mib"),
    [
        pytest.param(320, _random_file, 64, id="320MiB"),  # a fifth of the file, at most
        pytest.param(2048, _sparse_file, 150, id="2GiB", marks=pytest.mark.slow),
    ],
)
def test_add_and_get_a_big_file_in_constant_memory(tmp_path: Path, mib: int, make: object, bound_mib: int) -> None:
    size = mib * MiB
    src = tmp_path / "big.bin"
    make(src, size)  # type: ignore[operator]
    out = tmp_path / "back.bin"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "home"), str(src), str(out)],
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rss = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{mib} MiB: RSS growth add {(rss['add'] - rss['before']) / MiB:.1f} MiB, "
          f"get {(rss['get'] - rss['before']) / MiB:.1f} MiB")  # fmt: skip
    assert rss["add"] - rss["before"] < bound_mib * MiB, rss
    assert rss["get"] - rss["before"] < bound_mib * MiB, rss
    assert out.stat().st_size == size
    assert _digest(out) == _digest(src)
