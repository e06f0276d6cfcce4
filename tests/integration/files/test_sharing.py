"""Sharing between two real nodes (vaults, block stores), their bitswap exchanges joined by a
loopback host where node/comms' libp2p host will plug in: B receives the capability, fetches
with progress and gets the file byte for byte; a peer without a share gets nothing; after a
revoke, nothing more is served; a damaged capability is one clear error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mainframe_os.node import events as ev
from mainframe_os.node.files import errors as FE
from mainframe_os.node.files.service import files_service
from mainframe_os.node.node import Node

from .test_exchange import Loopback

PW = "a fine long password"


async def make_node(path: Path) -> Node:
    n = Node(path)
    await n.call("vault_create", {"name": "main", "password": PW})
    await n.call("identity_create", {"displayName": path.name})
    return n


async def test_share_fetch_revoke_between_two_nodes(tmp_path: Path) -> None:
    a, b, c = [await make_node(tmp_path / n) for n in ("alice", "bob", "carol")]
    try:
        net = Loopback()
        for name, node in (("alice", a), ("bob", b), ("carol", c)):
            net.peers[name] = await (await files_service(node)).attach_host(net.host(name))
            net.peers[name].timeout = 0.5
        data = os.urandom(900_000)
        src = tmp_path / "plan.pdf"
        src.write_bytes(data)
        await a.call("files_add", {"path": str(src), "folder": "/Work"})
        shared = await a.call("files_share", {"file": "/Work/plan.pdf", "peer": "bob"})
        assert shared["capability"].startswith("mfshare1.")

        got = await b.call("files_receive", {"capability": shared["capability"]})
        assert got["path"] == "/Shared with me/plan.pdf" and got["size"] == len(data)
        out = tmp_path / "out.pdf"
        with pytest.raises(FE.FileDamaged):  # listed, not fetched yet
            await b.call("files_get", {"file": got["id"], "out": str(out)})
        progress: list[ev.FileProgress] = []
        b.events.subscribe(ev.FileProgress, progress.append)
        await b.call("files_fetch", {"file": got["id"], "providers": ["carol", "alice"]})
        assert progress and progress[-1].done == progress[-1].total
        await b.call("files_get", {"file": got["id"], "out": str(out)})
        assert out.read_bytes() == data

        # carol has no share: alice answers DONT_HAVE
        await c.call("files_receive", {"capability": shared["capability"]})
        with pytest.raises(FE.FilesRpcError, match="No peer gave"):
            await c.call("files_fetch", {"file": "/Shared with me/plan.pdf", "providers": ["alice"]})

        # revoked: bob's next fetch (say, on another device) gets nothing from alice
        assert (await a.call("files_revokeShare", {"shareId": shared["shareId"]}))["revoked"] is True
        assert [s["revoked"] for s in await a.call("files_shares", {})] == [True]
        assert (await a.call("files_revokeShare", {"shareId": shared["shareId"]}))["revoked"] is False
        for who, share_id in ((a, "deadbeefdeadbeef"), (b, shared["shareId"])):  # mistyped; not theirs
            with pytest.raises(FE.FileNotFound, match="No share of yours matches"):
                await who.call("files_revokeShare", {"shareId": share_id})
        await b.call("files_remove", {"file": got["id"]})
        await b.call("files_gc")
        again = await b.call("files_receive", {"capability": shared["capability"]})
        with pytest.raises(FE.FilesRpcError, match="No peer gave"):
            await b.call("files_fetch", {"file": again["id"], "providers": ["alice"]})
    finally:
        for n in (a, b, c):
            await n.close()


async def test_damaged_or_foreign_capabilities_are_refused(tmp_path: Path) -> None:
    n = await make_node(tmp_path / "n")
    try:
        for bad in ("hello", "mfshare1.!!!", "mfshare1.eyJuYW1lIjogIi4uIn0", "mfshare1." + "A" * 4000):
            with pytest.raises(FE.FilesRpcError) as info:
                await n.call("files_receive", {"capability": bad})
            assert "share" in info.value.message and bad not in info.value.message
        src = tmp_path / "f"
        src.write_bytes(b"x")
        await n.call("files_add", {"path": str(src)})
        with pytest.raises(FE.FilesRpcError, match="No peer gave"):  # goes online, cannot dial "someone"
            await n.call("files_fetch", {"file": "/f", "providers": ["someone"]})
    finally:
        await n.close()
