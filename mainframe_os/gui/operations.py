"""Run node calls from the GUI without freezing it, and show failures in one place.

    ops.run(node.call("vault_unlock", {...}), busy=unlock_button, on_done=self._unlocked,
            title="Could not unlock")

`run` schedules the coroutine on the qasync loop, disables `busy` while it runs, shows the
window-wide busy bar, and sends any exception to the one :class:`ErrorPresenter`: the user sees
the RpcError's message, the log gets the traceback of anything unexpected.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from mainframe_os.node.errors import RpcError

from .qt import QObject, QWidget, Signal

if TYPE_CHECKING:
    import asyncio

    from .qt import QMessageBox

log = logging.getLogger("mainframe_os.gui")

GENERIC_MESSAGE = "Something unexpected went wrong. The details are in the log."


def user_message(exc: BaseException) -> str:
    if isinstance(exc, RpcError):
        return exc.message
    return GENERIC_MESSAGE


class ErrorPresenter(QObject):
    """The one place failures reach the user: a message box, and the traceback in the log."""

    presented = Signal(str, str)  # title, message (tests and the notifications list listen)

    def __init__(self, parent_widget: Callable[[], QWidget | None] = lambda: None) -> None:
        super().__init__()
        self._parent_widget = parent_widget
        self.history: list[tuple[str, str]] = []
        self.current: QMessageBox | None = None

    def present(self, exc: BaseException, title: str = "Something went wrong") -> None:
        if isinstance(exc, RpcError) and exc.code != -32603:
            log.info("%s: %s (%s)", title, exc.message, exc.code)
        else:
            log.error("%s", title, exc_info=(type(exc), exc, exc.__traceback__))
        self.show_message(title, user_message(exc))

    def show_message(self, title: str, message: str) -> None:
        self.history.append((title, message))
        from .qt import QMessageBox  # its Qt type loads with the first error, not at startup

        box = QMessageBox(
            QMessageBox.Icon.Warning,
            title,
            message,
            QMessageBox.StandardButton.Ok,
            self._parent_widget(),
        )
        box.setObjectName("errorBox")
        # open(), not exec(): a nested event loop would stall the asyncio tasks (and tests).
        box.open()
        self.current = box
        self.presented.emit(title, message)


class Operations(QObject):
    """Owns every GUI-started task: keeps them alive, counts them, cancels them at shutdown."""

    busyChanged = Signal(bool)

    def __init__(self, errors: ErrorPresenter) -> None:
        super().__init__()
        self.errors = errors
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy = 0

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def run(
        self,
        coro: Coroutine[Any, Any, Any] | Awaitable[Any],
        *,
        busy: QWidget | list[QWidget] | None = None,
        on_done: Callable[[Any], Any] | None = None,
        on_error: Callable[[BaseException], bool] | None = None,
        title: str = "Something went wrong",
        quiet: bool = False,
    ) -> asyncio.Task[Any]:
        """Run `coro`; `on_error` returning True means the caller showed the error itself."""
        import asyncio  # here, not at the top: the lock screen paints before asyncio loads

        widgets = [] if busy is None else busy if isinstance(busy, list) else [busy]

        def restore() -> None:
            for w in widgets:
                try:
                    w.setEnabled(True)
                except RuntimeError:  # the widget was deleted meanwhile
                    pass

        async def wrapper() -> Any:
            self._set_busy(+1)
            for w in widgets:
                w.setEnabled(False)
            try:
                result = await coro
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure goes to the one presenter
                # Re-enable first: the error handler may want to focus a field.
                restore()
                if on_error is not None and on_error(exc):
                    return None
                if quiet:
                    log.warning("%s: %s", title, exc, exc_info=not isinstance(exc, RpcError))
                else:
                    self.errors.present(exc, title)
                return None
            finally:
                restore()
                self._set_busy(-1)
            if on_done is not None:
                out = on_done(result)
                if asyncio.iscoroutine(out):
                    await out
            return result

        task = asyncio.ensure_future(wrapper())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if asyncio.iscoroutine(coro):
            # cancelled before it started (e.g. the window closed meanwhile): close it quietly
            # (a no-op when it ran) instead of leaving a "never awaited" coroutine behind
            task.add_done_callback(lambda _t: coro.close())
        return task

    def _set_busy(self, delta: int) -> None:
        was = self.busy
        self._busy += delta
        if was != self.busy:
            self.busyChanged.emit(self.busy)

    async def drain(self) -> None:
        """Cancel what is still running and wait for it to finish (shutdown)."""
        import asyncio

        tasks = [t for t in self._tasks if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
