"""Encrypted files through the node's methods, in-process, on a real vault and block store:
round trips byte for byte, nothing readable on disk, names, moves, gc, damaged blocks."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node import events as ev
from mainframe_os.node.files import errors as FE
from mainframe_os.node.files.crypto import encrypted_size
from mainframe_os.node.files.unixfs import RAW, Cid
from mainframe_os.node.node import Node

PW = "a fine long password"
MiB = 1024 * 1024


@pytest.fixture
async def node(tmp_path: Path):
    n = Node(tmp_path / "home")
    await n.call("vault_create", {"name": "main", "password": PW})
    await n.call("identity_create", {"displayName": "Alice"})
    yield n
    await n.close()


def blocks_of(node: Node) -> list[Cid]:
    return list(node.session.files.blocks)


def packs_of(node: Node) -> set[str]:
    return {p.name for p in node.paths.files.glob("*/packs/*")}


def flip_byte(node: Node, cid: Cid, at: int) -> None:
    path, offset, length = node.session.files.blocks.locate(cid)
    with open(path, "r+b") as f:
        f.seek(offset + at % length)
        byte = f.read(1)
        f.seek(offset + at % length)
        f.write(bytes([byte[0] ^ 1]))


async def test_add_list_get_round_trip_with_progress_and_nothing_readable_on_disk(node: Node, tmp_path: Path) -> None:
    data = os.urandom(3 * MiB + 12345)
    src = tmp_path / "Résumé 📄 ✓.pdf"
    src.write_bytes(data)
    progress: list[ev.FileProgress] = []
    node.events.subscribe(ev.FileProgress, progress.append)

    entry = await node.call("files_add", {"path": str(src), "folder": "/Documents/2026"})
    assert entry["name"] == src.name and entry["path"] == f"/Documents/2026/{src.name}"
    assert entry["size"] == len(data) and entry["mime"] == "application/pdf"
    assert entry["storedSize"] == encrypted_size(len(data))
    assert "key" not in str(entry).lower()
    assert progress and progress[-1].done == progress[-1].total == len(data)

    top = await node.call("files_list", {"folder": "/"})
    assert top["files"] == [] and top["folders"] == ["Documents"]
    inside = await node.call("files_list", {"folder": "Documents/2026/"})
    assert [f["id"] for f in inside["files"]] == [entry["id"]]

    out = tmp_path / "out.pdf"
    got = await node.call("files_get", {"file": entry["path"], "out": str(out)})
    assert got["size"] == len(data) and out.read_bytes() == data
    by_cid = tmp_path / "by-cid"
    await node.call("files_get", {"file": entry["cid"], "out": str(by_cid)})
    assert by_cid.read_bytes() == data

    # the home holds ciphertext only: no run of the plaintext, no key, no name
    key = await node.db(lambda s: s.execute(__import__("sqlalchemy").text("select file_key from file_entry")).scalar())
    assert len(key) == 32
    for p in node.paths.root.rglob("*"):
        if p.is_file():
            raw = p.read_bytes()
            assert key not in raw and data[1000:1064] not in raw and "Résumé".encode() not in raw, p


async def test_empty_file_and_any_unicode_name(node: Node, tmp_path: Path) -> None:
    names = ["empty", "👨‍👩‍👧 family", "שלום עולם", "e\u0301te\u0301", "name with spaces ", "日本語.txt", "é" * 127]
    for name in names:
        src = tmp_path / "src"
        src.write_bytes(b"")
        entry = await node.call("files_add", {"path": str(src), "name": name})
        assert entry["name"] == name and entry["size"] == 0
        folder = tmp_path / "got"
        folder.mkdir(exist_ok=True)
        got = await node.call("files_get", {"file": entry["id"], "out": str(folder)})
        assert Path(got["path"]).name == name and Path(got["path"]).read_bytes() == b""
    listed = await node.call("files_list", {"folder": "/"})
    assert sorted(f["name"] for f in listed["files"]) == sorted(names)


@pytest.mark.parametrize(
    ("name", "folder"),
    [("../etc/passwd", None), ("a/b", None), ("..", None), (".", None), ("", None), ("a\\b", None),
     ("bell\x07", None), ("x", "/a/../b"), ("x", "/ok/./x"), ("x" * 256, None), ("x", "/" + "a/" * 40)],
)  # fmt: skip
async def test_names_that_are_paths_or_controls_are_refused(
    node: Node, tmp_path: Path, name: str, folder: str | None
) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"hello")
    with pytest.raises(FE.BadFileName):
        await node.call("files_add", {"path": str(src), "name": name, "folder": folder})
    assert packs_of(node) == set()
    assert (await node.call("files_list", {}))["files"] == []


async def test_duplicates_move_rename_remove_and_gc(node: Node, tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes(os.urandom(600_000))  # four blocks: three 256 KiB leaves of ciphertext and a root
    a = await node.call("files_add", {"path": str(src)})
    with pytest.raises(FE.FileExists):
        await node.call("files_add", {"path": str(src)})
    b = await node.call("files_add", {"path": str(src), "name": "b.txt"})
    assert a["cid"] != b["cid"]  # a fresh key per file: same bytes, different ciphertext
    assert len(blocks_of(node)) == 8

    moved = await node.call("files_move", {"file": a["id"], "folder": "/Archive", "name": "old a.txt"})
    assert moved["path"] == "/Archive/old a.txt"
    with pytest.raises(FE.FileExists):
        await node.call("files_move", {"file": b["id"], "folder": "/Archive", "name": "old a.txt"})
    with pytest.raises(FE.FileNotFound):
        await node.call("files_get", {"file": "/a.txt", "out": str(tmp_path / "x")})

    assert (await node.call("files_gc"))["removedBlocks"] == 0
    await node.call("files_remove", {"file": "/Archive/old a.txt"})
    assert [f["name"] for f in (await node.call("files_list", {}))["files"]] == ["b.txt"]
    swept = await node.call("files_gc")
    assert swept["removedBlocks"] == 4 and swept["keptBlocks"] == 4 and len(blocks_of(node)) == 4
    out = tmp_path / "b.out"
    await node.call("files_get", {"file": b["id"], "out": str(out)})
    assert out.read_bytes() == src.read_bytes()


async def test_a_block_that_does_not_match_its_cid_is_refused_and_nothing_is_written(
    node: Node, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    src = tmp_path / "f"
    src.write_bytes(os.urandom(700_000))
    entry = await node.call("files_add", {"path": str(src)})
    victim = next(c for c in blocks_of(node) if c.codec == RAW)
    flip_byte(node, victim, 100)
    out = tmp_path / "out"
    with pytest.raises(FE.FileDamaged, match="damaged"):
        await node.call("files_get", {"file": entry["id"], "out": str(out)})
    assert not out.exists() and not list(tmp_path.glob(".mfos-*"))
    assert str(victim) in caplog.text
    assert (await node.call("files_gc"))["removedBlocks"] == 0  # a damaged leaf is still the file's
    flip_byte(node, Cid.parse(entry["cid"]), 10)
    with pytest.raises(FE.FileDamaged, match="nothing deleted"):  # without the root, which blocks are its?
        await node.call("files_gc")
    assert len(blocks_of(node)) == 4


async def test_get_refuses_to_overwrite_and_relative_paths(node: Node, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"data")
    entry = await node.call("files_add", {"path": str(src)})
    with pytest.raises(FE.FileExists):
        await node.call("files_get", {"file": entry["id"], "out": str(src)})
    assert src.read_bytes() == b"data"
    with pytest.raises(E.InvalidParams, match="absolute"):
        await node.call("files_get", {"file": entry["id"], "out": "relative/out"})
    folder_out = tmp_path / "dir"
    folder_out.mkdir()
    got = await node.call("files_get", {"file": entry["id"], "out": str(folder_out)})
    assert Path(got["path"]) == folder_out / "f" and (folder_out / "f").read_bytes() == b"data"


async def test_files_belong_to_one_identity(node: Node, tmp_path: Path) -> None:
    bob = await node.call("identity_create", {"displayName": "Bob"})
    src = tmp_path / "f"
    src.write_bytes(b"alice's")
    entry = await node.call("files_add", {"path": str(src)})
    assert (await node.call("files_list", {"identityId": bob["id"]}))["files"] == []
    with pytest.raises(FE.FileNotFound):
        await node.call("files_get", {"file": entry["id"], "out": str(tmp_path / "o"), "identityId": bob["id"]})


async def test_cancelling_an_add_leaves_nothing(node: Node, tmp_path: Path) -> None:
    src = tmp_path / "big"
    src.write_bytes(os.urandom(40 * MiB))
    await node.call("files_list", {})
    cancelled: list[str] = []

    def on_progress(e: ev.FileProgress) -> None:
        if not cancelled and e.done < e.total:
            cancelled.append(e.job)
            asyncio.ensure_future(node.call("files_cancel", {"job": e.job}))

    node.events.subscribe(ev.FileProgress, on_progress)
    with pytest.raises(FE.FileCancelled):
        await node.call("files_add", {"path": str(src)})
    assert cancelled
    assert (await node.call("files_list", {}))["files"] == []
    assert blocks_of(node) == [] and packs_of(node) == set()
    assert (await node.call("files_cancel", {"job": cancelled[0]}))["cancelled"] is False


async def test_adding_a_folder_keeps_its_tree_and_skips_what_it_cannot_keep(node: Node, tmp_path: Path) -> None:
    src = tmp_path / "Trip 2026"
    (src / "photos" / "día 1").mkdir(parents=True)
    (src / "empty dir").mkdir()
    files = {"notes.txt": b"n", "photos/a.jpg": os.urandom(300_000), "photos/día 1/b.jpg": b"", "z\\odd": b"x"}
    for rel, data in files.items():
        (src / rel).write_bytes(data)
    (src / "link").symlink_to("/etc/passwd")
    result = await node.call("files_add", {"path": str(src), "folder": "/Backup"})
    assert result["folder"] == "/Backup/Trip 2026" and result["added"] == 3
    assert sorted((s["path"], s["reason"][:14]) for s in result["skipped"]) == [
        ("link", "not a regular "),
        ("z\\odd", "A file name ca"),
    ]
    everything = {f["path"]: f["size"] for f in (await node.call("files_list", {}))["files"]}
    assert everything == {
        "/Backup/Trip 2026/notes.txt": 1,
        "/Backup/Trip 2026/photos/a.jpg": 300_000,
        "/Backup/Trip 2026/photos/día 1/b.jpg": 0,
    }
    assert (await node.call("files_list", {"folder": "/Backup/Trip 2026"}))["folders"] == ["photos"]
    out = tmp_path / "a.jpg"
    await node.call("files_get", {"file": "/Backup/Trip 2026/photos/a.jpg", "out": str(out)})
    assert out.read_bytes() == files["photos/a.jpg"]


async def test_an_add_arriving_while_the_store_recovers_waits_for_the_recovery(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Going online opens the store (and recovers it) in the background; an add arriving meanwhile
    used to start at once, so the recovery took the add's journal for a crashed add, and its gc
    refused (FilesBusy): the node then never served files to peers."""
    from mainframe_os.node.files import service as service_mod
    from mainframe_os.node.files.blockstore import BlockStore

    sweeping, release = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    sweep = BlockStore.sweep_temporary

    def slow_sweep(self: BlockStore) -> int:
        loop.call_soon_threadsafe(sweeping.set)
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=30)
        return sweep(self)

    monkeypatch.setattr(BlockStore, "sweep_temporary", slow_sweep)
    first = asyncio.ensure_future(service_mod.files_service(node))  # as going online does
    await asyncio.wait_for(sweeping.wait(), 30)
    src = tmp_path / "a.bin"
    src.write_bytes(os.urandom(1000))
    add = asyncio.ensure_future(node.call("files_add", {"path": str(src)}))
    await asyncio.sleep(0)  # let the add run as far as it can
    for _ in range(20):
        await asyncio.sleep(0.01)
        assert not add.done()
        assert list(node.session.files.journal.iterdir()) == []  # the add has not started
    release.set()
    await first  # the recovery found nothing to collect, and did not fail
    entry = await add
    assert entry["size"] == 1000
