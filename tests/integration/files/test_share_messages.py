"""Sharing through messaging, two real nodes on 127.0.0.1 that are contacts: A shares a folder
with B, B sees it in "Shared with me" and downloads it with progress, byte for byte; a share
whose paths climb out of its folder is refused; a revoked share downloads nothing more; a
download can be cancelled and leaves nothing listed; a share of a file the sender deleted
downloads nothing."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from mainframe_os.node import events as ev
from mainframe_os.node.files import errors as FE
from mainframe_os.node.files.sharing import SHARE_KIND, Capability
from tests.integration.comms.conftest import Net, Peer, befriend, wait_for


def make_folder(root: Path) -> dict[str, bytes]:
    files = {
        "notes.txt": "héllo wörld 👋\n".encode(),
        "empty.bin": b"",
        "photos/beach.jpg": os.urandom(700_000),
        "photos/deep/sea.raw": os.urandom(300_000),
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


async def shared_with(p: Peer, count: int = 1) -> list[dict]:
    async def listed() -> list[dict] | None:
        items = await p.call("files_shared")
        return items if len(items) >= count else None

    return await wait_for(listed, what=f"{count} share(s) at {p.name}")


async def test_a_folder_shared_with_a_contact_downloads_byte_identical(peers: Net, tmp_path: Path) -> None:
    a, b = await peers("alice"), await peers("bob")
    bob_at_a, _ = await befriend(a, b)
    folder = tmp_path / "Holiday"
    files = make_folder(folder)
    await a.call("files_add", {"path": str(folder)})

    made = await a.call("files_share", {"file": "/Holiday", "contact": bob_at_a})
    assert made["kind"] == "folder" and made["count"] == len(files) and "capability" not in made
    (incoming,) = await shared_with(b)
    assert incoming["from"] == "alice" and incoming["name"] == "Holiday" and incoming["state"] == "new"
    assert incoming["size"] == sum(len(d) for d in files.values()) and incoming["count"] == len(files)

    got = await b.call("files_download", {"share": incoming["id"]})
    assert got["files"] == len(files)
    progress = [e for e in b.got(ev.FileProgress) if e.operation == "download" and e.job == incoming["id"]]
    assert len(progress) >= 2 and progress[-1].done == progress[-1].total > 1_000_000
    assert [e.done for e in progress] == sorted(e.done for e in progress)
    out = tmp_path / "out"
    out.mkdir()
    for rel, data in files.items():
        target = out / rel.replace("/", "_")
        await b.call("files_get", {"file": f"/Shared with me/Holiday/{rel}", "out": str(target)})
        assert target.read_bytes() == data, rel
    (after,) = await b.call("files_shared")
    assert after["state"] == "downloaded"

    # downloading again fetches nothing: every file is there
    assert (await b.call("files_download", {"share": incoming["id"]}))["fetched"] == 0

    # revoked: a node that lost the files (B's other device, say) gets nothing more from A
    assert (await a.call("files_revokeShare", {"shareId": made["share"]}))["revoked"] is True
    assert all(s["revoked"] for s in await a.call("files_shares"))
    for f in (await b.call("files_list", {}))["files"]:
        await b.call("files_remove", {"file": f["id"]})
    await b.call("files_gc")
    with pytest.raises(FE.FilesRpcError, match="did not give"):
        await b.call("files_download", {"share": incoming["id"]})
    assert (await b.call("files_list", {}))["files"] == []  # nothing half-fetched is listed


async def test_a_share_whose_paths_leave_its_folder_is_refused(peers: Net, tmp_path: Path) -> None:
    a, b = await peers("alice"), await peers("bob")
    bob_at_a, _ = await befriend(a, b)
    src = tmp_path / "x"
    src.write_bytes(b"payload")
    entry = await a.call("files_add", {"path": str(src)})
    shared = await a.call("files_share", {"file": entry["id"], "peer": "12D3KooWNobody"})
    cap = Capability.decode(shared["capability"])
    evil = [
        ["Trip/../../.bashrc", "x"],  # climbs out
        ["Other/x", "x"],  # outside the share's folder
        ["Trip/a\\..\\b", "x"],  # Windows separators
    ]
    for i, (path, name) in enumerate(evil):
        cap_text = Capability(name, cap.size, None, cap.cid, cap.key, cap.cipher).encode()
        payload = {"mfos": SHARE_KIND, "share": f"{i:016x}", "name": "Trip", "kind": "folder", "size": 7,
                   "type": None, "count": 1, "part": 0, "parts": 1,
                   "items": [{"path": path, "cap": cap_text}]}  # fmt: skip
        await a.call("comms_send", {"contact": bob_at_a, "payload": payload})
    listed = await shared_with(b, len(evil))
    assert [s["state"] for s in listed] == ["refused"] * len(evil)
    for s in listed:
        with pytest.raises(FE.FilesRpcError, match="refused"):
            await b.call("files_download", {"share": s["id"]})
    assert (await b.call("files_list", {}))["files"] == []


async def test_a_download_can_be_cancelled_and_lists_nothing(peers: Net, tmp_path: Path) -> None:
    a, b = await peers("alice"), await peers("bob")
    bob_at_a, _ = await befriend(a, b)
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(6 * 1024 * 1024))
    await a.call("files_add", {"path": str(src)})
    await a.call("files_share", {"file": "/big.bin", "contact": bob_at_a})
    (incoming,) = await shared_with(b)
    task = asyncio.ensure_future(b.call("files_download", {"share": incoming["id"]}))
    await wait_for(lambda: b.got(ev.FileProgress, operation="download"), what="the download under way")
    assert (await b.call("files_cancel", {"job": incoming["id"]}))["cancelled"] is True
    with pytest.raises(FE.FileCancelled):
        await task
    assert (await b.call("files_list", {}))["files"] == []
    assert (await b.call("files_shared"))[0]["state"] == "new"

    # the sender deleted the file: the share's capability opens nothing more (blocks not served)
    await a.call("files_remove", {"file": "/big.bin"})
    with pytest.raises(FE.FilesRpcError, match="did not give"):
        await b.call("files_download", {"share": incoming["id"]})
    assert (await b.call("files_list", {}))["files"] == []


@pytest.mark.slow
async def test_a_file_shared_with_a_group_reaches_every_member(peers: Net, tmp_path: Path) -> None:
    a, b, c = await peers("alice"), await peers("bob"), await peers("carol")
    await befriend(a, b)
    await befriend(a, c)
    made = await a.call("groups_create", {"name": "Band", "contacts": ["bob", "carol"]})
    for p in (b, c):
        await wait_for(lambda p=p: p.got(ev.GroupsChanged, group_id=made["id"]), what=f"{p.name} in the group")
    src = tmp_path / "song.flac"
    src.write_bytes(os.urandom(500_000))
    await a.call("files_add", {"path": str(src)})
    shared = await a.call("files_share", {"file": "/song.flac", "group": made["id"]})
    assert len(shared["shareIds"]) == 2  # one row per member: each may fetch, each revocable
    for p in (b, c):
        (incoming,) = await shared_with(p)
        assert incoming["groupId"] == made["id"] and incoming["from"] == "alice"
        await p.call("files_download", {"share": incoming["id"]})
        out = tmp_path / f"{p.name}.flac"
        await p.call("files_get", {"file": "/Shared with me/song.flac", "out": str(out)})
        assert out.read_bytes() == src.read_bytes()
