"""Downloading a share someone sent us: every file's blocks fetched from the sender's node over
bitswap (verified block by block), then listed under "/Shared with me/<share name>/...".

A file is listed only once all of its blocks are stored, so a cancelled or failed download
leaves nothing half there; files already downloaded (the same root CID in the index) are
skipped, so downloading again resumes. Progress goes out as FileProgress events
("download", job = the share id) over the bytes of every file still to fetch; `cancel(job)`
stops it.

    entry = await Downloads(files).download(identity_id, share_id)
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..events import FilesChanged
from . import errors as FE
from . import index
from .crypto import encrypted_size
from .exchange import BlockUnavailable
from .names import join
from .shared_in import DEST, Incoming, Item, find, have_roots, provider
from .unixfs import Cid, UnixFsError

if TYPE_CHECKING:
    from .service import FilesService

log = logging.getLogger("mainframe_os.files")


class Downloads:
    def __init__(self, files: FilesService) -> None:
        self.files = files
        self.running: dict[str, asyncio.Task[dict[str, Any]]] = {}  # job (share id) -> its task

    def cancel(self, job: str) -> bool:
        task = self.running.get(job)
        if task is not None:
            task.cancel()
        return task is not None

    async def download(self, identity_id: str, share_ref: str) -> dict[str, Any]:
        from .p2p import BitswapNet

        node = self.files.node
        inc = await node.db(lambda s: find(s, identity_id, share_ref))
        if inc.refused:
            raise FE.FilesRpcError(f"That share was refused: {inc.refused}")
        if not inc.complete:
            raise FE.FilesRpcError("Only part of that share has arrived yet: try again in a moment")
        if inc.share in self.running:
            raise FE.FilesBusy("That share is already downloading")
        peer, addresses = await node.db(lambda s: provider(s, identity_id, inc))
        net = self.files.exchange.host if self.files.exchange is not None else None
        if not isinstance(net, BitswapNet):  # the caller connects first (files/online.py)
            raise FE.FilesRpcError("No peer-to-peer connection yet: files cannot be fetched")
        net.addresses[peer] = addresses
        task = self.running[inc.share] = asyncio.ensure_future(self._run(identity_id, inc, peer))
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and not (current is not None and current.cancelling()):
                raise FE.FileCancelled("Download cancelled") from None
            raise
        finally:
            del self.running[inc.share]

    async def save(self, identity_id: str, share_ref: str, out: Path, overwrite: bool) -> dict[str, Any]:
        """Download a share if it is not yet, then decrypt it to `out`: a file to that path (or
        into it, a folder), a folder's files under `out/<share name>/...` (names checked on
        arrival, so nothing lands outside `out`)."""
        await self.download(identity_id, share_ref)
        inc = await self.files.node.db(lambda s: find(s, identity_id, share_ref))
        written = []
        for item in inc.items:
            if inc.kind == "file":
                target = out
            else:
                target = out.joinpath(*item.path)
                target.parent.mkdir(parents=True, exist_ok=True)
            written.append(await self.files.get(identity_id, item.cap.cid, target, overwrite))
        top = out if inc.kind == "file" and not out.is_dir() else out / inc.name
        return {"share": inc.share, "name": inc.name, "files": len(written), "size": inc.size,
                "path": written[0]["path"] if inc.kind == "file" else str(top)}  # fmt: skip

    async def _run(self, identity_id: str, inc: Incoming, peer: str) -> dict[str, Any]:
        node, files = self.files.node, self.files
        have = await node.db(lambda s: have_roots(s, identity_id))
        todo = [it for it in inc.items if it.cap.cid not in have]
        total = sum(encrypted_size(it.cap.size) for it in todo)
        report = files._reporter("download", inc.share, inc.name, total)
        done = 0
        for item in todo:
            expected = encrypted_size(item.cap.size)

            def progress(n: int, base: int = done, cap: int = expected) -> None:
                report(base + min(n, cap))  # node blocks count too: never past the file's share

            await self._fetch(item, peer, progress)
            await node.db(lambda s, it=item: _list(s, identity_id, it))
            done += expected
            node.events.emit(FilesChanged(identity_id))
        report(total, final=True)
        return {"share": inc.share, "name": inc.name, "path": f"{DEST}/{inc.name}", "files": len(inc.items),
                "fetched": len(todo), "bytes": total}  # fmt: skip

    async def _fetch(self, item: Item, peer: str, progress: Any) -> None:
        exchange = self.files.exchange
        assert exchange is not None  # checked by download()
        shown = item.cap.name[:120]
        try:
            with self.files.blocks.writer() as w:
                size = await exchange.fetch_dag(Cid.parse(item.cap.cid), [peer], w, progress)
                if size != encrypted_size(item.cap.size):  # the capability and the DAG disagree
                    raise UnixFsError("its size is not the one it was shared with")
        except BlockUnavailable:
            raise FE.FilesRpcError(
                f"The sender's node did not give '{shown}': it may be offline, or the share revoked"
            ) from None
        except UnixFsError as exc:
            raise FE.FileDamaged(f"'{shown}' came malformed from the sender: {exc}") from None


def _list(s: Any, identity_id: str, item: Item) -> None:
    """Index a fetched file under /Shared with me/<its path>; a name taken by another file
    gets " (2)", " (3)"... (a second share with the same name must not replace the first)."""
    folder = "/".join((DEST, *item.path[:-1]))
    name = item.path[-1]
    stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    n = 1
    while index.name_taken(s, identity_id, folder, name):
        n += 1
        name = f"{stem} ({n}){dot}{ext}"
    cap = item.cap
    index.insert(
        s,
        identity_id,
        {
            "folder": folder,
            "name": name,
            "size": cap.size,
            "mime": cap.mime,
            "root_cid": cap.cid,
            "stored_size": encrypted_size(cap.size),
            "cipher": cap.cipher,
            "file_key": cap.key,
        },  # fmt: skip
    )
    log.debug("files: listed %s", join(folder, name))
