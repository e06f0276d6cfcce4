"""AppWindow: an app's page under a small trusted bar the page cannot draw over or imitate.

The bar is native Qt, outside the web content: app name and developer, the identity the app runs
as, the account it is connected to, a menu to see and revoke its permissions, and close. Every
approval an app triggers is a launcher dialog too (node.prompter), never page content.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from ..qt import (
    QCloseEvent,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QMenu,
    QPixmap,
    QShortcut,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from ..qt_web import QWebEngineView

if TYPE_CHECKING:
    from .host import AppHost, OpenApp

log = logging.getLogger("mainframe_os.gui.apphost")

BAR_STYLE = """
#trustedBar { background: #161b26; border-bottom: 1px solid #2c3445; }
#trustedBar QLabel { color: #e8ecf4; }
#trustedBar QLabel#appName { font-weight: 600; font-size: 14px; }
#trustedBar QLabel#muted { color: #8b95a8; }
#trustedBar QLabel#chip { background: #232a39; border: 1px solid #323b50; border-radius: 12px; padding: 0 10px;
                          min-height: 24px; max-height: 24px; }
#trustedBar QLabel#devChip { background: #5a3d00; color: #ffd27a; border-radius: 12px; padding: 0 10px;
                             min-height: 24px; max-height: 24px; }
#trustedBar QToolButton { color: #e8ecf4; background: #232a39; border: 1px solid #323b50; border-radius: 6px;
                          padding: 0 10px; min-height: 24px; max-height: 24px; }
#trustedBar QToolButton:hover { background: #2e3649; }
#trustedBar QToolButton::menu-indicator { image: none; }
"""

DECISION_LABEL = {"always": "Allowed", "session": "Allowed this session", "never": "Denied", None: "Asks first"}


def short_address(a: str) -> str:
    return f"{a[:6]}…{a[-4:]}" if len(a) > 12 else a


class AppWindow(QWidget):
    def __init__(self, host: AppHost, app: OpenApp) -> None:
        super().__init__()
        self.host, self.app = host, app
        m = app.source.manifest
        self.setWindowTitle(f"{m.name} — Mainframe OS")
        self.resize(1024, 720)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._perms: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

        bar = QFrame(self)
        bar.setObjectName("trustedBar")
        bar.setStyleSheet(BAR_STYLE)
        bar.setFixedHeight(46)
        row = QHBoxLayout(bar)
        row.setContentsMargins(12, 6, 10, 6)
        row.setSpacing(10)
        self.icon = QLabel(bar)
        self.icon.setFixedSize(26, 26)
        self._load_icon()
        row.addWidget(self.icon)
        self.name_label = QLabel(m.name, bar)
        self.name_label.setObjectName("appName")
        row.addWidget(self.name_label)
        dev = m.developer_name or "unknown developer"
        self.dev_label = QLabel(f"v{m.version} · {dev}", bar)
        self.dev_label.setObjectName("muted")
        row.addWidget(self.dev_label)
        if app.dev:
            chip = QLabel("DEV MODE · unsigned", bar)
            chip.setObjectName("devChip")
            row.addWidget(chip)
        row.addStretch(1)
        self.identity_label = QLabel("…", bar)
        self.identity_label.setObjectName("chip")
        self.identity_label.setToolTip("The identity this app runs as")
        row.addWidget(self.identity_label)
        self.account_label = QLabel("Wallet not connected", bar)
        self.account_label.setObjectName("chip")
        self.account_label.setToolTip("The account this app can see")
        row.addWidget(self.account_label)

        self.perm_button = QToolButton(bar)
        self.perm_button.setText("Permissions ▾")
        self.perm_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.perm_menu = QMenu(self.perm_button)
        self.perm_menu.aboutToShow.connect(self._fill_menu)
        self.perm_button.setMenu(self.perm_menu)
        row.addWidget(self.perm_button)
        if app.dev:
            reload_btn = QToolButton(bar)
            reload_btn.setText("Reload")
            reload_btn.clicked.connect(lambda: host.reload(app))
            row.addWidget(reload_btn)
            tools = QToolButton(bar)
            tools.setText("Dev tools")
            tools.clicked.connect(self.open_dev_tools)
            row.addWidget(tools)
            QShortcut(QKeySequence("F12"), self, self.open_dev_tools)
            QShortcut(QKeySequence("Ctrl+R"), self, lambda: host.reload(app))
        close_btn = QToolButton(bar)
        close_btn.setText("Close")
        close_btn.clicked.connect(self.close)
        row.addWidget(close_btn)

        self.view = QWebEngineView(self)
        self.view.setPage(app.page)
        self.view.setContextMenuPolicy(
            Qt.ContextMenuPolicy.NoContextMenu if not app.dev else Qt.ContextMenuPolicy.DefaultContextMenu
        )
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(bar)
        col.addWidget(self.view, 1)
        self.bar = bar
        self.dev_tools: QWebEngineView | None = None
        self._spawn(self.refresh_bar())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _load_icon(self) -> None:
        m = self.app.source.manifest
        pix = QPixmap()
        if m.icon:
            try:
                pix.loadFromData(self.app.source.read(m.icon))
            except Exception:  # noqa: BLE001 - a refused icon just shows the letter
                pix = QPixmap()
        if not pix.isNull():
            self.icon.setPixmap(
                pix.scaled(26, 26, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
            )
        else:
            self.icon.setText(m.name[:1].upper())
            self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.icon.setStyleSheet("background:#2f6bff;color:white;border-radius:6px;font-weight:700;")

    async def refresh_bar(self) -> None:
        call, ctx = self.host.node.call, self.app.ctx
        which = {"appId": ctx.app_id, "identityId": ctx.identity_id}
        try:
            identity = await call("identity_get", {"id": ctx.identity_id})
            self.identity_label.setText(f"as {identity['displayName']}")
            accounts = await call("apps_getAccounts", which)
            self.account_label.setText(f"● {short_address(accounts[0])}" if accounts else "Wallet not connected")
            self.account_label.setToolTip(accounts[0] if accounts else "This app cannot see your accounts")
            self._perms = await call("apps_getPermissions", which)
        except Exception:  # noqa: BLE001 - the vault locked meanwhile: the window closes soon
            log.debug("trusted bar refresh failed", exc_info=True)

    def _fill_menu(self) -> None:
        self.perm_menu.clear()
        for p in self._perms:
            decision = p["decision"]
            label = p["label"] if p["key"] != "eth_accounts" else "Wallet connection"
            state = DECISION_LABEL.get(decision, decision)
            if p["key"] == "eth_accounts" and decision:
                accounts = (p.get("value") or {}).get("accounts", [])
                state = "Connected " + ", ".join(short_address(a) for a in accounts)
            act = self.perm_menu.addAction(f"{label}  —  {state}")
            act.setEnabled(False)
            if decision in ("always", "session") and not p.get("required"):
                revoke = self.perm_menu.addAction(f"    Revoke “{label}”")
                revoke.triggered.connect(lambda _c=False, key=p["key"]: self._spawn(self.revoke(key)))
        self.perm_menu.addSeparator()
        self.perm_menu.addAction("Revoke all optional permissions").triggered.connect(
            lambda: self._spawn(self.revoke_all())
        )

    async def revoke(self, key: str) -> None:
        await self.host.node.call(
            "apps_revoke", {"appId": self.app.ctx.app_id, "key": key, "identityId": self.app.ctx.identity_id}
        )

    async def revoke_all(self) -> None:
        for p in self._perms:
            if p["decision"] and not p.get("required"):
                await self.revoke(p["key"])

    def open_dev_tools(self) -> None:
        if self.dev_tools is None:
            self.dev_tools = QWebEngineView()
            self.dev_tools.setWindowTitle(f"Dev tools — {self.app.source.manifest.name}")
            self.app.page.setDevToolsPage(self.dev_tools.page())
            self.dev_tools.resize(900, 600)
        self.dev_tools.show()

    def detach_page(self) -> None:
        self.view.hide()
        if self.dev_tools is not None:
            self.dev_tools.close()
            self.dev_tools.deleteLater()
            self.dev_tools = None

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        for t in list(self._tasks):
            t.cancel()
        self.host.close(self.app)
        super().closeEvent(event)
