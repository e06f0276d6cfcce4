"""Large storage.files at the node: locking the vault drops an unfinished upload (its pack file
deleted, its handle gone), so a half-written file never lingers on disk or in the list."""

from __future__ import annotations

import base64
from pathlib import Path

from mainframe_os.node.context import CallerContext
from mainframe_os.node.node import Node

from .conftest import ScriptedPrompter
from .test_grants import install


async def test_locking_the_vault_drops_an_unfinished_large_file(
    opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path
) -> None:
    node, ident = opened
    app = CallerContext.app(await install(node, tmp_path, "Keeper", permissions={"required": ["STORAGE"]}), ident)
    handle = (await node.call("storage_openFileWrite", {"name": "draft.bin"}, app))["handle"]
    piece = base64.b64encode(bytes(300_000)).decode()
    await node.call("storage_writeFilePiece", {"handle": handle, "offset": 0, "data": piece}, app)
    packs = node.session.files.blocks.packs
    assert [p for p in packs.iterdir() if p.suffix == ".pack" and p.stat().st_size > 0]  # it was being written

    await node.lock()
    assert [p.name for p in packs.iterdir() if p.suffix == ".pack"] == []
