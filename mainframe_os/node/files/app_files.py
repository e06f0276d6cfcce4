"""An app's own files in the identity's encrypted store, written and read as streams.

An app's files live in the folder ``/Apps/<app id>`` of the identity it runs as (so the user
sees them in Files), named by the app; the app never names a path or sees another folder. It
reaches them through handles: open, write or read pieces, close. Handles belong to the caller
that opened them, at most MAX_OPEN at a time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from . import errors as FE
from . import index
from .crypto import CIPHER, new_key
from .handles import AppStream, OwnedStreams, app_file_name
from .streams import Download, Upload
from .unixfs import Cid

MAX_OPEN = 8
MAX_PIECE = 1 << 20


def app_folder(app_id: str) -> str:
    return f"/Apps/{app_id}"


class AppFiles(OwnedStreams):
    def __init__(self, service: Any) -> None:
        super().__init__(MAX_OPEN, "file")
        self.service = service

    async def open_write(self, owner: str, identity_id: str, app_id: str, name: str, mime: str | None) -> str:
        key = new_key()
        upload = await asyncio.to_thread(Upload, self.service.blocks, key)
        return self.open(AppStream(owner, identity_id, app_id, app_file_name(name), mime, upload, key))

    async def write(self, owner: str, hid: str, data: bytes) -> int:
        h = self.get(owner, hid)
        if not isinstance(h.stream, Upload):
            raise FE.FilesRpcError("That file is open for reading")
        try:
            await asyncio.to_thread(h.stream.write, data)
        except OSError as exc:
            if not FE.is_disk_full(exc):
                raise
            await self.close(owner, hid)  # deletes what was written so far
            raise FE.DiskFull(f"Not enough disk space for '{h.name[:120]}': nothing was kept") from None
        return h.stream.size

    async def close_write(self, owner: str, hid: str, app_id: str) -> dict[str, Any]:
        h = self.get(owner, hid)
        if not isinstance(h.stream, Upload):
            raise FE.FilesRpcError("That file is open for reading")
        self.take(owner, hid)
        upload = h.stream
        try:
            stored = await asyncio.to_thread(upload.close)
        except BaseException as exc:
            await asyncio.to_thread(self.service.blocks.drop_pack, upload.pack)
            if FE.is_disk_full(exc):
                raise FE.DiskFull(f"Not enough disk space for '{h.name[:120]}': nothing was kept") from None
            raise
        fields = {
            "folder": app_folder(app_id), "name": h.name, "size": stored.plain_size, "mime": h.mime,
            "root_cid": str(stored.root), "stored_size": stored.stored_size, "cipher": CIPHER, "file_key": h.key,
        }  # fmt: skip

        def replace(s: Any) -> dict[str, Any]:  # a new version replaces the old in one transaction
            for old in index.find(s, h.identity_id, f"{fields['folder']}/{h.name}"):
                index.remove(s, old.id)
            return index.insert(s, h.identity_id, fields)

        try:
            entry = await self.service.node.db(replace)
        except BaseException as exc:
            await asyncio.to_thread(self.service.blocks.drop_pack, upload.pack)
            if FE.is_disk_full(exc):
                raise FE.DiskFull(f"Not enough disk space for '{h.name[:120]}': nothing was kept") from None
            raise
        return {"name": entry["name"], "size": entry["size"], "mime": entry["mime"]}

    async def import_picked(self, identity_id: str, app_id: str, src: Path) -> dict[str, Any]:
        """Add a file the user picked for the app into the app's folder, under its own name or,
        when the app already has one by that name, "name (2).ext" and so on. What the app gets
        back is that name, its size and type: never where the file was."""
        folder = app_folder(app_id)
        for _ in range(3):  # another file may take the free name while this one is encrypted
            name = await self.service.node.db(lambda s: _free_name(s, identity_id, folder, app_file_name(src.name)))
            try:
                entry = await self.service.add(identity_id, src, folder, name)
            except FE.FileExists:
                continue
            return {"name": entry["name"], "size": entry["size"], "mime": entry["mime"]}
        raise FE.FilesBusy("Could not find a free name for the picked file: try again")

    async def open_read(self, owner: str, identity_id: str, app_id: str, name: str) -> dict[str, Any]:
        f = await self.service.open_entry(identity_id, f"{app_folder(app_id)}/{app_file_name(name)}")
        down = Download(self.service.blocks, Cid.parse(f.root_cid), f.key)
        hid = self.open(AppStream(owner, identity_id, app_id, f.name, None, down))
        return {"handle": hid, "size": f.size}

    async def read(self, owner: str, hid: str, limit: int) -> bytes:
        h = self.get(owner, hid)
        if not isinstance(h.stream, Download):
            raise FE.FilesRpcError("That file is open for writing")
        try:
            return await asyncio.to_thread(h.stream.read, max(1, min(limit, MAX_PIECE)))
        except (ValueError, LookupError) as exc:
            raise FE.FileDamaged(f"The file cannot be read: {exc}") from None


def _free_name(s: Any, identity_id: str, folder: str, name: str) -> str:
    stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    candidate, n = name, 1
    while index.name_taken(s, identity_id, folder, candidate):
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    return candidate


def shares(s: Any, identity_id: str, app_id: str) -> list[dict[str, Any]]:
    """The app's own files shared with contacts picked for it (newest first): the file's name and
    size, the contact as this app knows them (its per-app id and name), when, revoked or not.

    A share of the app's folder the user made in Files with someone never picked for the app is
    left out: the app learns no contact it was not given."""
    from sqlalchemy import select

    from vault.models import AppData, CommsPeer, Contact, FileEntry, FileShare

    from ..comms import app_scope
    from .sharing import SHARE_ID_LEN

    key = app_scope.app_key(s, identity_id, app_id)
    picked = {
        c.sign_public: c
        for c in s.scalars(select(Contact).where(Contact.identity_id == identity_id))
        if any(s.get(AppData, (identity_id, app_id, kind, c.id)) for kind in app_scope.PAYING)
    }
    by_peer = {
        p.peer_id: picked[p.sign_public]
        for p in s.scalars(select(CommsPeer).where(CommsPeer.identity_id == identity_id))
        if p.peer_id and p.sign_public in picked
    }
    q = select(FileShare, FileEntry).join(FileEntry, FileEntry.id == FileShare.file_id)
    q = q.where(FileEntry.identity_id == identity_id, FileEntry.folder == app_folder(app_id))
    out = []
    for sh, f in s.execute(q.order_by(FileShare.created_at.desc())):
        c = by_peer.get(sh.peer)
        if c is None:
            continue
        out.append({"share": sh.id[:SHARE_ID_LEN], "name": f.name, "size": f.size,
                    "contactId": app_scope.contact_pseudonym(key, c.id), "displayName": c.display_name,
                    "sharedAt": sh.created_at, "revoked": sh.revoked_at is not None})  # fmt: skip
    return out
