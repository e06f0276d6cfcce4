"""Large `storage.files` of an app, kept in the identity's encrypted file store.

Small files (up to 512 KiB, one bridge message) stay in the vault as before; a larger one arrives
in numbered pieces and lands in the folder ``/AppStorage/<app id>``, separate from the app's
`mainframe.files` folder (that one needs FILES; this one only STORAGE). Both places answer to the
same names: writing a name in one place removes it from the other, in the same transaction.

A piece must start where the last one ended: anything else drops the whole upload, so nothing
half-written is ever listed. Handles belong to the caller that opened them (app + identity).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from . import errors as FE
from . import index
from .crypto import CIPHER, new_key
from .handles import AppStream, OwnedStreams, app_file_name
from .streams import Download, Upload
from .unixfs import Cid

ROOT = "/AppStorage"
MAX_FILE = 256 << 20  # per file: what an app may keep through the bridge in pieces
MAX_APP = 1 << 30  # all of one app's large storage files, per identity
MAX_PIECE = 512 << 10
MAX_OPEN = 8


def storage_folder(app_id: str) -> str:
    return f"{ROOT}/{app_id}"


class StorageFiles(OwnedStreams):
    def __init__(self, service: Any) -> None:
        super().__init__(MAX_OPEN, "storage file")
        self.service = service

    async def open_write(self, owner: str, identity_id: str, app_id: str, name: str, mime: str | None) -> str:
        name = app_file_name(name)
        used = await self.service.node.db(
            lambda s: sum(f["size"] for f in listing_in(s, identity_id, app_id) if f["name"] != name)
        )
        if used >= MAX_APP:
            raise FE.FilesRpcError(f"The app's large storage files are full ({MAX_APP >> 20} MiB)")
        key = new_key()
        upload = await asyncio.to_thread(Upload, self.service.blocks, key)
        room = min(MAX_FILE, MAX_APP - used)
        return self.open(AppStream(owner, identity_id, app_id, name, mime, upload, key, room))

    async def write(self, owner: str, hid: str, offset: int, data: bytes) -> int:
        h = self.get(owner, hid, Upload)
        up = h.stream
        assert isinstance(up, Upload)
        if offset != up.size:
            await self.close(owner, hid)
            raise FE.FilesRpcError(f"Piece out of order (at byte {offset}, expected {up.size}): nothing was kept")
        if up.size + len(data) > h.room:
            await self.close(owner, hid)
            if h.room < MAX_FILE:
                raise FE.FilesRpcError(
                    f"The app's large storage files are full ({MAX_APP >> 20} MiB): nothing was kept"
                )
            raise FE.FilesRpcError(f"Storage files are at most {MAX_FILE >> 20} MiB: nothing was kept")
        try:
            await asyncio.to_thread(up.write, data)
        except OSError as exc:
            await self.close(owner, hid)
            if FE.is_disk_full(exc):
                raise FE.DiskFull(f"Not enough disk space for '{h.name[:120]}': nothing was kept") from None
            raise
        return up.size

    async def close_write(self, owner: str, hid: str, drop_small: Any) -> dict[str, Any]:
        """Store the file; `drop_small(session, name)` removes a small vault copy of the same name."""
        h = self.take(owner, hid, Upload)
        up = h.stream
        assert isinstance(up, Upload)
        stored = await asyncio.to_thread(up.close)
        folder = storage_folder(h.app_id)
        fields = {
            "folder": folder, "name": h.name, "size": stored.plain_size, "mime": h.mime,
            "root_cid": str(stored.root), "stored_size": stored.stored_size, "cipher": CIPHER, "file_key": h.key,
        }  # fmt: skip

        def replace(s: Any) -> dict[str, Any]:
            for old in index.find(s, h.identity_id, f"{folder}/{h.name}"):
                index.remove(s, old.id)
            drop_small(s, h.name)
            return index.insert(s, h.identity_id, fields)

        try:
            entry = await self.service.node.db(replace)
        except BaseException:
            await asyncio.to_thread(self.service.blocks.drop_pack, up.pack)
            raise
        return {"name": entry["name"], "size": entry["size"], "mime": entry["mime"]}

    async def open_read(self, owner: str, identity_id: str, app_id: str, name: str) -> dict[str, Any] | None:
        found = await self.find(identity_id, app_id, name)
        if found is None:
            return None
        f, mime = found
        down = Download(self.service.blocks, Cid.parse(f.root_cid), f.key)
        hid = self.open(AppStream(owner, identity_id, app_id, f.name, None, down))
        return {"handle": hid, "size": f.size, "mime": mime}

    async def read(self, owner: str, hid: str, limit: int) -> bytes:
        down = self.get(owner, hid, Download).stream
        assert isinstance(down, Download)
        try:
            return await asyncio.to_thread(down.read, max(1, min(limit, MAX_PIECE)))
        except (ValueError, LookupError) as exc:
            raise FE.FileDamaged(f"The file cannot be read: {exc}") from None

    async def find(self, identity_id: str, app_id: str, name: str) -> tuple[index.Opened, str | None] | None:
        try:
            ref = f"{storage_folder(app_id)}/{app_file_name(name)}"
        except FE.BadFileName:
            return None  # an old vault-only name (with "/"): never in the store
        hits = await self.service.node.db(
            lambda s: [(index.opened(e), e.mime) for e in index.find(s, identity_id, ref)]
        )
        return hits[0] if hits else None


def remove_in(s: Any, identity_id: str, app_id: str, name: str) -> bool:
    """Remove the stored copy of `name` inside a vault transaction; true if there was one."""
    try:
        ref = f"{storage_folder(app_id)}/{app_file_name(name)}"
    except FE.BadFileName:
        return False
    hits = index.find(s, identity_id, ref)
    for e in hits:
        index.remove(s, e.id)
    return bool(hits)


def listing_in(s: Any, identity_id: str, app_id: str) -> list[dict[str, Any]]:
    return list(index.listing(s, identity_id, storage_folder(app_id), None)["files"])


_per_service: weakref.WeakKeyDictionary[Any, StorageFiles] = weakref.WeakKeyDictionary()


def storage_files(service: Any) -> StorageFiles:
    """The handles of one files service (one unlocked vault): gone with it when the vault locks."""
    found = _per_service.get(service)
    if found is None:
        found = _per_service[service] = StorageFiles(service)
    return found


def close_storage_files(service: Any) -> None:
    """When the vault locks: drop unfinished uploads (their packs deleted) and every handle."""
    found = _per_service.pop(service, None)
    if found is not None:
        found.close_all()
