"""The file blocks of a vault, backed up beside the vault backup as a CAR file, and imported
back into a fresh home's block store after a restore.

The vault backup already carries the file index and every file's key (they are rows in the
vault); the blocks are what it does not carry. `size` says how much a blocks backup will write
before anything starts; `export` writes it; `import_car` stores every block it holds, verified.

    need = await block_backup.size(files)                 # {"blocks": 1234, "bytes": 318767104}
    await block_backup.export(files, Path("main.mfbackup.blocks.car"), overwrite=False)
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import errors as FE
from . import index
from .blockstore import BlockCorrupt, BlockMissing
from .car import CarError, read_car, write_car
from .dag import dag_cids
from .unixfs import Cid, UnixFsError

if TYPE_CHECKING:
    from .service import FilesService

CAR_SUFFIX = ".blocks.car"  # the blocks of `main.mfbackup` go to `main.mfbackup.blocks.car`


async def _needed(files: FilesService) -> tuple[list[Cid], list[Cid]]:
    roots = sorted(await files.node.db(index.all_roots))

    def walk() -> tuple[list[Cid], list[Cid]]:
        parsed, seen, ordered = [Cid.parse(r) for r in roots], set(), []
        for root in parsed:
            try:
                for cid in dag_cids(files.blocks.get, root):
                    if cid not in seen:
                        seen.add(cid)
                        ordered.append(cid)
            except (BlockMissing, BlockCorrupt, UnixFsError):
                continue  # a file not here yet (shared, not downloaded): nothing of it to back up
        return parsed, ordered

    return await asyncio.to_thread(walk)


async def size(files: FilesService) -> dict[str, Any]:
    _roots, cids = await _needed(files)
    total = await asyncio.to_thread(lambda: sum(files.blocks.locate(c)[2] for c in cids))
    return {"blocks": len(cids), "bytes": total}


async def export(files: FilesService, path: Path, overwrite: bool) -> dict[str, Any]:
    if path.exists() and not overwrite:
        raise FE.FileExists(f"{path.name[:120]} already exists (replace it explicitly)")
    roots, cids = await _needed(files)
    total = await asyncio.to_thread(lambda: sum(files.blocks.locate(c)[2] for c in cids))
    report = files._reporter("backup", "blocks", path.name, total)
    count, written = await asyncio.to_thread(write_car, path, roots, cids, files.blocks.get, report)
    report(total, final=True)
    return {"path": str(path), "blocks": count, "size": written}


async def import_car(files: FilesService, path: Path) -> dict[str, Any]:
    """Store every block of a CAR file (verified); blocks already here are skipped. All or
    nothing: a damaged archive stores none of it."""

    def load() -> tuple[int, int]:
        added = size = 0
        with files.blocks.writer() as w:
            for cid, block in read_car(path):
                if not files.blocks.has(cid) and w.put(cid, block):
                    added, size = added + 1, size + len(block)
        return added, size

    try:
        added, stored = await asyncio.to_thread(load)
    except (CarError, OSError) as exc:
        raise FE.FilesRpcError(f"Blocks not imported: {exc}") from None
    return {"blocks": added, "bytes": stored}
