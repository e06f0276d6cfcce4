"""Message history, read state and unread counts (the vault side of `comms_list` & co)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vault.models import CommsMessage, Contact

VISIBLE = ("text", "json")
FOLLOW_BATCH = 500


def message_json(m: CommsMessage, contact_id: str | None) -> dict[str, Any]:
    body = m.body or {}
    return {
        "id": m.id,
        "contactId": contact_id,
        "peer": m.peer_sign.hex(),
        "direction": m.direction,
        "kind": m.kind,
        "body": body.get("body"),
        "state": m.state,
        "groupId": m.group_id,
        "createdAt": m.created_at,
        "sentAt": body.get("sentAt", m.created_at),
        **({"error": body["error"]} if body.get("error") else {}),  # why a message failed
    }


def history(
    s: Session, identity_id: str, peer: bytes | None, limit: int, before: float | None, group_id: str | None = None
) -> list[dict[str, Any]]:
    """Oldest first. A group's messages, or a contact's 1:1 messages (not what they said in
    groups: that belongs to the group's conversation), or everything."""
    q = select(CommsMessage).where(CommsMessage.identity_id == identity_id, CommsMessage.kind.in_(VISIBLE))
    if group_id is not None:
        q = q.where(CommsMessage.group_id == group_id)
    elif peer is not None:
        q = q.where(CommsMessage.peer_sign == peer, CommsMessage.group_id.is_(None))
    if before is not None:
        q = q.where(CommsMessage.created_at < before)
    rows = list(s.scalars(q.order_by(CommsMessage.created_at.desc()).limit(limit)))
    ids = _contact_ids(s, identity_id)
    return [message_json(m, ids.get(m.peer_sign)) for m in reversed(rows)]


def mark_read(s: Session, identity_id: str, peer: bytes | None, group_id: str | None = None) -> list[str]:
    """Mark the peer's 1:1 messages (or a group's messages) read; returns their ids (for the read receipt)."""
    q = select(CommsMessage).where(
        CommsMessage.identity_id == identity_id,
        CommsMessage.direction == "in",
        CommsMessage.state == "received",
    )
    if group_id is not None:
        q = q.where(CommsMessage.group_id == group_id)
    else:
        q = q.where(CommsMessage.peer_sign == peer, CommsMessage.group_id.is_(None))
    ids = []
    for m in s.scalars(q):
        m.state, m.updated_at = "read", time.time()
        ids.append(m.id)
    return ids


def unread(s: Session, identity_id: str) -> list[dict[str, Any]]:
    """Unread counts of 1:1 conversations, per contact."""
    q = (
        select(CommsMessage.peer_sign, func.count())
        .where(*_unread_where(identity_id), CommsMessage.group_id.is_(None))
        .group_by(CommsMessage.peer_sign)
    )
    ids = _contact_ids(s, identity_id)
    return [{"contactId": ids.get(peer), "peer": peer.hex(), "unread": n} for peer, n in s.execute(q)]


def unread_groups(s: Session, identity_id: str) -> list[dict[str, Any]]:
    """Unread counts of group conversations, per group."""
    q = (
        select(CommsMessage.group_id, func.count())
        .where(*_unread_where(identity_id), CommsMessage.group_id.is_not(None))
        .group_by(CommsMessage.group_id)
    )
    return [{"groupId": gid, "unread": n} for gid, n in s.execute(q)]


def _unread_where(identity_id: str) -> tuple[Any, ...]:
    return (
        CommsMessage.identity_id == identity_id,
        CommsMessage.direction == "in",
        CommsMessage.state == "received",
        CommsMessage.kind.in_(VISIBLE),
    )


def _contact_ids(s: Session, identity_id: str) -> dict[bytes, str]:
    q = select(Contact.sign_public, Contact.id).where(Contact.identity_id == identity_id)
    return {sign: cid for sign, cid in s.execute(q)}


def _rowid() -> Any:
    from sqlalchemy import literal_column

    return literal_column("comms_message.rowid")


def newer(s: Session, identity_id: str, peer: bytes | None, cursor: int | None) -> tuple[list[dict[str, Any]], int]:
    """Messages stored after `cursor` (a position from an earlier call; None: from now on), oldest
    first, and the position to ask from next time. Rowids only grow: nothing is missed or repeated."""
    last = int(s.scalar(select(func.max(_rowid())).select_from(CommsMessage)) or 0)
    if cursor is None or cursor >= last:
        return [], last if cursor is None else cursor
    q = select(CommsMessage, _rowid()).where(_rowid() > cursor, _rowid() <= last)
    q = q.where(CommsMessage.identity_id == identity_id, CommsMessage.kind.in_(VISIBLE))
    if peer is not None:
        q = q.where(CommsMessage.peer_sign == peer)
    ids, out = _contact_ids(s, identity_id), []
    for m, rowid in s.execute(q.order_by(_rowid()).limit(FOLLOW_BATCH)):
        out.append(message_json(m, ids.get(m.peer_sign)))
        cursor = int(rowid)
    return out, (cursor if len(out) == FOLLOW_BATCH else last)
