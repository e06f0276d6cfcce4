"""The unlocked window: a sidebar (identity switcher, navigation, lock) and the screens."""

from __future__ import annotations

from ..context import LauncherContext
from ..qt import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSize,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ..style import icon, pixmap
from ..widgets import label
from .apps import AppsScreen
from .contacts import ContactsScreen
from .files import FilesScreen
from .identity_switcher import IdentitySwitcher
from .notifications import NotificationsScreen
from .settings import SettingsScreen

WALLET_MISSING = "The wallet is not available in this build yet."


class MainView(QWidget):
    lock_requested = Signal()

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("mainView")
        root = QHBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)

        side = QWidget()
        side.setObjectName("sidebar")
        side.setFixedWidth(230)
        sl = QVBoxLayout(side)
        sl.setContentsMargins(12, 14, 12, 12)
        sl.addLayout(self._brand())
        sl.addSpacing(10)
        self.identity = IdentitySwitcher(ctx)
        sl.addWidget(self.identity)
        sl.addSpacing(12)

        self.stack = QStackedWidget()
        self.nav = QButtonGroup(self)
        self.nav.setExclusive(True)
        self.nav_buttons: dict[str, QPushButton] = {}
        self.screens: dict[str, QWidget] = {}

        self.apps = AppsScreen(ctx)
        self.wallet = self._make_wallet()
        self.contacts = ContactsScreen(ctx)
        self.files = FilesScreen(ctx)
        self.notifications = NotificationsScreen(ctx)
        self.settings = SettingsScreen(ctx)
        for key, title, icon_name, widget in (
            ("apps", "Apps", "apps", self.apps),
            ("wallet", "Wallet", "wallet", self.wallet),
            ("contacts", "Contacts", "contacts", self.contacts),
            ("files", "Files", "files", self.files),
            ("notifications", "Notifications", "bell", self.notifications),
            ("settings", "Settings", "settings", self.settings),
        ):
            b = QPushButton(icon(icon_name), "  " + title)
            b.setObjectName("navButton")
            b.setProperty("iconName", icon_name)
            b.setProperty("screen", key)
            b.setCheckable(True)
            b.setIconSize(QSize(20, 20))
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            self.nav.addButton(b)
            self.nav_buttons[key] = b
            sl.addWidget(b)
            page = widget if widget is not None else self._wallet_placeholder()
            self.screens[key] = page
            self.stack.addWidget(page)
            b.clicked.connect(lambda _=False, k=key: self.show_screen(k))
        if self.wallet is None:
            self.nav_buttons["wallet"].setToolTip(WALLET_MISSING)
        sl.addStretch(1)
        self.lock_button = self._lock_button()
        sl.addWidget(self.lock_button)
        root.addWidget(side)

        content = QWidget()
        cl = QVBoxLayout(content)
        cl.setContentsMargins(28, 22, 28, 20)
        cl.addWidget(self.stack)
        root.addWidget(content, 1)
        self.notifications.unread_changed.connect(self._unread)
        self.notifications.open_requested.connect(self.open_place)
        self.notifications.conversation_shown = self.contacts.is_showing
        self.contacts.unread.changed.connect(lambda _n: self._contacts_badge())
        self.contacts.requests_count.connect(lambda _n: self._contacts_badge())
        # Apps first: the wallet loads the chain (web3, py-evm) only when it is shown
        self.show_screen("apps")

    @staticmethod
    def _brand() -> QHBoxLayout:
        brand = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(pixmap("logo", 26))
        brand.addWidget(logo)
        brand.addWidget(label("Mainframe OS", "brand"))
        brand.addStretch(1)
        return brand

    def _lock_button(self) -> QPushButton:
        lock = QPushButton(icon("lock"), "  Lock")
        lock.setObjectName("navButton")
        lock.setProperty("iconName", "lock")
        lock.setIconSize(QSize(20, 20))
        lock.setToolTip("Lock the vault (Ctrl+L)")
        lock.setShortcut("Ctrl+L")
        lock.clicked.connect(self.lock_requested.emit)
        return lock

    def _make_wallet(self) -> QWidget | None:
        if not self.ctx.has_wallet:
            return None
        from .wallet import WalletScreen

        return WalletScreen(self.ctx)

    def _wallet_placeholder(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(label("Wallet", "screenTitle"))
        lay.addWidget(label(WALLET_MISSING, "caption"))
        lay.addStretch(1)
        return w

    def show_screen(self, key: str) -> None:
        self.stack.setCurrentWidget(self.screens[key])
        self.nav_buttons[key].setChecked(True)

    def current_screen(self) -> str:
        for k, w in self.screens.items():
            if w is self.stack.currentWidget():
                return k
        return ""

    def _unread(self, n: int) -> None:
        self.nav_buttons["notifications"].setText("  Notifications" + (f"  ({n})" if n else ""))

    def _contacts_badge(self) -> None:
        """Unread messages and waiting requests on the Contacts button (the tray shows the messages)."""
        messages, requests = self.contacts.unread.total, self.contacts.requests.incoming
        n = messages + len(requests)
        b = self.nav_buttons["contacts"]
        b.setText("  Contacts" + (f"  ({n})" if n else ""))
        parts = [f"{messages} unread message{'s' if messages != 1 else ''}"] if messages else []
        parts += [f"{len(requests)} contact request{'s' if len(requests) != 1 else ''}"] if requests else []
        b.setToolTip(", ".join(parts))

    def open_place(self, place: str, ref: str) -> None:
        """Where a notification leads: a conversation, the requests, the contacts."""
        self.show_screen("contacts")
        if place == "requests":
            self.contacts.open_requests()
        elif place == "contact":
            self.contacts.open_conversation(contact_id=ref)
        elif place == "group":
            self.contacts.open_conversation(group_id=ref)
        else:
            self.contacts.close_conversation()

    def refresh(self) -> None:
        self.identity.refresh()
        self.contacts.refresh()
        self.apps.refresh()
