"""The user's own conversations as an app holding MESSENGER sees them (the Messenger app).

The same rows as `comms_list` & co. (conversations.py), with per-app contact ids in place of the
real ones: the Messenger pays and shares with the same ids (payments.payContact resolves them).
1:1 chats and group chats are kept apart: a group message counts in its group, not in the
sender's 1:1 conversation.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vault.models import CommsGroup, CommsMessage, Contact, Identity

from ..text import safe_text
from . import groups, store
from .app_scope import app_key, contact_pseudonym
from .conversations import VISIBLE, message_json


def _view(m: CommsMessage, key: bytes, ids: dict[bytes, Contact]) -> dict[str, Any]:
    c = ids.get(m.peer_sign)
    out = message_json(m, contact_pseudonym(key, c.id) if c is not None else None)
    out.pop("peer", None)
    out["displayName"] = safe_text(c.display_name) if c is not None else None
    return out


def _contacts(s: Session, ident: str) -> dict[bytes, Contact]:
    return {c.sign_public: c for c in s.scalars(select(Contact).where(Contact.identity_id == ident))}


def _visible(ident: str) -> Any:
    return select(CommsMessage).where(CommsMessage.identity_id == ident, CommsMessage.kind.in_(VISIBLE))


def _unread(ident: str) -> Any:
    return select(func.count()).where(
        CommsMessage.identity_id == ident,
        CommsMessage.kind.in_(VISIBLE),
        CommsMessage.direction == "in",
        CommsMessage.state == "received",
    )


def conversations(s: Session, ident: str, app: str) -> dict[str, Any]:
    """Every contact and group, with its unread count and last message, most recent first."""
    key, ids = app_key(s, ident, app), _contacts(s, ident)
    chats: list[dict[str, Any]] = []
    for c in ids.values():
        last = s.scalars(
            _visible(ident)
            .where(CommsMessage.peer_sign == c.sign_public, CommsMessage.group_id.is_(None))
            .order_by(CommsMessage.created_at.desc())
            .limit(1)
        ).first()
        unread = s.scalar(
            _unread(ident).where(CommsMessage.peer_sign == c.sign_public, CommsMessage.group_id.is_(None))
        )
        chats.append(
            {
                "type": "contact",
                "id": contact_pseudonym(key, c.id),
                "name": safe_text(c.display_name),
                "unread": int(unread or 0),
                "last": _view(last, key, ids) if last is not None else None,
            }
        )
    own = store.sign_public(s.get(Identity, ident))  # type: ignore[arg-type]
    for g in s.scalars(select(CommsGroup).where(CommsGroup.identity_id == ident)):
        last = s.scalars(
            _visible(ident).where(CommsMessage.group_id == g.id).order_by(CommsMessage.created_at.desc()).limit(1)
        ).first()
        unread = s.scalar(_unread(ident).where(CommsMessage.group_id == g.id))
        info = groups.group_json(g, own)
        chats.append(
            {
                "type": "group",
                "id": g.id,
                "name": info["name"],
                "state": info["state"],
                "members": [m["displayName"] for m in info["members"] if not m["you"]],
                "unread": int(unread or 0),
                "last": _view(last, key, ids) if last is not None else None,
            }
        )
    chats.sort(key=lambda c: -(c["last"]["createdAt"] if c["last"] else 0))
    return {"conversations": chats, "unread": sum(c["unread"] for c in chats)}


def history(
    s: Session, ident: str, app: str, peer: bytes | None, group: str | None, limit: int
) -> list[dict[str, Any]]:
    q = _visible(ident)
    q = q.where(CommsMessage.group_id == group) if group else q.where(CommsMessage.group_id.is_(None))
    if peer is not None:
        q = q.where(CommsMessage.peer_sign == peer)
    rows = list(s.scalars(q.order_by(CommsMessage.created_at.desc()).limit(limit)))
    key, ids = app_key(s, ident, app), _contacts(s, ident)
    return [_view(m, key, ids) for m in reversed(rows)]


def message(s: Session, ident: str, app: str, message_id: str) -> dict[str, Any] | None:
    m = s.get(CommsMessage, (ident, message_id))
    if m is None or m.kind not in VISIBLE:
        return None
    return _view(m, app_key(s, ident, app), _contacts(s, ident))


def mark_group_read(s: Session, ident: str, group: str) -> list[str]:
    q = (
        select(CommsMessage)
        .where(CommsMessage.identity_id == ident, CommsMessage.group_id == group)
        .where(CommsMessage.direction == "in", CommsMessage.state == "received")
    )
    ids = []
    for m in s.scalars(q):
        m.state, m.updated_at = "read", time.time()
        ids.append(m.id)
    return ids


def is_visible(s: Session, ident: str, message_id: str) -> bool:
    m = s.get(CommsMessage, (ident, message_id))
    return m is not None and m.kind in VISIBLE
