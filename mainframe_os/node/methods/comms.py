"""peer_* and comms_* methods: going online, our card, sending and reading messages.

Thin endpoints over `node/comms` (the domain package): bind params, call the service,
serialise. Contact requests live in `contact_requests.py`.
"""

from __future__ import annotations

import json
from typing import Any

from .. import errors as E
from ..comms import outbox as comms_outbox
from ..comms.errors import CommsError, CommsOffline, MessageTooLarge, PeerUnreachable
from ..comms.running import get_service, online_service
from ..events import MessageStateChanged
from ..params import Param
from ..registry import method
from .identities import require_identity

MAX_TEXT = 16_000
MAX_PAYLOAD_BYTES = 16_000


@method("peer_start")
async def peer_start(node: Any, ctx: Any) -> dict[str, Any]:
    """Go online: start this vault's libp2p host (and stay online at the next unlock). When
    another process serves this vault's messaging, the answer says so (servedElsewhere)."""
    await get_service(node).go_online()
    return await peer_info(node, ctx)


@method("peer_stop")
async def peer_stop(node: Any, ctx: Any) -> dict[str, Any]:
    """Go offline (and stay offline at the next unlock)."""
    await get_service(node).stop()
    return {"online": False}


@method("peer_info")
async def peer_info(node: Any, ctx: Any) -> dict[str, Any]:
    """This node's peer id, listen addresses and connected peers."""
    svc = get_service(node)
    if not svc.online:
        # servedElsewhere: another process (`mfos node`, the launcher) runs this vault's messaging
        return {
            "online": False,
            "peerId": None,
            "addresses": [],
            "connected": [],
            "servedElsewhere": svc.watcher.running,
        }
    return await svc.info()


@method("peer_card", Param("identityId", required=False))
async def peer_card(node: Any, ctx: Any, identityId: str | None) -> dict[str, Any]:
    """The identity's contact card with its messaging keys and addresses (goes online)."""
    ident = await require_identity(node, ctx, identityId)
    svc = await online_service(node)
    return {"identityId": ident, "card": await svc.card(ident)}


@method("comms_sync")
async def comms_sync(node: Any, ctx: Any) -> dict[str, int]:
    """Send what is queued and fetch what holders keep for us, now."""
    svc = get_service(node)
    if not svc.online:
        raise CommsOffline()
    return await svc.sync(force=True)


@method(
    "comms_send",
    Param("contact", max_length=256, description="contact id, id prefix or name"),
    Param("text", required=False, max_length=MAX_TEXT),
    Param("payload", "object", required=False, description="structured JSON for apps"),
    Param("identityId", required=False),
)
async def comms_send(
    node: Any, ctx: Any, contact: str, text: str | None, payload: dict[str, Any] | None, identityId: str | None
) -> dict[str, Any]:
    """Send a text or a structured JSON payload to a contact, end to end encrypted."""
    if (text is None) == (payload is None):
        raise E.InvalidParams("Give either 'text' or 'payload'")
    if payload is not None and len(json.dumps(payload)) > MAX_PAYLOAD_BYTES:
        raise MessageTooLarge(f"The payload is too large (at most {MAX_PAYLOAD_BYTES} bytes of JSON)")
    if text is not None and not text.strip():
        raise E.InvalidParams("The message is empty")
    ident = await require_identity(node, ctx, identityId)
    peer = await _contact_key(node, ident, contact)
    svc = await online_service(node)
    inner: dict[str, Any] = {"type": "text", "body": text} if text is not None else {"type": "json", "body": payload}
    try:
        sent = await svc.send(ident, peer, inner, inner["type"])
    except comms_outbox.NotReachable as exc:
        raise CommsError(str(exc)) from None
    except ValueError as exc:
        raise MessageTooLarge(str(exc)) from None
    state = await node.db(lambda s: _state_of(s, ident, sent["id"]))
    return {"id": sent["id"], "state": state}


@method(
    "comms_list",
    Param("contact", required=False, max_length=256),
    Param("limit", "integer", required=False, default=100),
    Param("before", "number", required=False),
    Param("group", required=False, max_length=256),
    Param("identityId", required=False),
)
async def comms_list(
    node: Any,
    ctx: Any,
    contact: str | None,
    limit: int,
    before: float | None,
    group: str | None,
    identityId: str | None,
) -> list[dict[str, Any]]:
    """Message history (oldest first): of one contact (1:1), of one group, or all; `before` pages back in time."""
    from ..comms import conversations

    ident = await require_identity(node, ctx, identityId)
    peer = await _contact_key(node, ident, contact) if contact else None
    gid = await _group_id(node, ident, group) if group else None
    limit = max(1, min(int(limit or 100), 1000))
    return await node.db(lambda s: conversations.history(s, ident, peer, limit, before, gid))


@method("comms_markRead", Param("contact", max_length=256), Param("identityId", required=False))
async def comms_mark_read(node: Any, ctx: Any, contact: str, identityId: str | None) -> dict[str, int]:
    """Mark a conversation read (the contact is told with a read receipt)."""
    from ..comms import conversations

    ident = await require_identity(node, ctx, identityId)
    peer = await _contact_key(node, ident, contact)
    ids = await node.db(lambda s: conversations.mark_read(s, ident, peer))
    if ids:
        svc = get_service(node)
        if svc.online:
            await svc.queue(ident, peer, {"type": "receipt", "state": "read", "ids": ids}, "control")
            svc.wake()
    for mid in ids:
        node.events.emit(MessageStateChanged(ident, mid, "read"))
    return {"read": len(ids)}


@method("comms_unread", Param("identityId", required=False))
async def comms_unread(node: Any, ctx: Any, identityId: str | None) -> dict[str, Any]:
    """Unread message counts per contact, and the total (for badges)."""
    from ..comms import conversations

    ident = await require_identity(node, ctx, identityId)
    per, groups = await node.db(lambda s: (conversations.unread(s, ident), conversations.unread_groups(s, ident)))
    return {"total": sum(x["unread"] for x in per + groups), "contacts": per, "groups": groups}


async def _group_id(node: Any, ident: str, ref: str) -> str:
    from ..comms import groups

    try:
        return await node.db(lambda s: groups.find(s, ident, ref).id)
    except groups.GroupError as exc:
        raise CommsError(str(exc)) from None


async def _contact_key(node: Any, ident: str, ref: str) -> bytes:
    from ..comms import requests

    def find(s: Any) -> bytes:
        peer = requests.find_peer(s, ident, ref)
        if peer.state != "contact":
            raise requests.RequestError(f"{peer.display_name} is not a contact ({peer.state})")
        return peer.sign_public

    try:
        return await node.db(find)
    except requests.RequestError as exc:
        raise E.ContactNotFound(str(exc)) from None


def _state_of(s: Any, ident: str, message_id: str) -> str:
    from vault.models import CommsMessage

    m = s.get(CommsMessage, (ident, message_id))
    return m.state if m is not None else "queued"


def offline_error(exc: PeerUnreachable) -> CommsOffline:
    return CommsOffline(str(exc))
