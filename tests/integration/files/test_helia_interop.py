"""Interop: a real Helia node (js-libp2p with TCP, noise, yamux; Helia's own bitswap, from npm)
dials our node and fetches a file we shared with its peer id, over /ipfs/bitswap/1.2.0: the
bytes it assembles are the file's blocks as we store them (the ciphertext DAG, a valid UnixFS
file for any IPFS implementation). Then Helia adds a file and we fetch its blocks from it, byte
for byte. A missing node or npm fails the test."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from mainframe_os.node.files.dag import iter_file
from mainframe_os.node.files.service import files_service
from mainframe_os.node.files.unixfs import Cid
from tests.integration.comms.conftest import Net
from tests.support.npm_packages import npm_package, require_tool

HELIA = ("helia", "7.1.15", ("@helia/unixfs@8.0.5",))
SCRIPT = Path(__file__).parents[2] / "support" / "helia_fetch.mjs"


@pytest.mark.slow
async def test_helia_and_we_fetch_from_each_other_over_bitswap(peers: Net, tmp_path: Path) -> None:
    name, version, extra = HELIA
    folder = npm_package(name, version, extra).parents[1]
    script = folder / SCRIPT.name  # beside its node_modules, so its imports resolve there
    shutil.copyfile(SCRIPT, script)
    a = await peers("alice")
    src = tmp_path / "clip.bin"
    src.write_bytes(os.urandom(2 * 1024 * 1024 + 7))
    entry = await a.call("files_add", {"path": str(src)})
    info = await a.call("peer_info")
    out = tmp_path / "from-helia.bin"
    proc = await asyncio.create_subprocess_exec(
        require_tool("node"), str(script), str(out),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdin is not None
        helia_id = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode().strip()
        assert helia_id.startswith("12D3Koo"), helia_id
        await a.call("files_share", {"file": entry["id"], "peer": helia_id})
        proc.stdin.write(f"{info['addresses'][0]}/p2p/{info['peerId']} {entry['cid']}\n".encode())
        await proc.stdin.drain()
        done = (await asyncio.wait_for(proc.stdout.readline(), 180)).decode().strip()
        assert done.startswith("done"), done + (await proc.stderr.read()).decode()[-2000:]  # type: ignore[union-attr]

        # the other way: Helia adds a file, we want its blocks over the same connection
        theirs = tmp_path / "theirs.bin"
        theirs.write_bytes(os.urandom(1024 * 1024 + 3))
        proc.stdin.write(f"{theirs}\n".encode())
        await proc.stdin.drain()
        added = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode().split()
        assert added[0] == "added"  # (its CID differs from ours: @helia/unixfs 8 cuts 1 MiB chunks)
        svc = await files_service(a.node)
        assert svc.exchange is not None
        root = Cid.parse(added[1])
        with svc.blocks.writer() as w:
            await svc.exchange.fetch_dag(root, [helia_id], w)
        assert b"".join(iter_file(svc.blocks.get, root)) == theirs.read_bytes()
        proc.stdin.close()
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
    svc = await files_service(a.node)
    stored = b"".join(iter_file(svc.blocks.get, Cid.parse(entry["cid"])))
    assert out.read_bytes() == stored and len(stored) > src.stat().st_size
