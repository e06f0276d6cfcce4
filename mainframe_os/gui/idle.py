"""Auto-lock: a timer restarted by any keyboard or mouse input in any of the app's windows.

The filter sits on each top-level QWindow (where the platform delivers input first), not on the
QApplication: an application-wide filter written in Python sees every event of every object,
including ChildAdded sent while QtWebEngine constructs a QObject in C++, and PySide crashes
wrapping that half-built object (opening an app crashed the launcher).
"""

from __future__ import annotations

from collections.abc import Callable

from .qt import QEvent, QGuiApplication, QObject, QTimer

INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleLock(QObject):
    def __init__(self, on_idle: Callable[[], None], minutes: int) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(on_idle)
        self.set_minutes(minutes)

    def set_minutes(self, minutes: int) -> None:
        self.minutes = minutes
        self.timer.stop()
        if minutes > 0:
            self.timer.setInterval(minutes * 60_000)

    def arm(self) -> None:
        if self.minutes > 0:
            self.timer.start()

    def disarm(self) -> None:
        self.timer.stop()

    def watch(self, app: QGuiApplication) -> None:
        """Follow input in the app's windows, those open now and those that get focus later."""
        self._watched: set[int] = set()
        for w in app.topLevelWindows():
            self._watch_window(w)
        app.focusWindowChanged.connect(self._watch_window)
        self._app = app

    def unwatch(self) -> None:
        app = getattr(self, "_app", None)
        if app is None:
            return
        app.focusWindowChanged.disconnect(self._watch_window)
        for w in app.topLevelWindows():
            w.removeEventFilter(self)
        self._app = None

    def _watch_window(self, window: object) -> None:
        if window is None or id(window) in self._watched:
            return
        key = id(window)
        self._watched.add(key)
        window.installEventFilter(self)  # type: ignore[attr-defined]
        window.destroyed.connect(lambda *_a: self._watched.discard(key))  # type: ignore[attr-defined]

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in INPUT_EVENTS and self.timer.isActive():
            self.timer.start()  # restart
        return False
