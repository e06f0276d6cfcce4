"""The launcher's asyncio loop: qasync's, with a ready queue for `call_soon`.

qasync runs each `call_soon` callback as a Qt timer of its own (startTimer(0), a timer event
into Python, killTimer): every step of every task costs a Qt timer, which made the Python side of
an app's bridge twice what Qt's own QWebChannel work costs (py-spy: most of it timer plumbing).
Here callbacks wait in one queue, as in asyncio's own loops, and one Qt timer runs those ready
when it fires; what they schedule runs at the next timer, so Qt's events (input, paints, the
pages' messages) still come in between. Delayed callbacks (`call_later`) stay qasync's timers.
"""

from __future__ import annotations

import asyncio
import collections
from contextvars import Context
from typing import Any

import qasync


class QtLoop(qasync.QEventLoop):  # type: ignore[misc] - qasync ships no type hints
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._ready_soon: collections.deque[asyncio.Handle] = collections.deque()
        self._drain_handle: asyncio.Handle | None = None
        super().__init__(*args, **kwargs)

    def call_soon(self, callback: Any, *args: Any, context: Context | None = None) -> asyncio.Handle:
        self._check_closed()
        if self.get_debug():  # as asyncio's loops check: only in debug mode (the check is slow)
            self._check_callback(callback, "call_soon")
        handle = asyncio.Handle(callback, args, self, context=context)
        self._ready_soon.append(handle)
        if self._drain_handle is None:
            self._wake()
        return handle

    def _wake(self) -> None:
        """One Qt timer that runs the ready queue when it fires."""
        self._drain_handle = self._add_callback(asyncio.Handle(self._drain, (), self), 0)

    def close(self) -> None:
        super().close()
        self._ready_soon.clear()  # as asyncio's own loops drop what was still ready when closed

    def _drain(self) -> None:
        self._drain_handle = None
        ready = self._ready_soon
        try:
            # only those ready now: what they schedule waits for the next timer, after Qt's events
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
        finally:
            if ready and self._drain_handle is None:  # (a BaseException left some behind)
                self._wake()
