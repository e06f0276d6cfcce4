"""The files service of an open vault: add, list, get, move, remove, gc, and crash recovery.

Blocks live under ``home/files/<store id>/blocks`` (one store per vault, its id a random
setting in the vault), the index and keys inside the vault. An add writes a journal entry
(``adding/<job>``, empty: it holds no secret) before its first block and removes it after the
index row is committed, so a crash in between leaves a journal that the next start answers with
a garbage collection: nothing half-added is listed, and its blocks do not linger.

    files = await files_service(node)
    entry = await files.add(identity_id, Path("photo.jpg"), "/Pictures", None)
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..events import FileProgress, FilesChanged
from ..faults import crash_point
from . import errors as FE
from . import index, sharing
from .app_files import AppFiles
from .blockstore import BlockCorrupt, BlockMissing, BlockStore
from .crypto import CIPHER, DecryptionFailed, encrypted_size, new_key
from .dag import dag_cids
from .downloads import Downloads
from .exchange import BitswapHost, BlockExchange, BlockUnavailable
from .names import BadName, clean_folder, clean_name
from .store import AddJob, Cancelled, decrypt_to, encrypt_into
from .unixfs import Cid, UnixFsError

log = logging.getLogger("mainframe_os.files")
PROGRESS_EVERY = 0.1  # seconds between progress events of one job
ANYONE = "*"  # in the served map: blocks of public files, served to every peer


async def files_service(node: Any) -> FilesService:
    session = node.session  # vault-scoped: VaultSession.close closes it when the vault locks
    svc = session.files
    if svc is None:
        store_id = await node.db(index.store_id)
        if session.files is None:  # another first caller may have made it meanwhile
            session.files = FilesService(node, node.paths.files / store_id)
        svc = session.files
    await svc.recover()  # every caller: one arriving while the first recovers must wait for it
    return svc


class FilesService:
    def __init__(self, node: Any, root: Path) -> None:
        self.node = node
        self.root = root
        self.blocks = BlockStore(root)
        self.journal = root / "adding"
        self.journal.mkdir(exist_ok=True, mode=0o700)
        self._jobs: dict[str, AddJob] = {}
        self._gc_lock = asyncio.Lock()
        self._recovery: asyncio.Task[None] | None = None
        self.apps = AppFiles(self)
        self.exchange: BlockExchange | None = None
        self.downloads = Downloads(self)  # shares others sent us, being fetched
        self._served: dict[str, frozenset[Cid]] = {}  # peer -> blocks it may fetch (its shares)
        self._unwatch: Callable[[], None] | None = None
        self._refreshing: asyncio.Future[None] | None = None
        self._refresh_again = False

    # -- adding --------------------------------------------------------------------------------

    async def add(self, identity_id: str, src: Path, folder: str | None, name: str | None) -> dict[str, Any]:
        folder, name = _clean(folder, src.name if name is None else name)
        if not src.is_file():
            raise FE.FilesRpcError(f"Not a file: {src.name[:120]}")
        if await self.node.db(lambda s: index.name_taken(s, identity_id, folder, name)):
            raise FE.FileExists(f"'{name[:120]}' is already in {folder[:200]}")
        async with self._gc_lock:  # gc must not run while blocks of an unindexed file exist
            job_id = uuid.uuid4().hex
            job = self._jobs[job_id] = AddJob()
        total = 0
        try:
            (self.journal / job_id).touch()
            key = new_key()
            total = src.stat().st_size
            report = self._reporter("add", job_id, name, total)
            stored = await asyncio.to_thread(encrypt_into, self.blocks, src, key, job, report)
            report(stored.plain_size, final=True)
            crash_point("files.add.blocks-stored")
            fields = {
                "folder": folder, "name": name, "size": stored.plain_size, "mime": _mime(name),
                "root_cid": str(stored.root), "stored_size": stored.stored_size, "cipher": CIPHER,
                "file_key": key,
            }  # fmt: skip
            entry = await self.node.db(lambda s: _insert_unique(s, identity_id, fields))
            crash_point("files.add.indexed")
        except BaseException as exc:
            if job.pack is not None:  # a failed add leaves no blocks (a crash: recover() does it)
                await asyncio.to_thread(self.blocks.drop_pack, job.pack)
            if isinstance(exc, Cancelled):
                raise FE.FileCancelled() from None
            if FE.is_disk_full(exc):
                raise FE.DiskFull(
                    f"Not enough disk space to add '{name[:120]}' ({_mb(total)}): nothing was kept"
                ) from None
            raise
        finally:
            del self._jobs[job_id]
            (self.journal / job_id).unlink(missing_ok=True)
        self.node.events.emit(FilesChanged(identity_id))
        return entry | {"job": job_id}

    async def add_folder(self, identity_id: str, src: Path, folder: str | None, name: str | None) -> dict[str, Any]:
        """Add every regular file under `src` into `folder`/<its name>/..., keeping the tree.
        Symbolic links are not followed; a file whose name cannot be kept is skipped and said."""
        top, top_name = _clean(folder, src.name if name is None else name)
        base = top.rstrip("/") + "/" + top_name
        added: list[dict[str, Any]] = []
        skipped: list[dict[str, str]] = []
        for here, dirs, files in os.walk(src, followlinks=False):
            dirs.sort()
            rel = Path(here).relative_to(src).parts
            for fname in sorted(files):
                path = Path(here) / fname
                shown = "/".join((*rel, fname))
                if path.is_symlink() or not path.is_file():
                    skipped.append({"path": shown, "reason": "not a regular file"})
                    continue
                try:
                    dest = clean_folder("/".join((base, *rel)))
                    added.append(await self.add(identity_id, path, dest, fname))
                except (FE.BadFileName, FE.FileExists) as exc:
                    skipped.append({"path": shown, "reason": exc.message})
        return {"folder": base, "added": len(added), "skipped": skipped[:100], "skippedCount": len(skipped)}

    def cancel(self, job_id: str) -> bool:
        job = self._jobs.get(job_id)
        if job is not None:
            job.cancel.set()
        return job is not None or self.downloads.cancel(job_id)

    def _reporter(self, op: str, job_id: str, name: str, total: int) -> Callable[..., None]:
        """A progress callback for a worker thread: events reach the loop at most every 100 ms."""
        loop = asyncio.get_running_loop()
        loop_thread = threading.get_ident()
        last = [0.0]

        def report(done: int, final: bool = False) -> None:
            now = time.monotonic()
            if final or now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                event = FileProgress(op, job_id, name, done, total)
                if threading.get_ident() == loop_thread:  # in order, before the call returns
                    self.node.events.emit(event)
                else:
                    loop.call_soon_threadsafe(self.node.events.emit, event)

        return report

    # -- reading -------------------------------------------------------------------------------

    async def open_entry(self, identity_id: str, ref: str) -> index.Opened:
        hits = await self.node.db(lambda s: [index.opened(e) for e in index.find(s, identity_id, ref)])
        if not hits:
            raise FE.FileNotFound(f"No file matches '{ref[:120]}'")
        if len(hits) > 1:
            raise FE.FilesRpcError(f"'{ref[:120]}' matches several files: use the file id")
        return hits[0]

    async def get(self, identity_id: str, ref: str, out: Path, overwrite: bool) -> dict[str, Any]:
        f = await self.open_entry(identity_id, ref)
        if out.is_dir():
            out = out / clean_name(f.name)
        if out.exists() and not overwrite:
            raise FE.FileExists(f"{out.name[:120]} already exists (overwrite it explicitly)")
        report = self._reporter("get", f.id, f.name, f.size)
        try:
            size = await asyncio.to_thread(decrypt_to, self.blocks, Cid.parse(f.root_cid), f.key, out, f.size, report)
        except (BlockCorrupt, BlockMissing, UnixFsError, DecryptionFailed, ValueError) as exc:
            raise FE.FileDamaged(f"'{f.name[:120]}' cannot be opened: {exc}") from None
        except OSError as exc:
            if FE.is_disk_full(exc):
                raise FE.DiskFull(f"Not enough disk space to write '{f.name[:120]}' ({_mb(f.size)}) there") from None
            raise
        report(size, final=True)
        return {"id": f.id, "name": f.name, "size": size, "path": str(out)}

    # -- the tree ------------------------------------------------------------------------------

    async def move(self, identity_id: str, ref: str, folder: str | None, name: str | None) -> dict[str, Any]:
        f = await self.open_entry(identity_id, ref)
        new_folder, new_name = _clean(f.folder if folder is None else folder, f.name if name is None else name)

        def move(s: Any) -> dict[str, Any]:
            if (new_folder, new_name) != (f.folder, f.name) and index.name_taken(s, identity_id, new_folder, new_name):
                raise FE.FileExists(f"'{new_name[:120]}' is already in {new_folder[:200]}")
            return index.move(s, f.id, new_folder, new_name)

        moved = await self.node.db(move)
        self.node.events.emit(FilesChanged(identity_id))
        return moved

    async def remove(self, identity_id: str, ref: str) -> dict[str, Any]:
        f = await self.open_entry(identity_id, ref)
        await self.node.db(lambda s: index.remove(s, f.id))
        self.node.events.emit(FilesChanged(identity_id))
        return {"id": f.id, "name": f.name, "removed": True}

    def close(self) -> None:
        for job in self._jobs.values():
            job.cancel.set()
        for download in self.downloads.running.values():
            download.cancel()
        if self._unwatch is not None:
            self._unwatch()
        if self._refreshing is not None:
            self._refreshing.cancel()
        self.apps.close_all()
        from .app_storage import close_storage_files  # storage.files' large uploads (node/methods/storage.py)

        close_storage_files(self)
        self.blocks.close()

    # -- sharing with peers ------------------------------------------------------------------------

    async def attach_host(self, host: BitswapHost) -> BlockExchange:
        """Serve and fetch blocks through a peer-to-peer host (node/comms' libp2p host)."""
        self.exchange = BlockExchange(self.blocks, host, may_serve=self._may_serve)
        if self._unwatch is None:  # a removed file stops being served at once, not at the next share
            self._unwatch = self.node.events.subscribe(FilesChanged, lambda _e: self._refresh_soon())
        await self.refresh_served()
        return self.exchange

    def _refresh_soon(self) -> None:
        """One refresh at a time; changes made while one runs get one more after it (a folder
        of 10,000 files added costs a few refreshes, not 10,000)."""
        if self._refreshing is not None and not self._refreshing.done():
            self._refresh_again = True
            return

        async def run() -> None:
            self._refresh_again = True
            while self._refresh_again:
                self._refresh_again = False
                try:
                    await self.refresh_served()
                except Exception:  # noqa: BLE001 - the vault locking meanwhile: nothing to serve
                    log.info("files: could not refresh what is shared", exc_info=True)
                    return

        self._refreshing = asyncio.ensure_future(run())

    def _may_serve(self, peer: str, cid: Cid) -> bool:
        return cid in self._served.get(peer, frozenset()) or cid in self._served.get(ANYONE, frozenset())

    async def refresh_served(self) -> None:
        from .public import public_roots

        roots = await self.node.db(sharing.shared_roots)
        roots[ANYONE] = set((await self.node.db(public_roots)).values())  # files the user made public

        def walk() -> dict[str, frozenset[Cid]]:
            out: dict[str, frozenset[Cid]] = {}
            for peer, peer_roots in roots.items():
                cids: set[Cid] = set()
                for root in peer_roots:
                    try:
                        cids.update(dag_cids(self.blocks.get, Cid.parse(root)))
                    except (BlockCorrupt, BlockMissing, UnixFsError):
                        log.warning("files: a shared file's blocks are damaged or missing; not served")
                out[peer] = frozenset(cids)
            return out

        self._served = await asyncio.to_thread(walk)

    async def share(self, identity_id: str, ref: str, peer: str) -> dict[str, Any]:
        f = await self.open_entry(identity_id, ref)
        share_id, capability = await self.node.db(lambda s: sharing.share(s, identity_id, f.id, peer))
        await self.refresh_served()
        return {"shareId": share_id, "capability": capability, "name": f.name, "size": f.size}

    async def revoke(self, identity_id: str, share_id: str) -> bool:
        done = bool(await self.node.db(lambda s: sharing.revoke(s, identity_id, share_id)))
        await self.refresh_served()
        return done

    async def receive(self, identity_id: str, capability: str, folder: str | None) -> dict[str, Any]:
        """List a file someone shared (its blocks come with `fetch`)."""
        cap = sharing.Capability.decode(capability)
        where, name = _clean(folder or "/Shared with me", cap.name)
        fields = {
            "folder": where, "name": name, "size": cap.size, "mime": cap.mime, "root_cid": cap.cid,
            "stored_size": encrypted_size(cap.size), "cipher": cap.cipher, "file_key": cap.key,
        }  # fmt: skip
        entry = await self.node.db(lambda s: _insert_unique(s, identity_id, fields))
        self.node.events.emit(FilesChanged(identity_id))
        return entry

    async def fetch(self, identity_id: str, ref: str, providers: list[str]) -> dict[str, Any]:
        """Fetch a file's blocks from the peers that have it (verified, limits as from disk)."""
        if self.exchange is None:
            raise FE.FilesRpcError("No peer-to-peer connection yet: files cannot be fetched")
        f = await self.open_entry(identity_id, ref)
        report = self._reporter("fetch", f.id, f.name, encrypted_size(f.size))
        try:
            with self.blocks.writer() as w:
                await self.exchange.fetch_dag(Cid.parse(f.root_cid), providers, w, report)
        except BlockUnavailable as exc:
            raise FE.FilesRpcError(f"No peer gave '{f.name[:120]}' ({len(exc.tried)} asked)") from None
        except UnixFsError as exc:
            raise FE.FileDamaged(f"'{f.name[:120]}' came malformed from its peers: {exc}") from None
        report(encrypted_size(f.size), final=True)
        return {"id": f.id, "name": f.name, "size": f.size}

    # -- garbage collection and recovery ---------------------------------------------------------

    async def gc(self) -> dict[str, Any]:
        """Delete every block no file of this vault needs; refuses while an add is running."""
        if self._jobs or len(self.apps) or self.downloads.running:
            raise FE.FilesBusy("A file is being added: collect garbage when it is done")
        from .public import public_roots

        async with self._gc_lock:
            roots = await self.node.db(index.all_roots) | set((await self.node.db(public_roots)).values())
            return await asyncio.to_thread(self._collect, roots)

    def _collect(self, roots: set[str]) -> dict[str, Any]:
        keep: set[Cid] = set()
        for root in roots:
            try:
                keep.update(dag_cids(self.blocks.get, Cid.parse(root)))
            except (BlockCorrupt, BlockMissing, UnixFsError) as exc:
                # without the whole DAG we cannot tell which blocks are its: delete nothing
                raise FE.FileDamaged(f"Garbage collection stopped, nothing deleted: {exc}") from None
        removed, freed = self.blocks.collect(keep)
        return {"removedBlocks": removed, "freedBytes": freed, "keptBlocks": len(keep)}

    async def recover(self) -> None:
        """Finish what a crash interrupted: half-written blocks go, and if an add died before
        its file was indexed, a gc removes its blocks. Every caller waits for the one run."""
        if self._recovery is None:
            self._recovery = asyncio.ensure_future(self._recover())
        await asyncio.shield(self._recovery)

    async def _recover(self) -> None:
        swept = await asyncio.to_thread(self.blocks.sweep_temporary)
        journals = list(self.journal.iterdir())
        if journals:
            log.warning("files: %d interrupted add(s) found, collecting their blocks", len(journals))
            result = await self.gc()
            for j in journals:
                j.unlink(missing_ok=True)
            log.warning("files: recovery removed %d block(s), %d temporary", result["removedBlocks"], swept)


def _clean(folder: str | None, name: str) -> tuple[str, str]:
    try:
        return clean_folder(folder), clean_name(name)
    except BadName as exc:
        raise FE.BadFileName(str(exc)) from None


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _mime(name: str) -> str | None:
    return mimetypes.guess_type(name, strict=False)[0]


def _insert_unique(s: Any, identity_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    if index.name_taken(s, identity_id, fields["folder"], fields["name"]):  # taken while we encrypted
        raise FE.FileExists(f"'{fields['name'][:120]}' is already in {fields['folder'][:200]}")
    return index.insert(s, identity_id, fields)
