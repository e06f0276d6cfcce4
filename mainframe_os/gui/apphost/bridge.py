"""The one object an app page sees on its QWebChannel: a JSON-in slot and a JSON-out signal.

    page JS  --bridge.send(text)-->  AppBridge  --await session.handle_text-->  node
    page JS  <--bridge.message(text)--  responses and events, whenever they are ready

Each message is handled in its own asyncio task (qasync runs asyncio on the Qt thread), so a
call waiting for the user (a transaction dialog) never blocks the page or other calls. The
caller is the AppSession's context, fixed when the window opened: nothing in a message can
change which app or identity is calling.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from mainframe_os.node import errors as E
from mainframe_os.node.apps.gateway import AppSession

log = logging.getLogger("mainframe_os.gui.apphost")

# Calls waiting at once per page (e.g. behind a dialog); more get -32005. Identical requests share
# one prompt (node/prompt_queue.py), so a dapp firing hundreds at once must not be cut short.
MAX_IN_FLIGHT = 1024


class AppBridge(QObject):
    message = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: AppSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.received = 0

    def attach(self, session: AppSession) -> None:
        self.session = session

    @Slot(str)
    def send(self, text: str) -> None:
        self.received += 1
        if self.session is None or self.session.closed:
            return
        if len(self._tasks) >= MAX_IN_FLIGHT:
            self._reply_error(text, E.RateLimited("Too many requests in flight"))
            return
        task = asyncio.ensure_future(self._handle(self.session, text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, session: AppSession, text: str) -> None:
        try:
            out = await session.handle_text(text)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - never let a page's message break the bridge
            log.exception("bridge message failed")
            out = json.dumps({"jsonrpc": "2.0", "id": None, "error": E.InternalError().to_json()})
        if out is not None and not session.closed:
            self.message.emit(out)

    def _reply_error(self, text: str, err: E.RpcError) -> None:
        req_id = None
        try:
            msg = json.loads(text)
            req_id = msg.get("id") if isinstance(msg, dict) else None
        except (ValueError, RecursionError, TypeError):
            pass
        if req_id is not None and not isinstance(req_id, (str, int)):
            req_id = None
        self.message.emit(json.dumps({"jsonrpc": "2.0", "id": req_id, "error": err.to_json()}))

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
        for t in list(self._tasks):
            t.cancel()
