"""AppSession: the node side of one open app page, whatever carries its messages (the Qt bridge).

Every message goes to the dispatcher with the context this session was built with (the app and
identity of the webview, never anything the message says). The session also pushes provider
events to the page: `accountsChanged` when the app's wallet connection changes (EIP-1102/2255,
see `request_accounts`), `chainChanged` when the chain does.

Messages out are JSON-RPC responses, and notifications for events:
``{"jsonrpc": "2.0", "method": "mainframe_event", "params": {"event": "accountsChanged", "data": [...]}}``
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..events import AppGrantsChanged, CallerGone, NetworkChanged, SubscriptionPush, WalletsChanged
from ..prompter import PromptRequest
from .policy import identity_addresses
from .service import ACCOUNTS_KEY

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

log = logging.getLogger("mainframe_os.apps.gateway")
EVENT_METHOD = "mainframe_event"


async def request_accounts(node: Node, ctx: CallerContext) -> list[str]:
    """EIP-1102: ask the user to connect the app; returns the exposed accounts (4001 if refused)."""
    svc = node.apps
    assert ctx.identity_id and ctx.app_id
    exposed = await svc.exposed_accounts(ctx)
    if exposed:
        return exposed
    grant = (await svc.grants(ctx.identity_id, ctx.app_id)).get(ACCOUNTS_KEY)
    if grant is not None and grant.decision == "never":
        raise E.UserRejected()
    owned = await identity_addresses(node, ctx.identity_id)
    if not owned:
        raise E.Unauthorized("This identity has no wallet account yet: create one in the launcher")
    manifest = await svc.manifest(ctx.identity_id, ctx.app_id)
    answer = await node.prompter.ask(
        PromptRequest(
            "permission",
            ctx,
            f"{manifest.name} wants to connect to your wallet",
            {
                "app": manifest.name,
                "appId": ctx.app_id,
                "permission": ACCOUNTS_KEY,
                "accounts": owned,
                "note": "The app will see the address you choose and can ask you to approve transactions.",
            },
            ("approve", "reject"),
        )
    )
    if not answer.approved:
        raise E.UserRejected()
    chosen = answer.data if isinstance(answer.data, list) and answer.data else owned[:1]
    chosen = [a for a in owned if a.lower() in {str(c).lower() for c in chosen}] or owned[:1]
    await svc.set_grant(ctx.identity_id, ctx.app_id, ACCOUNTS_KEY, "always", {"accounts": chosen})
    return chosen


class AppSession:
    """One page's conversation with the node. `send` delivers a JSON text to the page."""

    def __init__(self, node: Node, ctx: CallerContext, send: Callable[[str], None]) -> None:
        assert ctx.app_id and ctx.identity_id
        self.node, self.ctx, self.send = node, ctx, send
        self.service = node.apps
        self._last_accounts: list[str] | None = None
        self._last_chain: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe = [
            node.events.subscribe(AppGrantsChanged, self._on_grants),
            node.events.subscribe(SubscriptionPush, self._on_subscription),
            node.events.subscribe(NetworkChanged, lambda _e: self._spawn(self.refresh_chain())),
            node.events.subscribe(WalletsChanged, lambda _e: self._spawn(self.refresh_accounts())),
        ]
        self.closed = False

    def close(self) -> None:
        self.closed = True
        for unsub in self._unsubscribe:
            unsub()
        self.node.events.emit(CallerGone(self.ctx))
        for t in list(self._tasks):
            t.cancel()

    # -- requests ------------------------------------------------------------------------------

    async def handle_text(self, text: str) -> str | None:
        """One message from the page in, one out; the caller is this session's, whatever it says."""
        return await self.node.handle_text(text, self.ctx)

    # -- events ---------------------------------------------------------------------------------

    def emit(self, event: str, data: Any) -> None:
        if not self.closed:
            self.send(_dump({"jsonrpc": "2.0", "method": EVENT_METHOD, "params": {"event": event, "data": data}}))

    def _spawn(self, coro: Any) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:
            coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_grants(self, e: AppGrantsChanged) -> None:
        if e.identity_id == self.ctx.identity_id and e.app_id == self.ctx.app_id:
            self._spawn(self.refresh_accounts())

    def _on_subscription(self, e: SubscriptionPush) -> None:
        if e.caller == self.ctx:  # EIP-1193 `message` {type: 'eth_subscription', data}
            self.emit("eth_subscription", {"subscription": e.subscription, "result": e.result})

    async def refresh_accounts(self) -> None:
        try:
            accounts = await self.service.exposed_accounts(self.ctx) if self.node.vault else []
        except Exception:  # noqa: BLE001
            log.debug("accounts refresh failed", exc_info=True)
            return
        if self._last_accounts is None or accounts != self._last_accounts:
            changed = self._last_accounts is not None or accounts
            self._last_accounts = accounts
            if changed:
                self.emit("accountsChanged", accounts)

    async def refresh_chain(self) -> None:
        try:
            chain = await self.node.call("eth_chainId", None, self.ctx)
        except Exception:  # noqa: BLE001 - no chain method or no chain: nothing to tell
            return
        if chain != self._last_chain:
            first = self._last_chain is None
            self._last_chain = chain
            if not first:
                self.emit("chainChanged", chain)


def _dump(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))
