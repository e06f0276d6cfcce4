"""The tray icon (where the desktop has a tray): show, lock, quit; messages for notifications;
the unread message count in its tooltip and menu."""

from __future__ import annotations

from collections.abc import Callable

from mainframe_os.datafiles import icon_file

from .qt import QIcon, QMenu, QObject, QSystemTrayIcon


class Tray(QObject):
    def __init__(self, on_show: Callable[[], None], on_lock: Callable[[], None], on_quit: Callable[[], None]) -> None:
        super().__init__()
        self.icon: QSystemTrayIcon | None = None
        self.unread = 0
        self.tooltip = "Mainframe OS"
        self.on_messages: Callable[[], None] = on_show  # the launcher points it at the conversations
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        self.icon = QSystemTrayIcon(QIcon(str(icon_file("logo"))))
        self.icon.setToolTip("Mainframe OS")
        menu = QMenu()
        menu.addAction("Show Mainframe OS").triggered.connect(on_show)
        self.messages_action = menu.addAction("No unread messages")
        self.messages_action.setEnabled(False)
        self.messages_action.triggered.connect(lambda: self.on_messages())
        self.lock_action = menu.addAction("Lock")
        self.lock_action.triggered.connect(on_lock)
        menu.addSeparator()
        menu.addAction("Quit").triggered.connect(on_quit)
        self.menu = menu
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(lambda reason: reason == QSystemTrayIcon.ActivationReason.Trigger and on_show())
        self.icon.show()

    def message(self, title: str, body: str) -> None:
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 5000)

    def set_unread(self, n: int) -> None:
        """Show `n` unread messages (kept even without a tray, so tests and later trays read it)."""
        self.unread = n
        words = f"{n} unread message{'s' if n != 1 else ''}"
        self.tooltip = f"Mainframe OS: {words}" if n else "Mainframe OS"
        if self.icon is not None:
            self.icon.setToolTip(self.tooltip)
            self.messages_action.setText(f"Read {words}" if n else "No unread messages")
            self.messages_action.setEnabled(n > 0)

    def set_locked(self, locked: bool) -> None:
        if self.icon is not None:
            self.lock_action.setEnabled(not locked)

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
