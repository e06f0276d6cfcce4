"""Pushing messages to app pages: the same path as `eth_subscribe`.

An app subscribes (`comms_appSubscribe`, `messenger_subscribe`) and gets a subscription id; when
something for it happens, the node emits a `SubscriptionPush` for that caller, which the app's
session (apps/gateway.py) sends to the page as an `eth_subscription` notification, and the SDK
hands it to the handler registered for that id. Pushed, never polled. A page that goes away
(`CallerGone`) loses its subscriptions; a locked vault drops them all (VaultSession.close).
Ids and owners are kept as node/owned_registry.py keeps them, the same as `eth_subscribe`'s.

Each kind of subscription names the events it listens to and how to turn one into what the
app sees for its caller (None: nothing for this caller):

    register_source("app", AppMessageReceived, view)   # view(node, caller, event) -> awaitable
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..context import CallerContext
from ..events import Event, SubscriptionPush
from ..owned_registry import OwnedRegistry

if TYPE_CHECKING:
    from ..node import Node

log = logging.getLogger("mainframe_os.comms")

MAX_PER_CALLER = 8
View = Callable[["Node", CallerContext, Any], Awaitable[Any]]
_SOURCES: dict[str, list[tuple[type[Event], View]]] = {}


def register_source(kind: str, event_type: type[Event], view: View) -> None:
    """Subscriptions of `kind` get, for each `event_type` event, what `view` makes of it."""
    _SOURCES.setdefault(kind, []).append((event_type, view))


@dataclass(frozen=True)
class AppSubscription:
    kind: str
    owner: CallerContext


class AppPushes(OwnedRegistry[AppSubscription]):
    """The open vault's app subscriptions (`pushes(node)`); ids and owners as OwnedRegistry keeps them."""

    def __init__(self, node: Node) -> None:
        super().__init__(node.events, MAX_PER_CALLER)
        self.node = node
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe = [
            node.events.subscribe(event_type, self._on_event)
            for event_type in {et for sources in _SOURCES.values() for et, _ in sources}
        ]

    def add(self, owner: CallerContext, kind: str) -> str:
        if kind not in _SOURCES:
            raise E.InvalidParams(f"nothing to subscribe to as '{kind}'")
        return self.hold(AppSubscription(kind, owner))

    def _on_event(self, event: Event) -> None:
        for sid, sub in list(self.subs.items()):
            for event_type, view in _SOURCES.get(sub.kind, []):
                if isinstance(event, event_type):
                    self._spawn(self._push(sid, sub, view, event))

    async def _push(self, sid: str, sub: AppSubscription, view: View, event: Event) -> None:
        try:
            result = await view(self.node, sub.owner, event)
        except Exception:  # noqa: BLE001 - the vault locked meanwhile, the app went away: nothing to push
            log.debug("no push for %s", type(event).__name__, exc_info=True)
            return
        if result is not None and sid in self.subs:
            self.node.events.emit(SubscriptionPush(sub.owner, sid, result))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:
            coro.close()  # no loop (the node is closing): nothing to push
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def close(self) -> None:
        super().close()
        for unsub in self._unsubscribe:
            unsub()
        for t in list(self._tasks):
            t.cancel()


def pushes(node: Node) -> AppPushes:
    """The open vault's AppPushes, built on first use (VaultSession.close ends it)."""
    node.require_vault()
    session = node.session
    if session.app_pushes is None:
        session.app_pushes = AppPushes(node)
    return session.app_pushes
