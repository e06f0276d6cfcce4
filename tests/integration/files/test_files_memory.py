"""Files of any size pass through in constant memory: adding and getting back a 320 MiB file in a
fresh process grows its peak resident memory by far less than the file (the pipeline holds a few
4 MiB buffers; the DAG builder one chunk and 174 links per level)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_add_and_get_a_big_file_in_constant_memory(tmp_path: Path) -> None:
    size = 320 * MiB
    src = tmp_path / "big.bin"
    piece = os.urandom(8 * MiB)
    with open(src, "wb") as f:
        for _ in range(size // len(piece)):
            f.write(piece)
    out = tmp_path / "back.bin"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "home"), str(src), str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rss = json.loads(done.stdout.strip().splitlines()[-1])
    assert rss["add"] - rss["before"] < 64 * MiB, rss  # a fifth of the file, at most
    assert rss["get"] - rss["before"] < 64 * MiB, rss
    assert out.stat().st_size == size
    with open(src, "rb") as a, open(out, "rb") as b:
        while chunk := a.read(8 * MiB):
            assert chunk == b.read(8 * MiB)
