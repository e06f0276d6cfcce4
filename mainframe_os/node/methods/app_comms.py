"""`mainframe.comms` for apps holding COMMS_CONTACT: app-scoped messages and channels.

Thin endpoints over `node/comms/app_scope.py` (the rules: per-app contact ids, picked contacts
only, the same app on both sides, channels of one app) and `app_push.py` (pushed, not polled).
All of them act on the calling app (`app_only`): the launcher and the CLI have the user's own
`comms_*` methods instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..comms import app_scope
from ..comms import outbox as comms_outbox
from ..comms.app_push import pushes, register_source
from ..comms.errors import CommsError, MessageTooLarge
from ..comms.running import online_service
from ..events import AppMessageReceived
from ..params import Param
from ..prompter import PromptRequest
from ..registry import Access, method
from .apps import app_caller

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

COMMS = Access.permission_key("COMMS_CONTACT")


async def _db(node: Node, fn: Any) -> Any:
    """Run in the vault; an app out of its scope gets 4100, never a hint of what exists."""
    try:
        return await node.db(fn)
    except app_scope.NotPicked as exc:
        raise E.Unauthorized(str(exc)) from None
    except app_scope.ScopeError as exc:
        raise E.InvalidParams(str(exc)) from None


async def ask_contacts(node: Node, ctx: CallerContext, title: str, multi: bool) -> list[str]:
    """The user picks among the identity's contacts in a launcher dialog; the real ids picked."""
    from sqlalchemy import select

    from vault.models import Contact

    ident, _app = app_caller(ctx)
    contacts = await node.db(
        lambda s: [
            (c.id, c.display_name)
            for c in s.scalars(select(Contact).where(Contact.identity_id == ident).order_by(Contact.display_name))
        ]
    )
    m = await node.apps.manifest(ident, ctx.app_id or "")
    answer = await node.prompter.ask(
        PromptRequest(
            "contacts",
            ctx,
            title,
            {"app": m.name, "multi": multi, "contacts": [{"id": i, "displayName": n} for i, n in contacts]},
            ("approve", "reject"),
        )
    )
    if not answer.approved:
        raise E.UserRejected()
    known = dict(contacts)
    picked = answer.data if isinstance(answer.data, list) else []
    return [c for c in picked if c in known][: None if multi else 1]


async def _send(node: Node, ident: str, to: list[bytes], inner: dict[str, Any]) -> str:
    """Seal the same app message for each recipient, then deliver; the state of the first."""
    svc = await online_service(node)
    states = []
    try:
        for peer in to:
            states.append((await svc.queue(ident, peer, inner, app_scope.APP_KIND))["id"])
    except comms_outbox.NotReachable as exc:
        raise CommsError(str(exc)) from None
    except ValueError as exc:
        raise MessageTooLarge(str(exc)) from None
    await svc.flush()
    from vault.models import CommsMessage

    def state(s: Any) -> str:
        m = s.get(CommsMessage, (ident, states[0])) if states else None
        return m.state if m is not None else "queued"

    return str(await node.db(state))


@method("comms_pickContacts", Param("multi", "boolean", required=False, default=False), access=COMMS, app_only=True)
async def comms_pick_contacts(node: Node, ctx: CallerContext, multi: bool) -> list[dict[str, Any]]:
    """The user picks who this app may message (a launcher dialog); per-app contact ids and names."""
    ident, app = app_caller(ctx)
    name = (await node.apps.manifest(ident, app)).name
    who = "contacts" if multi else "a contact"
    chosen = await ask_contacts(node, ctx, f"{name} asks you to pick {who} it may send messages to", multi)
    return await _db(node, lambda s: app_scope.pick(s, ident, app, chosen))


@method(
    "comms_appSend",
    Param("contact", max_length=64, description="a per-app contact id from comms.pickContacts"),
    Param("message", "any", description="JSON, at most 16,000 bytes"),
    access=COMMS,
    app_only=True,
)
async def comms_app_send(node: Node, ctx: CallerContext, contact: str, message: Any) -> dict[str, Any]:
    """Send a JSON message to a picked contact, for this same app on their side (end to end encrypted)."""
    ident, app = app_caller(ctx)
    inner = app_scope.inner(app, message)

    def target(s: Any) -> bytes:
        app_scope.check_body(message)
        return bytes(app_scope.resolve(s, ident, app, contact).sign_public)

    peer = await _db(node, target)
    return {"id": inner["mid"], "state": await _send(node, ident, [peer], inner)}


@method(
    "comms_appMessages",
    Param("contact", required=False, max_length=64),
    Param("channel", required=False, max_length=64),
    Param("limit", "integer", required=False, default=100),
    access=COMMS,
    app_only=True,
)
async def comms_app_messages(
    node: Node, ctx: CallerContext, contact: str | None, channel: str | None, limit: int
) -> list[dict[str, Any]]:
    """This app's messages (oldest first), with one contact, in one channel, or all."""
    ident, app = app_caller(ctx)
    limit = max(1, min(int(limit or 100), 500))
    return await _db(node, lambda s: app_scope.messages(s, ident, app, contact, channel, limit))


@method("comms_appSubscribe", access=COMMS, app_only=True)
async def comms_app_subscribe(node: Node, ctx: CallerContext) -> str:
    """Have this app's incoming messages pushed to the page; returns the subscription id."""
    app_caller(ctx)
    return pushes(node).add(ctx, "app")


@method("comms_appUnsubscribe", Param("subscription", max_length=80), access=COMMS, app_only=True)
async def comms_app_unsubscribe(node: Node, ctx: CallerContext, subscription: str) -> bool:
    """End a subscription; false when there was none (or not this page's)."""
    return pushes(node).remove(subscription, ctx)


@method(
    "comms_channelCreate",
    Param("name", max_length=256),
    Param("contacts", "array", description="per-app contact ids of picked contacts"),
    access=COMMS,
    app_only=True,
)
async def comms_channel_create(node: Node, ctx: CallerContext, name: str, contacts: list[Any]) -> dict[str, Any]:
    """A channel of this app with picked contacts; they are told (it shows in their channels)."""
    from vault.models import Identity

    ident, app = app_caller(ctx)

    def create(s: Any) -> tuple[dict[str, Any], dict[str, Any], list[bytes]]:
        identity = s.get(Identity, ident)
        ch = app_scope.create_channel(s, identity, app, name, [str(c) for c in contacts])
        return ch, app_scope.channel_view(s, ident, app, ch), app_scope.channel_recipients(s, identity, ch)

    ch, view, to = await _db(node, create)
    await _send(node, ident, to, {**app_scope.inner(app, None, ch), "invite": True})
    return view


@method("comms_channelList", access=COMMS, app_only=True)
async def comms_channel_list(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """This app's channels (never another app's)."""
    ident, app = app_caller(ctx)
    return await _db(node, lambda s: app_scope.channels(s, ident, app))


@method(
    "comms_channelSend",
    Param("channel", max_length=64),
    Param("message", "any", description="JSON, at most 16,000 bytes"),
    access=COMMS,
    app_only=True,
)
async def comms_channel_send(node: Node, ctx: CallerContext, channel: str, message: Any) -> dict[str, Any]:
    """Send a JSON message to every member of one of this app's channels."""
    from vault.models import Identity

    ident, app = app_caller(ctx)

    def target(s: Any) -> tuple[dict[str, Any], list[bytes]]:
        app_scope.check_body(message)
        ch = app_scope.get_channel(s, ident, app, channel)
        if ch is None:
            raise app_scope.NotPicked("No channel with that id for this app")
        return ch, app_scope.channel_recipients(s, s.get(Identity, ident), ch)

    ch, to = await _db(node, target)
    inner = app_scope.inner(app, message, ch)
    state = await _send(node, ident, to, inner) if to else "sent"
    return {"id": inner["mid"], "state": state, "recipients": len(to)}


async def _app_message_view(node: Node, caller: CallerContext, e: AppMessageReceived) -> Any:
    if caller.identity_id != e.identity_id or caller.app_id != e.app_id:
        return None  # another app's, or another identity's: never pushed here
    return await node.db(lambda s: app_scope.message_by_id(s, e.identity_id, e.app_id, e.message_id))


register_source("app", AppMessageReceived, _app_message_view)
