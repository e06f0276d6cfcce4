"""messenger_*: the user's own conversations for an app holding MESSENGER (the bundled Messenger).

Why a permission of its own: the user's `comms_*` / `groups_*` methods are trusted (launcher and
CLI only), and COMMS_CONTACT is deliberately narrow (one app's own messages with picked
contacts). A messenger needs the user's real conversations: every contact, every group, history,
read state. MESSENGER grants exactly that, declared in the manifest and shown at install ("Read
your conversations and send messages to your contacts and groups"); nothing else (no keys,
no requests, no blocking, no verification: those stay in the launcher). Contacts appear under
per-app ids, the ones payments.payContact takes, so a Messenger pays inside a chat with them.

These endpoints reuse the trusted handlers (same checks, same delivery) after turning per-app
ids into real ones; sharing an app is in apps/sharing.py.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..apps import sharing
from ..apps.caller import caller_details
from ..apps.carried import install_bytes, package_bytes
from ..comms import messenger_view as view
from ..comms.app_push import pushes, register_source
from ..comms.errors import CommsError
from ..comms.running import get_service, online_service
from ..events import ContactsChanged, GroupsChanged, MessageReceived, MessageStateChanged
from ..params import Param
from ..prompter import PromptRequest
from ..registry import Access, method
from . import comms, groups
from .apps import app_caller

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

MESSENGER = Access.permission_key("MESSENGER")


async def _contact(node: Node, ctx: CallerContext, pseudonym: str) -> str:
    """MESSENGER is the user's every conversation: any contact's id for this app, none of another's."""
    return await node.apps.resolve_contact(ctx, pseudonym, every_contact=True)


async def _sign(node: Node, contact_id: str) -> bytes:
    from vault.models import Contact

    def read(s: Any) -> bytes:
        c = s.get(Contact, contact_id)
        if c is None:
            raise E.ContactNotFound()
        return bytes(c.sign_public)

    return await node.db(read)


async def _group(node: Node, ident: str, group: str) -> str:
    """One of the identity's groups, by its exact id (an app is never matched by a prefix or a
    name), checked before anything goes online."""
    from vault.models import CommsGroup

    if not await node.db(lambda s: s.get(CommsGroup, (ident, group)) is not None):
        raise CommsError("No group with that id")
    return group


def _one_target(contact: str | None, group: str | None) -> None:
    if (contact is None) == (group is None):
        raise E.InvalidParams("Give either 'contact' or 'group'")


@method("messenger_conversations", access=MESSENGER, app_only=True)
async def messenger_conversations(node: Node, ctx: CallerContext) -> dict[str, Any]:
    """Every contact and group with its unread count and last message, most recent first."""
    ident, app = app_caller(ctx)
    return await node.db(lambda s: view.conversations(s, ident, app))


@method(
    "messenger_history",
    Param("contact", required=False, max_length=64),
    Param("group", required=False, max_length=64),
    Param("limit", "integer", required=False, default=100),
    access=MESSENGER,
    app_only=True,
)
async def messenger_history(
    node: Node, ctx: CallerContext, contact: str | None, group: str | None, limit: int
) -> list[dict[str, Any]]:
    """One conversation's messages, oldest first."""
    _one_target(contact, group)
    ident, app = app_caller(ctx)
    peer = None
    if contact is not None:
        cid = await _contact(node, ctx, contact)
        peer = await _sign(node, cid)
    if group is not None:
        group = await _group(node, ident, group)
    n = max(1, min(int(limit or 100), 500))
    return await node.db(lambda s: view.history(s, ident, app, peer, group, n))


@method(
    "messenger_send",
    Param("contact", required=False, max_length=64),
    Param("group", required=False, max_length=64),
    Param("text", required=False, max_length=comms.MAX_TEXT),
    Param("payload", "object", required=False),
    access=MESSENGER,
    app_only=True,
)
async def messenger_send(
    node: Node, ctx: CallerContext, contact: str | None, group: str | None, text: str | None, payload: Any
) -> dict[str, Any]:
    """Send a text or a JSON payload (a payment notice, ...) to a contact or a group, as the user."""
    _one_target(contact, group)
    if contact is not None:
        cid = await _contact(node, ctx, contact)
        return await comms.comms_send(node, ctx, cid, text, payload, None)
    assert group is not None
    ident, _app = app_caller(ctx)
    return await groups.groups_send(node, ctx, await _group(node, ident, group), text, payload, None)


@method(
    "messenger_markRead",
    Param("contact", required=False, max_length=64),
    Param("group", required=False, max_length=64),
    access=MESSENGER,
    app_only=True,
)
async def messenger_mark_read(node: Node, ctx: CallerContext, contact: str | None, group: str | None) -> dict[str, int]:
    """Mark a conversation read (a contact is told with a read receipt)."""
    _one_target(contact, group)
    if contact is not None:
        return await comms.comms_mark_read(node, ctx, await _contact(node, ctx, contact), None)
    ident, _app = app_caller(ctx)
    gid = await _group(node, ident, str(group))
    ids = await node.db(lambda s: view.mark_group_read(s, ident, gid))
    for mid in ids:
        node.events.emit(MessageStateChanged(ident, mid, "read"))
    return {"read": len(ids)}


@method(
    "messenger_groupCreate",
    Param("name", max_length=256),
    Param("contacts", "array", description="per-app contact ids"),
    access=MESSENGER,
    app_only=True,
)
async def messenger_group_create(node: Node, ctx: CallerContext, name: str, contacts: list[Any]) -> dict[str, Any]:
    """Create a group with some contacts (they are told at once); its id."""
    real = [await _contact(node, ctx, str(c)) for c in contacts]
    g = await groups.groups_create(node, ctx, name, real, None)
    return {"id": g["id"], "name": g["name"]}


@method("messenger_subscribe", access=MESSENGER, app_only=True)
async def messenger_subscribe(node: Node, ctx: CallerContext) -> str:
    """Push new messages, message states and conversation changes to the page; the subscription id."""
    app_caller(ctx)
    get_service(node)  # messaging state belongs to the open vault
    return pushes(node).add(ctx, "messenger")


@method("messenger_unsubscribe", Param("subscription", max_length=80), access=MESSENGER, app_only=True)
async def messenger_unsubscribe(node: Node, ctx: CallerContext, subscription: str) -> bool:
    """End a subscription; false when there was none (or not this page's)."""
    return pushes(node).remove(subscription, ctx)


# -- sharing apps ----------------------------------------------------------------------------------


@method("messenger_apps", access=MESSENGER, app_only=True)
async def messenger_apps(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """The identity's installed apps, and whether each can be shared (signed packages only)."""
    ident, _app = app_caller(ctx)
    out = []
    for a in await node.apps.installed(ident):
        if a.get("ok"):
            out.append(
                {"id": a["id"], "name": a["name"], "version": a["version"], "shareable": a["source"] == "package"}
            )
    return out


@method(
    "messenger_shareApp",
    Param("contact", max_length=64),
    Param("appId", max_length=40),
    access=MESSENGER,
    app_only=True,
)
async def messenger_share_app(node: Node, ctx: CallerContext, contact: str, appId: str) -> dict[str, Any]:
    """Send an installed app's signed package to a contact, with an offer they can install from."""
    ident, _app = app_caller(ctx)
    cid = await _contact(node, ctx, contact)
    rec = await node.apps.install_record(ident, appId)
    if rec is None or rec.source != "package":
        raise sharing.ShareError("Only apps installed from a signed package can be shared (bundled apps come with it)")
    m = await node.apps.manifest(ident, appId)
    data = await asyncio.get_running_loop().run_in_executor(None, package_bytes, node.apps.files, appId, m.version)
    if data is None:
        raise sharing.ShareError()
    package, parts = sharing.split(data)
    peer = await _sign(node, cid)
    svc = await online_service(node)
    for part in parts:  # "control": not shown, and dropped from our vault once delivered
        await svc.queue(ident, peer, part, "control")
    sent = await comms.comms_send(node, ctx, cid, None, sharing.offer(m, package), None)
    return {**sent, "parts": package["parts"], "size": package["size"]}


async def _verified(node: Node, ctx: CallerContext, message: str) -> tuple[Any, dict[str, Any]]:
    """The shared app in a received offer, verified like a .mfapp file and staged."""
    ident, _app = app_caller(ctx)
    offer, data = await node.db(lambda s: sharing.gather(s, ident, message))
    m = await asyncio.get_running_loop().run_in_executor(None, install_bytes, node.apps.files, data)
    if m.id != offer.get("appId"):
        raise sharing.ShareError("The shared package is another app than the one announced: not installed")
    update = await node.apps.update_info(ident, m)  # another developer's "update" is refused here
    return m, sharing.verified_view(m, update["fromVersion"] if update else None)


@method("messenger_inspectShare", Param("message", max_length=64), access=MESSENGER, app_only=True)
async def messenger_inspect_share(node: Node, ctx: CallerContext, message: str) -> dict[str, Any]:
    """What a shared app is, from its verified package: name, developer fingerprint, permissions."""
    return (await _verified(node, ctx, message))[1]


@method("messenger_installShared", Param("message", max_length=64), access=MESSENGER, app_only=True)
async def messenger_install_shared(node: Node, ctx: CallerContext, message: str) -> dict[str, Any]:
    """Install a shared app once the user approves it in a launcher dialog (required permissions only)."""
    ident, _app = app_caller(ctx)
    m, info = await _verified(node, ctx, message)
    answer = await node.prompter.ask(
        PromptRequest(
            "confirm",
            ctx,
            f"Install {m.name} {m.version}, shared with you?",
            {
                **await caller_details(node, ctx),  # who asks: the Messenger, as every prompt names it
                "installing": f"{m.name} {m.version}",
                "signed by": f"{m.developer_name or 'unknown developer'} (key {info['fingerprint']})",
                "it may": "\n".join(p["label"] for p in info["permissions"]) or "nothing special",
                "verified": "like a .mfapp file: the developer's signature and every file checked",
            },
            ("approve", "reject"),
        )
    )
    if not answer.approved:
        raise E.UserRejected()
    return await node.apps.approve(ident, m, [])


# -- pushes ----------------------------------------------------------------------------------------


def _mine(caller: CallerContext, identity_id: str) -> bool:
    return caller.identity_id == identity_id


async def _on_message(node: Node, caller: CallerContext, e: MessageReceived) -> Any:
    if not _mine(caller, e.identity_id):
        return None
    msg = await node.db(lambda s: view.message(s, e.identity_id, str(caller.app_id), e.message_id))
    return {"type": "message", "message": msg} if msg is not None else None


async def _on_state(node: Node, caller: CallerContext, e: MessageStateChanged) -> Any:
    if not _mine(caller, e.identity_id) or not await node.db(lambda s: view.is_visible(s, e.identity_id, e.message_id)):
        return None
    return {"type": "state", "id": e.message_id, "state": e.state}


async def _on_change(node: Node, caller: CallerContext, e: GroupsChanged | ContactsChanged) -> Any:
    return {"type": "conversations"} if _mine(caller, e.identity_id) else None


register_source("messenger", MessageReceived, _on_message)
register_source("messenger", MessageStateChanged, _on_state)
register_source("messenger", GroupsChanged, _on_change)
register_source("messenger", ContactsChanged, _on_change)
