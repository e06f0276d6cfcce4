"""A content-addressed block store on disk: one file per block, named by its CID.

Every read is verified: a block whose bytes do not hash to its CID is refused (BlockCorrupt),
logged, and never handed on. Writes go to a temporary name and are renamed into place, so a
crash leaves either no block or a whole one, plus `*.tmp` leftovers that `sweep_temporary`
removes on the next start.

    store = BlockStore(home / "files" / store_id / "blocks")
    store.put(cid, block)
    data = store.get(cid)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from .unixfs import Cid, UnixFsError

log = logging.getLogger("mainframe_os.files")


class BlockMissing(LookupError):
    def __init__(self, cid: Cid) -> None:
        super().__init__(f"block {cid} is not in the store")
        self.cid = cid


class BlockCorrupt(ValueError):
    def __init__(self, cid: Cid) -> None:
        super().__init__(f"block {cid} is damaged: its bytes do not match its CID")
        self.cid = cid


class BlockStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, cid: Cid) -> Path:
        name = str(cid)
        return self.root / name[-3:-1] / name  # next-to-last two characters shard, like Kubo's flatfs

    def has(self, cid: Cid) -> bool:
        return self.path(cid).exists()

    def put(self, cid: Cid, block: bytes | memoryview) -> None:
        """Store `block` under `cid` (the caller computed the CID from these bytes)."""
        final = self.path(cid)
        if final.exists():
            return
        final.parent.mkdir(exist_ok=True, mode=0o700)
        tmp = final.with_name(f"{final.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(block)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, final)

    def get(self, cid: Cid) -> bytes:
        try:
            data = self.path(cid).read_bytes()
        except FileNotFoundError:
            raise BlockMissing(cid) from None
        if not cid.matches(data):
            log.warning("refused damaged block %s (%d bytes do not match its CID)", cid, len(data))
            raise BlockCorrupt(cid)
        return data

    def delete(self, cid: Cid) -> None:
        self.path(cid).unlink(missing_ok=True)

    def __iter__(self) -> Iterator[Cid]:
        for shard in self.root.iterdir():
            if not shard.is_dir():
                continue
            for entry in shard.iterdir():
                if entry.name.endswith(".tmp"):
                    continue
                try:
                    yield Cid.parse(entry.name)
                except UnixFsError:
                    log.warning("not a block, left alone: %s", entry.name[:80])

    def sweep_temporary(self) -> int:
        """Delete half-written blocks a crash left behind; returns how many."""
        gone = 0
        for tmp in self.root.glob("*/*.tmp"):
            tmp.unlink(missing_ok=True)
            gone += 1
        return gone
