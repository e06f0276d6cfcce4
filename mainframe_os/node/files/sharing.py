"""Sharing files with peers: capabilities out, capabilities in, and who may fetch which blocks.

A capability is everything a recipient needs to fetch and open one file, and nothing more:

    mfshare1.<base64url(JSON {name, size, mime, cid, key, cipher})>

It travels inside an end-to-end encrypted message (node/comms); whoever holds it can open the
file, so it is shown to nobody else and never logged. The sender's node serves the file's blocks
over bitswap only to the peers it shared with, until the share is revoked.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import FileEntry, FileShare

from . import errors as FE
from .crypto import CIPHER
from .names import BadName, clean_name
from .unixfs import Cid, UnixFsError

PREFIX = "mfshare1."
MAX_CAPABILITY = 4096


@dataclass(frozen=True)
class Capability:
    name: str
    size: int
    mime: str | None
    cid: str
    key: bytes
    cipher: str

    def encode(self) -> str:
        body = {"name": self.name, "size": self.size, "mime": self.mime, "cid": self.cid,
                "key": base64.b64encode(self.key).decode(), "cipher": self.cipher}  # fmt: skip
        return PREFIX + base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Capability:
        """Parse and check a capability; any fault is one clear error (the text is not echoed)."""
        text = text.strip()
        if not text.startswith(PREFIX) or len(text) > MAX_CAPABILITY:
            raise FE.FilesRpcError("That is not a file share")
        try:
            raw = text[len(PREFIX) :]
            body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            cap = cls(str(body["name"]), int(body["size"]), body.get("mime"), str(body["cid"]),
                      base64.b64decode(body["key"], validate=True), str(body["cipher"]))  # fmt: skip
            clean_name(cap.name)
            Cid.parse(cap.cid)
        except (ValueError, KeyError, TypeError, UnixFsError, BadName) as exc:
            raise FE.FilesRpcError(f"That file share is damaged ({type(exc).__name__})") from None
        if cap.cipher != CIPHER or len(cap.key) != 32 or cap.size < 0:
            raise FE.FilesRpcError("That file share uses a format this version cannot open")
        return cap


def share(s: Session, identity_id: str, file_id: str, peer: str) -> tuple[str, str]:
    """Record a share of a file with `peer`; returns (share id, capability)."""
    e = s.get(FileEntry, file_id)
    if e is None or e.identity_id != identity_id:
        raise FE.FileNotFound()
    sid = uuid.uuid4().hex
    s.add(FileShare(id=sid, file_id=file_id, peer=peer, created_at=time.time()))
    cap = Capability(e.name, e.size, e.mime, e.root_cid, bytes(e.file_key), e.cipher)
    return sid, cap.encode()


def revoke(s: Session, identity_id: str, share_id: str) -> bool:
    row = s.get(FileShare, share_id)
    if row is None or row.revoked_at is not None:
        return False
    owner = s.get(FileEntry, row.file_id)
    if owner is None or owner.identity_id != identity_id:
        return False
    row.revoked_at = time.time()
    return True


def shared_roots(s: Session) -> dict[str, set[str]]:
    """peer -> root CIDs it may fetch (shares not revoked, of files still there)."""
    q = select(FileShare.peer, FileEntry.root_cid).join(FileEntry, FileEntry.id == FileShare.file_id)
    out: dict[str, set[str]] = {}
    for peer, root in s.execute(q.where(FileShare.revoked_at.is_(None))):
        out.setdefault(peer, set()).add(root)
    return out


def shares_json(s: Session, identity_id: str) -> list[dict[str, Any]]:
    q = select(FileShare, FileEntry).join(FileEntry, FileEntry.id == FileShare.file_id)
    rows = s.execute(q.where(FileEntry.identity_id == identity_id).order_by(FileShare.created_at))
    return [{"id": sh.id, "fileId": f.id, "path": f"{f.folder.rstrip('/')}/{f.name}", "peer": sh.peer,
             "createdAt": sh.created_at, "revoked": sh.revoked_at is not None} for sh, f in rows]  # fmt: skip
