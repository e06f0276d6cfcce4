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
SHARE_KIND = "files.share/1"  # the "mfos" field of a share message's JSON payload
MAX_PART_BYTES = 12_000  # capabilities in one message (its JSON payload is at most 16 kB)
SHARE_ID_LEN = 16
MAX_ITEMS = 10_000


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


def files_under(s: Session, identity_id: str, ref: str) -> tuple[str, list[tuple[str, FileEntry]]]:
    """What sharing `ref` sends: a file (by id, CID or path), or every file under a folder path;
    returns the share's name and (path inside the share, entry) pairs."""
    from . import index

    hits = index.find(s, identity_id, ref)
    if len(hits) == 1:
        return hits[0].name, [(hits[0].name, hits[0])]
    if len(hits) > 1:
        raise FE.FilesRpcError(f"'{ref[:120]}' matches several files: use the file id")
    folder = ref.rstrip("/")
    if not folder.startswith("/") or folder == "":
        raise FE.FileNotFound(f"No file or folder matches '{ref[:120]}'")
    mine = select(FileEntry).where(FileEntry.identity_id == identity_id)
    rows = s.scalars(
        mine.where((FileEntry.folder == folder) | FileEntry.folder.startswith(folder + "/", autoescape=True))
    )
    top = folder.rsplit("/", 1)[1]
    pairs = [(f"{top}{e.folder[len(folder) :]}/{e.name}", e) for e in rows]
    if not pairs:
        raise FE.FileNotFound(f"No file or folder matches '{ref[:120]}'")
    if len(pairs) > MAX_ITEMS:
        raise FE.FilesRpcError(f"A share holds at most {MAX_ITEMS} files; this folder has {len(pairs)}")
    return top, sorted(pairs, key=lambda p: p[0])


def share_many(s: Session, identity_id: str, ref: str, peers: list[str]) -> dict[str, Any]:
    """Record a share of a file or folder with each peer; returns the share id (one per
    share, also naming its message), the share rows' ids (to revoke them) and what to send."""
    name, pairs = files_under(s, identity_id, ref)
    # a share's rows (one per file and peer) have ids starting with the share's id, so revoking
    # the share finds them all without another table
    share = uuid.uuid4().hex[:SHARE_ID_LEN]
    row_ids = []
    for peer in peers:
        for _path, e in pairs:
            row_ids.append(share + uuid.uuid4().hex[SHARE_ID_LEN:])
            s.add(FileShare(id=row_ids[-1], file_id=e.id, peer=peer, created_at=time.time()))
    items = [{"path": path, "cap": Capability(e.name, e.size, e.mime, e.root_cid, bytes(e.file_key), e.cipher).encode()}
             for path, e in pairs]  # fmt: skip
    folder = len(pairs) > 1 or pairs[0][0] != name
    head = {"mfos": SHARE_KIND, "share": share, "name": name, "kind": "folder" if folder else "file",
            "size": sum(e.size for _p, e in pairs), "type": None if folder else pairs[0][1].mime,
            "count": len(pairs)}  # fmt: skip
    parts: list[list[dict[str, str]]] = [[]]
    for item in items:
        if len(json.dumps(item)) > MAX_PART_BYTES:
            raise FE.BadFileName(f"A name in that folder is too long to share: {item['path'][:120]}")
        if len(json.dumps(parts[-1])) + len(json.dumps(item)) > MAX_PART_BYTES:
            parts.append([])
        parts[-1].append(item)
    payloads = [head | {"part": i, "parts": len(parts), "items": part} for i, part in enumerate(parts)]
    return {"share": share, "shareIds": row_ids, "payloads": payloads, "name": name, "count": len(pairs),
            "size": head["size"], "kind": head["kind"]}  # fmt: skip


def recipients(s: Session, identity_id: str, contact: str | None, group: str | None) -> list[str]:
    """The libp2p peer ids a share goes to: one contact's, or every other member's of a group
    (from their cards: bitswap knows peers by these ids)."""
    from vault.models import Identity

    from ..cards import ContactCard
    from ..comms import groups, requests
    from ..comms.store import sign_public

    if contact is not None:
        try:
            peer = requests.find_peer(s, identity_id, contact)
        except requests.RequestError as exc:
            raise FE.FilesRpcError(str(exc)) from None
        if peer.state != "contact" or not peer.peer_id:
            raise FE.FilesRpcError(f"{peer.display_name[:64]} cannot receive files: not a contact you can message")
        return [peer.peer_id]
    assert group is not None
    try:
        g = groups.find(s, identity_id, group)
    except groups.GroupError as exc:
        raise FE.FilesRpcError(str(exc)) from None
    me = s.get(Identity, identity_id)
    own = sign_public(me).hex() if me is not None else ""
    cards = [ContactCard.decode(c) for k, c in g.members.items() if k != own]
    ids = [c.peer.peer_id for c in cards if c.peer is not None]
    if not ids:
        raise FE.FilesRpcError("Nobody in that group can receive files yet")
    return ids


def revoke(s: Session, identity_id: str, share_id: str) -> bool:
    """Revoke one share row (its 32-character id), or a whole share (its 16-character id: every
    file and peer it covers). True when something was still shared."""
    if len(share_id) == SHARE_ID_LEN:
        rows = list(s.scalars(select(FileShare).where(FileShare.id.startswith(share_id, autoescape=True))))
    else:
        rows = [r for r in [s.get(FileShare, share_id)] if r is not None]
    owned = [r for r in rows if (f := s.get(FileEntry, r.file_id)) is not None and f.identity_id == identity_id]
    if not owned:  # a mistyped id is an error, not a quiet "nothing revoked"
        raise FE.FileNotFound(f"No share of yours matches '{share_id[:64]}' (see 'files shares')")
    done = False
    for row in owned:
        if row.revoked_at is None:
            row.revoked_at, done = time.time(), True
    return done


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
    return [{"id": sh.id, "share": sh.id[:SHARE_ID_LEN], "fileId": f.id, "path": f"{f.folder.rstrip('/')}/{f.name}",
             "peer": sh.peer,
             "createdAt": sh.created_at, "revoked": sh.revoked_at is not None} for sh, f in rows]  # fmt: skip
