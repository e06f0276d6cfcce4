"""AppSession: the node side of one open app page, whatever carries its messages (the Qt bridge).

It sits in front of the dispatcher the way MetaMask's permission middleware sits in front of
its wallet: `eth_accounts` and `eth_requestAccounts` are answered here from the app's grant
(EIP-1102: no account before the user connects the app), everything else goes to the
dispatcher with the context this session was built with. It also pushes provider events to
the page: `accountsChanged` when the connection changes, `chainChanged` when the chain does.

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
from ..dispatcher import MAX_BATCH, MAX_MESSAGE_BYTES
from ..events import Event
from ..prompter import PromptRequest
from .service import ACCOUNTS_KEY, AppGrantsChanged, AppsService, identity_addresses

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

log = logging.getLogger("mainframe_os.apps.gateway")
EVENT_METHOD = "mainframe_event"


async def request_accounts(node: Node, ctx: CallerContext) -> list[str]:
    """EIP-1102: ask the user to connect the app; returns the exposed accounts (4001 if refused)."""
    svc = AppsService.of(node)
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
    answer = await node.prompter.ask(PromptRequest(
        "permission", ctx, f"{manifest.name} wants to connect to your wallet",
        {"app": manifest.name, "appId": ctx.app_id, "permission": ACCOUNTS_KEY, "accounts": owned,
         "note": "The app will see the address you choose and can ask you to approve transactions."},
        ("approve", "reject"),
    ))
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
        self.service = AppsService.of(node)
        self._last_accounts: list[str] | None = None
        self._last_chain: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe = [
            node.events.subscribe(AppGrantsChanged, self._on_grants),
            node.events.subscribe(Event, self._on_event),
        ]
        self.closed = False

    def close(self) -> None:
        self.closed = True
        for unsub in self._unsubscribe:
            unsub()
        for t in list(self._tasks):
            t.cancel()

    # -- requests ------------------------------------------------------------------------------

    async def handle_text(self, text: str) -> str | None:
        if not isinstance(text, str) or len(text) > MAX_MESSAGE_BYTES:
            return _dump({"jsonrpc": "2.0", "id": None, "error": E.InvalidRequest("Message too large").to_json()})
        try:
            msg = json.loads(text)
        except (ValueError, RecursionError):
            return _dump({"jsonrpc": "2.0", "id": None, "error": E.ParseError().to_json()})
        if isinstance(msg, list):
            if not msg or len(msg) > MAX_BATCH:
                return _dump({"jsonrpc": "2.0", "id": None, "error": E.InvalidRequest("Bad batch").to_json()})
            outs = [await self._one(m) for m in msg]
            outs = [o for o in outs if o is not None]
            return _dump(outs) if outs else None
        out = await self._one(msg)
        return None if out is None else _dump(out)

    async def _one(self, msg: Any) -> Any:
        method = msg.get("method") if isinstance(msg, dict) else None
        if method not in ("eth_accounts", "eth_requestAccounts"):
            return await self.node.dispatcher.handle_message(msg, self.ctx)
        req_id = msg.get("id")
        try:
            if msg.get("jsonrpc") != "2.0" or (req_id is not None and not isinstance(req_id, (str, int))):
                raise E.InvalidRequest()
            if not self.node.dispatcher.rate_limiter.allow(self.ctx.label):
                raise E.RateLimited()
            if self.node.vault is None:
                raise E.NoVaultOpen()
            if method == "eth_accounts":
                result: Any = await self.service.exposed_accounts(self.ctx)
            else:
                result = await request_accounts(self.node, self.ctx)
        except Exception as exc:  # noqa: BLE001 - the edge: errors become responses
            err = self.node.dispatcher.to_rpc_error(exc, method)
            return None if "id" not in msg else {"jsonrpc": "2.0", "id": req_id, "error": err.to_json()}
        return None if "id" not in msg else {"jsonrpc": "2.0", "id": req_id, "result": result}

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

    def _on_event(self, e: Event) -> None:
        if any(w in e.name for w in ("Chain", "Network")):
            self._spawn(self.refresh_chain())
        elif "Account" in e.name or "Wallet" in e.name:
            self._spawn(self.refresh_accounts())

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
