"""Notifications from the node (payments, confirmations, …): a list here, a tray message too."""

from __future__ import annotations

import time

from mainframe_os.node.events import Notification

from ..context import LauncherContext
from ..qt import QListWidget, QListWidgetItem, Qt, QVBoxLayout, QWidget, Signal
from ..widgets import button, label, screen_header


class NotificationsScreen(QWidget):
    unread_changed = Signal(int)
    arrived = Signal(str, str)  # title, body (the tray shows it)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("notificationsScreen")
        self.unread = 0
        lay = QVBoxLayout(self)
        lay.addWidget(screen_header("Notifications", "Payments, transactions and messages from your apps."))
        self.list = QListWidget()
        self.list.setObjectName("notificationList")
        lay.addWidget(self.list, 1)
        self.empty = label(
            "Nothing yet. Payments you receive and transactions you send show up here.",
            "caption",
            wrap=True,
        )
        lay.addWidget(self.empty)
        clear = button("Clear all")
        clear.clicked.connect(self.clear)
        lay.addWidget(clear, 0, Qt.AlignmentFlag.AlignRight)
        ctx.subscribe(self, Notification, self.add)

    def add(self, event: Notification) -> None:
        stamp = time.strftime("%H:%M")
        # An app's notification names the app (source "app:<name>", set by the node, not the app)
        # so a page cannot pass its message off as the launcher's.
        app = event.source[4:] if event.source.startswith("app:") else None
        origin = f"{app}  ·  " if app else ""
        item = QListWidgetItem(f"{event.title}\n{event.body}   ·  {origin}{stamp}")
        item.setToolTip(f"From the app {app}" if app else f"From {event.source}")
        item.setData(Qt.ItemDataRole.UserRole, {"source": event.source, "app": app, "title": event.title})
        self.list.insertItem(0, item)
        self.empty.setVisible(False)
        if not self.isVisible():
            self.unread += 1
            self.unread_changed.emit(self.unread)
        self.arrived.emit(f"{app}: {event.title}" if app else event.title, event.body)

    def clear(self) -> None:
        self.list.clear()
        self.empty.setVisible(True)

    def showEvent(self, e: object) -> None:  # noqa: N802
        super().showEvent(e)  # type: ignore[arg-type]
        if self.unread:
            self.unread = 0
            self.unread_changed.emit(0)
