"""A vault backup carries the file index and every file's key (they live in the vault): restored
on a fresh home the files are listed at once, open as soon as their blocks are there, and give a
clear error until then."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mainframe_os.node.files import errors as FE
from mainframe_os.node.node import Node

PW = "a fine long password"


async def test_backup_and_restore_keep_the_index_and_keys(tmp_path: Path) -> None:
    data = os.urandom(700_000)
    src = tmp_path / "report.pdf"
    src.write_bytes(data)
    backup = tmp_path / "main.bak"
    a = Node(tmp_path / "a")
    try:
        await a.call("vault_create", {"name": "main", "password": PW})
        await a.call("identity_create", {"displayName": "Alice"})
        entry = await a.call("files_add", {"path": str(src), "folder": "/Work"})
        await a.call("vault_backup", {"path": str(backup), "password": "backup pw 123", "vaultPassword": PW})
    finally:
        await a.close()

    b = Node(tmp_path / "b")
    try:
        await b.call("vault_restore", {"path": str(backup), "password": "backup pw 123"})
        await b.call("vault_unlock", {"name": "main", "password": PW})
        listed = await b.call("files_list", {"folder": "/Work"})
        assert [f["cid"] for f in listed["files"]] == [entry["cid"]]
        out = tmp_path / "out.pdf"
        with pytest.raises(FE.FileDamaged, match="not in the store"):
            await b.call("files_get", {"file": "/Work/report.pdf", "out": str(out)})
        assert not out.exists()
        await b.lock()  # the blocks arrive (a copy of the folder, as a blocks backup would bring)
        for store in (tmp_path / "a" / "files").iterdir():
            shutil.copytree(store, tmp_path / "b" / "files" / store.name, dirs_exist_ok=True)
        await b.call("vault_unlock", {"name": "main", "password": PW})
        await b.call("files_get", {"file": "/Work/report.pdf", "out": str(out)})
        assert out.read_bytes() == data
    finally:
        await b.close()


async def test_a_blocks_backup_restores_on_a_fresh_home_and_refuses_tampering(tmp_path: Path) -> None:
    data = os.urandom(900_000)
    src = tmp_path / "scan.tiff"
    src.write_bytes(data)
    backup, car = tmp_path / "main.bak", tmp_path / "main.bak.blocks.car"
    a = Node(tmp_path / "a")
    try:
        await a.call("vault_create", {"name": "main", "password": PW})
        await a.call("identity_create", {"displayName": "Alice"})
        await a.call("files_add", {"path": str(src), "folder": "/Scans"})
        need = await a.call("files_blocksSize")
        assert need["blocks"] == 5 and need["bytes"] > len(data)  # 4 leaves and their node, ciphertext
        await a.call("vault_backup", {"path": str(backup), "password": "backup pw 123", "vaultPassword": PW})
        written = await a.call("files_exportBlocks", {"path": str(car)})
        assert written["blocks"] == need["blocks"] and written["size"] > need["bytes"]
        with pytest.raises(FE.FileExists):
            await a.call("files_exportBlocks", {"path": str(car)})
    finally:
        await a.close()
    assert data[:4096] not in car.read_bytes()  # ciphertext only: the keys are in the vault backup

    tampered = tmp_path / "tampered.car"
    raw = bytearray(car.read_bytes())
    raw[-100] ^= 1
    tampered.write_bytes(raw)
    b = Node(tmp_path / "b")
    try:
        await b.call("vault_restore", {"path": str(backup), "password": "backup pw 123"})
        await b.call("vault_unlock", {"name": "main", "password": PW})
        with pytest.raises(FE.FilesRpcError, match="does not match its CID"):
            await b.call("files_importBlocks", {"path": str(tampered)})
        with pytest.raises(FE.FilesRpcError, match="cut short"):
            tampered.write_bytes(car.read_bytes()[:-10])
            await b.call("files_importBlocks", {"path": str(tampered)})
        out = tmp_path / "out.tiff"
        with pytest.raises(FE.FileDamaged):  # all or nothing: no block of the bad archives stayed
            await b.call("files_get", {"file": "/Scans/scan.tiff", "out": str(out)})
        assert (await b.call("files_importBlocks", {"path": str(car)}))["blocks"] == 5
        await b.call("files_get", {"file": "/Scans/scan.tiff", "out": str(out)})
        assert out.read_bytes() == data
    finally:
        await b.close()
