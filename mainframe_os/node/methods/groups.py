"""groups_* methods: group conversations with Megolm (the logic is in `node/comms/groups.py`)."""

from __future__ import annotations

import json
from typing import Any

from .. import errors as E
from ..comms import groups as G
from ..comms.errors import CommsError, MessageTooLarge
from ..comms.requests import RequestError, find_peer
from ..comms.running import online_service
from ..events import GroupsChanged
from ..params import Param
from ..registry import method
from .comms import MAX_PAYLOAD_BYTES, MAX_TEXT
from .identities import clean_name, require_identity


async def _db(node: Any, fn: Any) -> Any:
    try:
        return await node.db(fn)
    except (G.GroupError, RequestError) as exc:
        raise CommsError(str(exc)) from None


def _contact_cards(s: Any, ident: str, refs: list[str]) -> dict[bytes, str]:
    out = {}
    for ref in refs:
        peer = find_peer(s, ident, str(ref))
        if peer.state != "contact":
            raise RequestError(f"{peer.display_name} is not a contact")
        out[peer.sign_public] = peer.card
    return out


async def _own(node: Any, ident: str) -> tuple[bytes, str]:
    from vault.models import Identity

    from ..comms import store

    svc = await online_service(node)
    card = await svc.card(ident)
    return await node.db(lambda s: store.sign_public(s.get(Identity, ident))), card


async def _publish(node: Any, ident: str, roster: dict[str, Any], to: list[bytes], gid: str) -> None:
    svc = await online_service(node)
    await svc.send_roster(ident, roster, to)
    node.events.emit(GroupsChanged(ident, gid))


@method(
    "groups_create",
    Param("name", max_length=256),
    Param("contacts", "array", description="contact ids or names"),
    Param("identityId", required=False),
)
async def groups_create(node: Any, ctx: Any, name: str, contacts: list[Any], identityId: str | None) -> dict[str, Any]:
    """Create a group with some contacts; they are told at once."""
    from vault.models import Identity

    ident = await require_identity(node, ctx, identityId)
    name = clean_name(name, "group name")
    own, own_card = await _own(node, ident)

    def create(s: Any) -> tuple[dict[str, Any], dict[str, Any], list[bytes]]:
        g = G.create(s, s.get(Identity, ident), name, own_card, _contact_cards(s, ident, contacts))
        return G.group_json(g, own), G.roster(g), G.others(g, own)

    out, roster, to = await _db(node, create)
    await _publish(node, ident, roster, to, out["id"])
    return out


@method("groups_list", Param("identityId", required=False))
async def groups_list(node: Any, ctx: Any, identityId: str | None) -> list[dict[str, Any]]:
    """The identity's groups, with their members."""
    from sqlalchemy import select

    from vault.models import CommsGroup, Identity

    from ..comms import store

    ident = await require_identity(node, ctx, identityId)

    def read(s: Any) -> list[dict[str, Any]]:
        own = store.sign_public(s.get(Identity, ident))
        rows = s.scalars(select(CommsGroup).where(CommsGroup.identity_id == ident).order_by(CommsGroup.created_at))
        return [G.group_json(g, own) for g in rows]

    return await node.db(read)


async def _change(node: Any, ctx: Any, group: str, identity_id: str | None, change: Any) -> dict[str, Any]:
    """Apply `change(session, group, own)` as the owner and send the new roster to old and new members."""
    ident = await require_identity(node, ctx, identity_id)
    own, _ = await _own(node, ident)

    def run(s: Any) -> tuple[dict[str, Any], dict[str, Any], list[bytes]]:
        g = G.find(s, ident, group)
        if g.owner != own:
            raise G.GroupError("Only the group's creator can change it")
        before = set(G.others(g, own))
        change(s, g)
        return G.group_json(g, own), G.roster(g), sorted(before | set(G.others(g, own)))

    out, roster, to = await _db(node, run)
    await _publish(node, ident, roster, to, out["id"])
    return out


@method(
    "groups_add", Param("group", max_length=256), Param("contact", max_length=256), Param("identityId", required=False)
)
async def groups_add(node: Any, ctx: Any, group: str, contact: str, identityId: str | None) -> dict[str, Any]:
    """Add a contact to a group you created (they read what is sent from now on)."""
    ident = await require_identity(node, ctx, identityId)

    def add(s: Any, g: Any) -> None:
        G.set_members(g, {**g.members, **{k.hex(): c for k, c in _contact_cards(s, ident, [contact]).items()}})

    return await _change(node, ctx, group, identityId, add)


@method(
    "groups_remove",
    Param("group", max_length=256),
    Param("member", max_length=256),
    Param("identityId", required=False),
)
async def groups_remove(node: Any, ctx: Any, group: str, member: str, identityId: str | None) -> dict[str, Any]:
    """Remove a member: every member starts a new group key, so they cannot read what follows."""
    ident = await require_identity(node, ctx, identityId)

    def remove(s: Any, g: Any) -> None:
        key = find_peer(s, ident, member).sign_public.hex()
        if key == g.owner.hex() or key not in g.members:
            raise G.GroupError("That person is not a member you can remove")
        G.set_members(g, {k: v for k, v in g.members.items() if k != key})

    return await _change(node, ctx, group, identityId, remove)


@method(
    "groups_rename", Param("group", max_length=256), Param("name", max_length=256), Param("identityId", required=False)
)
async def groups_rename(node: Any, ctx: Any, group: str, name: str, identityId: str | None) -> dict[str, Any]:
    """Rename a group you created."""
    new = clean_name(name, "group name")

    def rename(s: Any, g: Any) -> None:
        g.name = new

    return await _change(node, ctx, group, identityId, rename)


@method(
    "groups_send",
    Param("group", max_length=256),
    Param("text", required=False, max_length=MAX_TEXT),
    Param("payload", "object", required=False),
    Param("identityId", required=False),
)
async def groups_send(
    node: Any, ctx: Any, group: str, text: str | None, payload: dict[str, Any] | None, identityId: str | None
) -> dict[str, Any]:
    """Send a text or JSON payload to a group, encrypted once (Megolm) for all its members."""
    if (text is None) == (payload is None):
        raise E.InvalidParams("Give either 'text' or 'payload'")
    if payload is not None and len(json.dumps(payload)) > MAX_PAYLOAD_BYTES:
        raise MessageTooLarge()
    ident = await require_identity(node, ctx, identityId)
    svc = await online_service(node)
    inner: dict[str, Any] = {"type": "text", "body": text} if text is not None else {"type": "json", "body": payload}
    try:
        return await svc.group_send(ident, group, inner, inner["type"])
    except (G.GroupError, RequestError) as exc:
        raise CommsError(str(exc)) from None


@method("groups_leave", Param("group", max_length=256), Param("identityId", required=False))
async def groups_leave(node: Any, ctx: Any, group: str, identityId: str | None) -> dict[str, Any]:
    """Leave a group: you stop receiving it, and its creator drops you from the roster."""
    from vault.models import Identity

    ident = await require_identity(node, ctx, identityId)
    svc = await online_service(node)

    def leave(s: Any) -> tuple[str, bytes]:
        g, owner = G.leave(s, s.get(Identity, ident), group)
        return g.id, owner

    gid, owner = await _db(node, leave)
    await svc.send(ident, owner, {"type": "group-leave", "group": gid}, "control")
    node.events.emit(GroupsChanged(ident, gid))
    return {"id": gid, "state": "left"}


@method("groups_markRead", Param("group", max_length=256), Param("identityId", required=False))
async def groups_mark_read(node: Any, ctx: Any, group: str, identityId: str | None) -> dict[str, int]:
    """Mark a group conversation read (on this device: groups send no read receipts)."""
    from ..comms import conversations
    from ..events import MessageStateChanged

    ident = await require_identity(node, ctx, identityId)
    gid = await _db(node, lambda s: G.find(s, ident, group).id)
    ids = await node.db(lambda s: conversations.mark_read(s, ident, None, gid))
    for mid in ids:
        node.events.emit(MessageStateChanged(ident, mid, "read"))
    return {"read": len(ids)}
