"""A disk that fills up mid-write: the add (or an app's stream, or a get) fails with one clear
error, nothing half-written is listed or left on disk, and the space comes back.

The disk is real: a 24 MiB tmpfs holds the node's home (and a 1 MiB one the get's output), mounted
in a private mount namespace (`unshare`, as root or through a user namespace) around a fresh node
process. Where the kernel allows no such namespace the same path is driven by an ENOSPC raised at
the block store's write, in process.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mainframe_os.node.files import blockstore
from mainframe_os.node.files import errors as FE
from mainframe_os.node.node import Node

MiB = 1024 * 1024
PW = "a fine long password"

SCRIPT = r"""
import asyncio, json, os, sys
from pathlib import Path
from mainframe_os.node.errors import RpcError
from mainframe_os.node.files.service import files_service
from mainframe_os.node.node import Node

def on_disk(home, part):
    return sorted(p.name for p in Path(home).glob(f"files/*/{part}/*"))

async def failing(what, coro):
    try:
        await coro
    except RpcError as e:
        return [e.code, e.message]
    return "succeeded"

async def main(home, big, small, out):
    node = Node(home)
    await node.call("vault_create", {"name": "m", "password": "a fine long password"})
    ident = (await node.call("identity_create", {"displayName": "A"}))["id"]
    await node.call("files_list", {})
    res = {"add": await failing("add", node.call("files_add", {"path": big}))}
    res["listed"] = [f["name"] for f in (await node.call("files_list", {}))["files"]]
    res["packs"], res["journal"] = on_disk(home, "packs"), on_disk(home, "adding")

    apps = (await files_service(node)).apps  # an app's stream hits the same wall
    handle = await apps.open_write("app:x", ident, "x", "stream.bin", None)
    async def stream():
        for _ in range(64):
            await apps.write("app:x", handle, os.urandom(1 << 20))
        await apps.close_write("app:x", handle, "x")
    res["stream"] = await failing("stream", stream())
    res["listed_after_stream"] = [f["name"] for f in (await node.call("files_list", {}))["files"]]
    res["packs_after_stream"] = on_disk(home, "packs")

    entry = await node.call("files_add", {"path": small})  # the space came back
    res["small"] = entry["size"]
    res["get"] = await failing("get", node.call("files_get", {"file": entry["id"], "out": out + "/small.bin"}))
    res["out"] = os.listdir(out)
    await node.close()
    print(json.dumps(res))

asyncio.run(main(*sys.argv[1:]))
"""


def _namespace() -> list[str]:
    """The unshare command that gives a private mount namespace here, or [] when none does."""
    for cmd in (["unshare", "--mount"], ["unshare", "--user", "--map-root-user", "--mount"]):
        try:
            probe = subprocess.run([*cmd, "true"], capture_output=True, timeout=30)
        except FileNotFoundError:
            return []
        if probe.returncode == 0:
            return cmd
    return []


def test_a_disk_full_mid_add_leaves_nothing_and_says_so(tmp_path: Path) -> None:
    unshare = _namespace()
    if not unshare:
        pytest.fail("this test needs a private mount namespace (unshare -m as root, or a user namespace) for its tmpfs")
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    out.mkdir()
    big, small = tmp_path / "big.bin", tmp_path / "small.bin"
    big.write_bytes(os.urandom(40 * MiB))
    small.write_bytes(os.urandom(2 * MiB))
    shell = (
        f"mount -t tmpfs -o size=24m tmpfs {home} && mount -t tmpfs -o size=1m tmpfs {out} && "
        f'exec "{sys.executable}" -c "$SCRIPT" {home} {big} {small} {out}'
    )
    done = subprocess.run(
        [*unshare, "sh", "-c", shell], capture_output=True, text=True, timeout=300, env=os.environ | {"SCRIPT": SCRIPT}
    )
    assert done.returncode == 0, done.stderr[-3000:]
    res = json.loads(done.stdout.strip().splitlines()[-1])
    assert res["add"][0] == FE.DiskFull.code, res
    assert res["add"][1] == "Not enough disk space to add 'big.bin' (41.9 MB): nothing was kept"
    assert res["listed"] == [] and res["packs"] == [] and res["journal"] == []
    assert res["stream"][0] == FE.DiskFull.code and "'stream.bin'" in res["stream"][1], res
    assert res["listed_after_stream"] == [] and res["packs_after_stream"] == []
    assert res["small"] == 2 * MiB
    assert res["get"][0] == FE.DiskFull.code and "'small.bin'" in res["get"][1], res
    assert res["out"] == []  # no half-written output either


class _OsWith:
    """The os module as the block store sees it, with another `write`."""

    def __init__(self, write: object) -> None:
        self.write = write

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)


async def test_an_enospc_at_the_block_write_lists_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node = Node(tmp_path / "home")
    await node.call("vault_create", {"name": "main", "password": PW})
    await node.call("identity_create", {"displayName": "Alice"})
    src = tmp_path / "photo.jpg"
    src.write_bytes(os.urandom(6 * MiB))
    written = [0]
    real_write = os.write

    def write(fd: int, data: bytes) -> int:  # the disk fills after 3 MiB of blocks
        if written[0] >= 3 * MiB:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real_write(fd, data)
        written[0] += n
        return n

    try:
        await node.call("files_list", {})
        monkeypatch.setattr(blockstore, "os", _OsWith(write))
        with pytest.raises(FE.DiskFull, match=r"^Not enough disk space to add 'photo.jpg' \(6.3 MB\)"):
            await node.call("files_add", {"path": str(src), "folder": "/Pictures"})
        monkeypatch.undo()
        assert (await node.call("files_list", {}))["files"] == []
        assert list(node.paths.files.glob("*/packs/*")) == [] and list(node.paths.files.glob("*/adding/*")) == []
        assert written[0] >= 3 * MiB  # it did fail mid-write, not before
        entry = await node.call("files_add", {"path": str(src), "folder": "/Pictures"})  # and works once space is back
        assert entry["size"] == 6 * MiB
    finally:
        await node.close()
