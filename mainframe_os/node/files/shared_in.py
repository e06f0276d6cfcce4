"""Files others shared with us ("Shared with me"): read back from the share messages that came
through messaging (JSON payloads, stored end-to-end decrypted in the vault), checked, and
grouped into shares.

A share message's payload (sharing.share_many makes it; a big folder takes several messages):

    {"mfos": "files.share/1", "share": "<16 hex>", "name": "Holiday", "kind": "folder",
     "size": 123, "type": null, "count": 2, "part": 0, "parts": 1,
     "items": [{"path": "Holiday/beach/1.jpg", "cap": "mfshare1...."}, ...]}

Everything in it is the sender's word, so every path is taken apart and each name checked by
the same rule as a local file name: "..", ".", "/", "\\" and control characters are refused,
and every path must start with the share's own name (nothing lands outside its folder). One bad
item refuses the whole share: it is listed as refused, with the reason, and cannot be
downloaded. Parts are grouped by (sender, share id), so nobody can add files to another
person's share.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import CommsGroup, CommsMessage, FileEntry

from . import errors as FE
from .names import MAX_DEPTH, BadName, clean_name
from .sharing import MAX_ITEMS, SHARE_ID_LEN, SHARE_KIND, Capability

log = logging.getLogger("mainframe_os.files")
DEST = "/Shared with me"
_SHARE_ID = re.compile(f"[0-9a-f]{{{SHARE_ID_LEN}}}")


class BadShare(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    path: tuple[str, ...]  # checked names, the share's name first
    cap: Capability


@dataclass
class Incoming:
    share: str
    sender: bytes  # the sender's signing key (messaging identity)
    group_id: str | None
    name: str = ""
    kind: str = "file"
    size: int = 0
    mime: str | None = None
    count: int = 0
    parts: int = 1
    received_at: float = 0.0
    seen_parts: set[int] = field(default_factory=set)
    items: list[Item] = field(default_factory=list)
    refused: str | None = None

    @property
    def complete(self) -> bool:
        return self.refused is None and len(self.seen_parts) == self.parts and len(self.items) == self.count


def received(s: Session, identity_id: str) -> list[Incoming]:
    """Every share that came to this identity, oldest first (refused ones too, with why)."""
    q = select(CommsMessage).where(
        CommsMessage.identity_id == identity_id, CommsMessage.direction == "in", CommsMessage.kind == "json"
    )
    shares: dict[tuple[bytes, str], Incoming] = {}
    for m in s.scalars(q.order_by(CommsMessage.created_at)):
        body = (m.body or {}).get("body")
        if not isinstance(body, dict) or body.get("mfos") != SHARE_KIND:
            continue
        share = body.get("share")
        if not isinstance(share, str) or not _SHARE_ID.fullmatch(share):
            continue  # nothing to name it by: not a share we can list
        inc = shares.setdefault(
            (m.peer_sign, share), Incoming(share, m.peer_sign, m.group_id, received_at=m.created_at)
        )
        if inc.refused is None:
            try:
                _merge(inc, body)
            except BadShare as exc:
                inc.refused = str(exc)
                log.info("files: refused a share from %s…: %s", m.peer_sign.hex()[:12], exc)
    return list(shares.values())


def find(s: Session, identity_id: str, ref: str) -> Incoming:
    hits = [i for i in received(s, identity_id) if i.share.startswith(ref.lower())] if len(ref) >= 4 else []
    if not hits:
        raise FE.FileNotFound(f"No share matches '{ref[:64]}'")
    if len(hits) > 1:
        raise FE.FilesRpcError(f"'{ref[:64]}' matches several shares: give more of its id")
    return hits[0]


def _merge(inc: Incoming, body: dict[str, Any]) -> None:
    head = (body.get("name"), body.get("kind"), body.get("size"), body.get("count"), body.get("parts"))
    name, kind, size, count, parts = head
    part = body.get("part")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (size, count, parts, part)):
        raise BadShare("its sizes and counts are not numbers")
    assert isinstance(size, int) and isinstance(count, int) and isinstance(parts, int) and isinstance(part, int)
    if kind not in ("file", "folder") or not (1 <= count <= MAX_ITEMS and 0 <= part < parts <= MAX_ITEMS):
        raise BadShare("it is not a file or folder share this version reads")
    if inc.seen_parts and (inc.name, inc.kind, inc.size, inc.count, inc.parts) != head:
        raise BadShare("its parts disagree")
    try:
        inc.name = clean_name(str(name), "shared name")
    except BadName as exc:
        raise BadShare(f"unsafe name: {exc}") from None
    inc.kind, inc.size, inc.count, inc.parts = kind, size, count, parts
    inc.mime = body.get("type") if isinstance(body.get("type"), str) else None
    if part in inc.seen_parts:
        return  # the same message twice (a resend): nothing new
    inc.seen_parts.add(part)
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise BadShare("it lists no files")
    for raw in items:
        inc.items.append(_item(inc, raw))
    if len(inc.items) > inc.count or (kind == "file" and (count != 1 or inc.items[0].path != (inc.name,))):
        raise BadShare("it holds other files than it says")


def _item(inc: Incoming, raw: Any) -> Item:
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str) or not isinstance(raw.get("cap"), str):
        raise BadShare("a file in it is malformed")
    parts = raw["path"].split("/")
    if len(parts) > MAX_DEPTH + 1:
        raise BadShare("its folders nest too deep")
    try:
        path = tuple(clean_name(p, "shared name") for p in parts)
    except BadName as exc:
        raise BadShare(f"unsafe name in a path: {exc}") from None
    if path[0] != inc.name or (inc.kind == "folder" and len(path) < 2):
        raise BadShare("a path in it leads outside its folder")
    try:
        cap = Capability.decode(raw["cap"])
    except FE.FilesRpcError as exc:
        raise BadShare(exc.message) from None
    if cap.name != path[-1]:
        raise BadShare("a file's name differs from its path")
    return Item(path, cap)


def incoming_json(inc: Incoming, from_name: str | None, have: set[str]) -> dict[str, Any]:
    """What the Files screen and `mfos files shared` show (never a key)."""
    fetched = sum(1 for it in inc.items if it.cap.cid in have)
    state = (
        "refused" if inc.refused else "partial" if not inc.complete else "downloaded" if fetched == inc.count else "new"
    )
    return {
        "id": inc.share, "name": inc.name, "kind": inc.kind, "size": inc.size, "type": inc.mime,
        "count": inc.count, "from": from_name, "fromKey": inc.sender.hex(), "groupId": inc.group_id,
        "receivedAt": inc.received_at, "state": state, "downloadedFiles": fetched, "refused": inc.refused,
        "path": f"{DEST}/{inc.name}",
    }  # fmt: skip


def have_roots(s: Session, identity_id: str) -> set[str]:
    return set(s.scalars(select(FileEntry.root_cid).where(FileEntry.identity_id == identity_id)))


def sender_names(s: Session, identity_id: str, incoming: list[Incoming]) -> dict[bytes, str]:
    """Who sent each share, by the name we know them under (a contact, or a group's roster)."""
    from ..cards import ContactCard
    from ..comms import store

    names: dict[bytes, str] = {}
    for inc in incoming:
        peer = store.get_peer(s, identity_id, inc.sender)
        if peer is not None:
            names[inc.sender] = peer.display_name
        elif inc.group_id is not None and (g := s.get(CommsGroup, (identity_id, inc.group_id))) is not None:
            card = g.members.get(inc.sender.hex())
            if card:
                names[inc.sender] = ContactCard.decode(card).display_name
    return names


def provider(s: Session, identity_id: str, inc: Incoming) -> tuple[str, list[str]]:
    """The sender's libp2p peer id and addresses, from their contact card (or the group roster)."""
    from ..cards import ContactCard
    from ..comms import store

    peer = store.get_peer(s, identity_id, inc.sender)
    card = store.peer_card(peer) if peer is not None and peer.card else None
    if (card is None or card.peer is None) and inc.group_id is not None:
        g = s.get(CommsGroup, (identity_id, inc.group_id))
        text = g.members.get(inc.sender.hex()) if g is not None else None
        card = ContactCard.decode(text) if text else None
    if card is None or card.peer is None:
        raise FE.FilesRpcError("The sender has no peer-to-peer address: ask them to share again")
    return card.peer.peer_id, list(card.peer.addresses)
