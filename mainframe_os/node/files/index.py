"""The file index inside the vault: queries on `file_entry`, run on the vault thread.

The index is the only place a file's key lives; everything here takes an open SQLAlchemy
session (`node.db(lambda s: ...)`) and returns plain dicts or rows, never the key to a caller
outside the files package.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vault.models import FileEntry, Setting

from .names import join

STORE_ID_SETTING = "files.storeId"


@dataclass(frozen=True)
class Opened:
    """What reading a file needs: never returned past the files package."""

    id: str
    folder: str
    name: str
    size: int
    root_cid: str
    cipher: str
    key: bytes


def store_id(s: Session) -> str:
    """This vault's block folder name under home/files (random, so it reveals nothing)."""
    row = s.get(Setting, STORE_ID_SETTING)
    if row is None:
        row = Setting(key=STORE_ID_SETTING, value=os.urandom(12).hex())
        s.add(row)
    return str(row.value)


def entry_json(e: FileEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "identityId": e.identity_id,
        "name": e.name,
        "folder": e.folder,
        "path": join(e.folder, e.name),
        "size": e.size,
        "mime": e.mime,
        "cid": e.root_cid,
        "storedSize": e.stored_size,
        "addedAt": e.added_at,
    }


def name_taken(s: Session, identity_id: str, folder: str, name: str) -> bool:
    q = select(FileEntry.id).where(
        FileEntry.identity_id == identity_id, FileEntry.folder == folder, FileEntry.name == name
    )
    return s.scalars(q).first() is not None


def insert(s: Session, identity_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    e = FileEntry(identity_id=identity_id, added_at=time.time(), **fields)
    s.add(e)
    s.flush()
    return entry_json(e)


def listing(s: Session, identity_id: str, folder: str | None, query: str | None) -> dict[str, Any]:
    """Files directly in `folder` (all folders when None) and the folders just below it."""
    q = select(FileEntry).where(FileEntry.identity_id == identity_id)
    if folder is not None:
        prefix = folder.rstrip("/") + "/"
        sub = select(FileEntry.folder).where(
            FileEntry.identity_id == identity_id, FileEntry.folder.startswith(prefix, autoescape=True)
        )
        below = {f[len(prefix) :].split("/", 1)[0] for f in s.scalars(sub.distinct()) if f != folder}
        q = q.where(FileEntry.folder == folder)
    else:
        below = set()
    if query:
        q = q.where(FileEntry.name.contains(query, autoescape=True))
    files = [entry_json(e) for e in s.scalars(q.order_by(FileEntry.folder, FileEntry.name))]
    return {"folder": folder, "folders": sorted(below), "files": files}


def find(s: Session, identity_id: str, ref: str) -> list[FileEntry]:
    """Files matching `ref`: an id or id prefix (6+), a root CID, or a path "/folder/name"."""
    mine = select(FileEntry).where(FileEntry.identity_id == identity_id)
    if ref.startswith("/"):
        folder, _, name = ref.rpartition("/")
        return list(s.scalars(mine.where(FileEntry.folder == (folder or "/"), FileEntry.name == name)))
    hits = list(s.scalars(mine.where(FileEntry.root_cid == ref)))
    if not hits and len(ref) >= 6:
        hits = list(s.scalars(mine.where(FileEntry.id.startswith(ref.lower(), autoescape=True))))
    return hits


def opened(e: FileEntry) -> Opened:
    return Opened(e.id, e.folder, e.name, e.size, e.root_cid, e.cipher, bytes(e.file_key))


def all_roots(s: Session) -> set[str]:
    """Root CIDs of every file of every identity in the vault: what gc must keep."""
    return set(s.scalars(select(FileEntry.root_cid).distinct()))


def remove(s: Session, file_id: str) -> None:
    s.execute(delete(FileEntry).where(FileEntry.id == file_id))


def move(s: Session, file_id: str, folder: str, name: str) -> dict[str, Any]:
    e = s.get(FileEntry, file_id)
    assert e is not None
    e.folder, e.name = folder, name
    s.flush()
    return entry_json(e)
