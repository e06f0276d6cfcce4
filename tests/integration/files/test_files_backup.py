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
