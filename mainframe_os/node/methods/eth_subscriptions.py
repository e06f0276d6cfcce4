"""`eth_subscribe('newHeads' | 'logs', filter)` and `eth_unsubscribe` for apps.

Notifications reach the caller as a node event (`SubscriptionPush`) that the caller's transport
forwards: an app's session sends it to the page, where the SDK emits EIP-1193's
`message` event `{type: 'eth_subscription', data: {subscription, result}}`. One poller per node
watches the head while any subscription exists (the dev chain mines a block per transaction;
real networks are polled every couple of seconds) and stops when the last one goes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..context import CallerContext
from ..events import SubscriptionPush
from ..owned_registry import OwnedRegistry
from ..registry import PUBLIC, method
from .eth_logs import LogFilter, block_number, get_logs, parse_filter

if TYPE_CHECKING:
    from ..node import Node

log = logging.getLogger("mainframe_os.eth")

MAX_SUBSCRIPTIONS = 32  # per caller
POLL_SECONDS = 1.0


@dataclass
class Subscription:
    kind: str  # "newHeads" | "logs"
    owner: CallerContext
    criteria: LogFilter | None = None


class Subscriptions(OwnedRegistry[Subscription]):
    """The open vault's subscriptions and their poller (`node.session.subscriptions`); ids and
    owners as OwnedRegistry keeps them."""

    def __init__(self, node: Node) -> None:
        super().__init__(node.events, MAX_SUBSCRIPTIONS)
        self.node = node
        self._task: asyncio.Task[None] | None = None
        self._head: int | None = None

    async def add(self, sub: Subscription) -> str:
        if not self.subs:
            self._head = await block_number(self.node)
        sid = self.hold(sub)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._poll())
        return sid

    async def _poll(self) -> None:
        while self.subs:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the network is down or switching: try again later
                log.debug("subscription poll failed", exc_info=True)

    async def _step(self) -> None:
        head = await block_number(self.node)
        last = self._head if self._head is not None else head
        if head <= last:
            self._head = head  # a reorg or a network switch: follow the new head
            return
        start = max(last + 1, head - 63)
        self._head = head
        for sid, sub in list(self.subs.items()):
            if sub.kind == "newHeads":
                for n in range(start, head + 1):
                    self._push(sid, sub, await self._header(n))
            elif sub.criteria is not None:
                rng = LogFilter(start, head, sub.criteria.addresses, sub.criteria.topics)
                for entry in await get_logs(self.node, rng):
                    self._push(sid, sub, entry)

    async def _header(self, n: int) -> Any:
        return await self.node.call("eth_getBlockByNumber", [hex(n), False])

    def _push(self, sid: str, sub: Subscription, result: Any) -> None:
        if sid in self.subs:
            self.node.events.emit(SubscriptionPush(sub.owner, sid, result))

    def close(self) -> None:
        super().close()
        if self._task is not None:
            self._task.cancel()


@method("eth_subscribe", access=PUBLIC, raw_params=True)
async def eth_subscribe(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """Subscribe to 'newHeads' or 'logs' (with a filter); notifications arrive as provider
    `message` events of type 'eth_subscription'."""
    if not isinstance(params, list) or not params or not isinstance(params[0], str):
        raise E.InvalidParams("eth_subscribe takes a subscription name and, for 'logs', a filter")
    kind = params[0]
    if ctx.trusted:
        raise E.UnsupportedMethod("subscriptions are delivered to apps; poll with eth_newFilter instead")
    if kind == "newHeads":
        return await node.session.subscriptions.add(Subscription("newHeads", ctx))
    if kind == "logs":
        flt = parse_filter(params[1] if len(params) > 1 else {})
        if flt.block_hash or isinstance(flt.from_block, int) or isinstance(flt.to_block, int):
            raise E.InvalidParams("a 'logs' subscription follows new blocks: give only address and topics")
        return await node.session.subscriptions.add(Subscription("logs", ctx, flt))
    raise E.UnsupportedMethod(f"eth_subscribe('{kind[:40]}') is not supported: use 'newHeads' or 'logs'")


@method("eth_unsubscribe", access=PUBLIC, raw_params=True)
async def eth_unsubscribe(node: Node, ctx: CallerContext, params: list[Any]) -> bool:
    """End a subscription; false when there was none (or not the caller's)."""
    if not isinstance(params, list) or len(params) != 1:
        raise E.InvalidParams("eth_unsubscribe takes one subscription id")
    return node.session.subscriptions.remove(params[0], ctx)
