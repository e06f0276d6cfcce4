"""The one object an app page sees on its QWebChannel: a JSON-in slot and a JSON-out signal.

    page JS  --bridge.send(text)-->  AppBridge  --await session.handle_text-->  node
    page JS  <--bridge.message(text)--  responses and events, whenever they are ready

What goes back to the page is posted to an outbox and sent once per turn of the loop: one message
alone as it is, several as one JSON-RPC batch (a JSON array, joined from the texts the node
already encoded, never parsed again). Each emission costs Qt a JSON round of its own on the UI
thread, so a page with 200 calls in flight gets a few emissions instead of 200; the order of
responses and events is kept, and nothing waits longer than the current turn.

Each message starts at once, with no task of its own (gui/eager.py): most calls finish in that
first step (eth_chainId, a granted read); one that has to wait (a transaction dialog, the chain)
carries on as an asyncio task (qasync runs asyncio on the Qt thread), so it never blocks the page
or other calls. The caller is the AppSession's context, fixed when the window opened: nothing in
a message can change which app or identity is calling.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from typing import Any

from mainframe_os.node import errors as E
from mainframe_os.node.apps.hosting import MAX_MESSAGE_BYTES, AppSession, peek_id

from .. import eager
from ..qt import QEvent, QObject, Signal, Slot

log = logging.getLogger("mainframe_os.gui.apphost")

# Calls waiting at once per page (e.g. behind a dialog); more get -32005. Identical requests share
# one prompt (node/prompt_queue.py), so a dapp firing hundreds at once must not be cut short.
MAX_IN_FLIGHT = 1024
# Messages started per turn of the loop: a page's burst (hundreds of calls delivered by Qt in one
# go) is spread over several turns, so the launcher's own work and other apps get in between.
START_PER_TURN = 16
# An outbox above this many characters is sent at once: a batch stays a modest message for Qt.
OUTBOX_CHARS = 256 * 1024


class AppBridge(QObject):
    """QWebChannel publishes every member of the object's QMetaObject, QObject's own included: a
    page can send `invokeMethod deleteLater` (or set `objectName`) by name or index with the
    transport's send(). The bridge therefore refuses to be deleted except by the host (close()),
    and keeps its name; its only useful member is the `send` slot."""

    message = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: AppSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queue: collections.deque[str] = collections.deque()
        self._pump: asyncio.Handle | None = None
        self._outbox: list[str] = []
        self._outbox_chars = 0
        self._flush_scheduled = False
        self.received = 0
        self._closing = False
        self.setObjectName("bridge")
        self.objectNameChanged.connect(self._keep_name)

    def event(self, e: QEvent) -> bool:
        # deleteLater() from the page posts a DeferredDelete: only the host's own close() may
        # delete the bridge (it dies with its page otherwise, as a child, without this event).
        if e.type() == QEvent.Type.DeferredDelete and not self._closing:
            log.warning("app page tried to delete its bridge; refused")
            return True
        return super().event(e)

    def _keep_name(self, name: str) -> None:
        if name != "bridge":
            self.setObjectName("bridge")

    def attach(self, session: AppSession) -> None:
        self.session = session

    @Slot(str)
    def send(self, text: str) -> None:
        self.received += 1
        if self.session is None or self.session.closed:
            return
        if len(text) > MAX_MESSAGE_BYTES:
            # refused before any copy or parse, answered at once with the id from its first bytes
            self._reply(peek_id(text), E.InvalidRequest("Message too large (over 1 MiB)"))
            return
        if len(self._tasks) + len(self._queue) >= MAX_IN_FLIGHT:
            self._reply(peek_id(text), E.RateLimited("Too many requests in flight"))
            return
        self._queue.append(text)
        if self._pump is None:
            # a callback, not a task: the calls it starts run their first step with no current task
            self._pump = asyncio.get_event_loop().call_soon(self._start_queued)

    def _start_queued(self) -> None:
        self._pump = None
        for _ in range(min(START_PER_TURN, len(self._queue))):
            session = self.session
            text = self._queue.popleft()
            if session is None or session.closed:
                continue
            # most calls (eth_chainId, a granted read) finish in this first step: no task for them
            task = eager.start(self._handle(session, text))
            if task is not None:
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        if self._queue:
            self._pump = asyncio.get_event_loop().call_soon(self._start_queued)

    async def _handle(self, session: AppSession, text: str) -> None:
        try:
            out = await session.handle_text(text)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - never let a page's message break the bridge
            log.exception("bridge message failed")
            out = json.dumps({"jsonrpc": "2.0", "id": peek_id(text), "error": E.InternalError().to_json()})
        if out is not None and not session.closed:
            self.post(out)

    def _reply(self, req_id: int | str | None, err: E.RpcError) -> None:
        self.post(json.dumps({"jsonrpc": "2.0", "id": req_id, "error": err.to_json()}))

    def post(self, text: str) -> None:
        """Send one JSON-RPC message (a response or an event) to the page, in order, batched with
        whatever else is posted in this turn of the loop."""
        if self._closing:
            return
        self._outbox.append(text)
        self._outbox_chars += len(text)
        if self._outbox_chars >= OUTBOX_CHARS:
            self._flush()
            return
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # Qt delivered the page's message outside the loop's turn: send now
            self._flush()
            return
        self._flush_scheduled = True
        loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        out, self._outbox, self._outbox_chars = self._outbox, [], 0
        if not out or self._closing:
            return
        if len(out) == 1:
            self.message.emit(out[0])
            return
        # Each text is one JSON value from the node's encoder (or _reply): an object, or the array
        # answering a page's own batch, whose items join this batch (the SDK reads one level).
        self.message.emit("[" + ",".join(t[1:-1] if t.startswith("[") else t for t in out) + "]")

    def close(self) -> None:
        self._closing = True
        self._queue.clear()
        self._outbox.clear()
        if self._pump is not None:
            self._pump.cancel()
        if self.session is not None:
            self.session.close()
        for t in list(self._tasks):
            t.cancel()
