"""An app's grants, one row per permission: what it is, the decision, domains or accounts, and a
button to revoke it. The same panel sits in Settings → Apps and in an app's Permissions dialog.

It follows `AppGrantsChanged`, so a revoke from the app window's trusted bar (or a grant the app
just got) shows here at once.
"""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import AppGrantsChanged

from ...context import LauncherContext
from ...dialogs import run_dialog
from ...qt import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from ...widgets import button, label
from .common import DECISION_TEXT


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def describe(row: dict[str, Any]) -> tuple[str, str]:
    """(what the permission is, its state in words) for one apps_getPermissions row."""
    key, decision, value = row["key"], row.get("decision"), row.get("value")
    what = "Connect to your wallet" if key == "eth_accounts" else str(row.get("label") or key)
    state = DECISION_TEXT.get(decision, str(decision))
    if row.get("required") and decision == "always":
        state = "Always (the app needs it)"
    if key == "eth_accounts" and decision in ("always", "session") and isinstance(value, dict):
        accounts = [str(a) for a in value.get("accounts") or []]
        state = "Connected: " + ", ".join(_short(a) for a in accounts) if accounts else state
    elif key == "WEB_REQUEST" and decision in ("always", "session") and isinstance(value, list):
        state += ": " + (", ".join(str(d) for d in value) or "no domains")
    elif key == "eth_accounts" and decision is None:
        state = "Not connected"
    return what, state


class AppPermissionsPanel(QWidget):
    """The grants of one (identity, app); `show_app(identity_id, app_id, name)` picks which."""

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("appPermissions")
        self.identity_id: str | None = None
        self.app_id: str | None = None
        self.rows: list[dict[str, Any]] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.title = label("", "sectionTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.title)
        self.box = QFrame()
        self.box.setObjectName("card")
        self.grid = QGridLayout(self.box)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(8)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnMinimumWidth(1, 160)
        lay.addWidget(self.box)
        self.empty = label("Pick an app to see what it may do.", "caption", wrap=True)
        lay.addWidget(self.empty)
        self.revoke_all = button("Revoke all", "danger", "Revoke every optional permission and the wallet connection")
        self.revoke_all.setObjectName("revokeAll")
        self.revoke_all.clicked.connect(self._revoke_all)
        lay.addWidget(self.revoke_all, 0, Qt.AlignmentFlag.AlignRight)
        lay.addStretch(1)
        self.revoke_buttons: dict[str, QPushButton] = {}
        self.state_labels: dict[str, QLabel] = {}
        ctx.subscribe(self, AppGrantsChanged, self._grants_changed)
        self._show_rows([])

    def show_app(self, identity_id: str | None, app_id: str | None, name: str = "") -> None:
        self.identity_id, self.app_id = identity_id, app_id
        self.title.setText(name)
        self.refresh()

    def _grants_changed(self, e: AppGrantsChanged) -> None:
        if e.identity_id == self.identity_id and e.app_id == self.app_id:
            self.refresh()

    def refresh(self) -> None:
        if not self.app_id or self.ctx.node.vault is None:
            self._show_rows([])
            return
        app_id, ident = self.app_id, self.identity_id

        async def load() -> list[dict[str, Any]]:
            try:
                return list(await self.ctx.call("apps_getPermissions", {"appId": app_id, "identityId": ident}))
            except Exception:  # noqa: BLE001 - uninstalled meanwhile: nothing to show
                return []

        def shown(rows: list[dict[str, Any]]) -> None:
            if (app_id, ident) == (self.app_id, self.identity_id):
                self._show_rows(rows)

        self.ctx.ops.run(load(), on_done=shown, quiet=True)

    def _show_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        while self.grid.count():
            item = self.grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self.revoke_buttons.clear()
        self.state_labels.clear()
        for r, row in enumerate(rows):
            what, state = describe(row)
            name = label(what)
            name.setToolTip(row["key"])
            self.grid.addWidget(name, r, 0)
            st = label(state, "caption", wrap=True)
            st.setObjectName("grantState")
            st.setProperty("key", row["key"])
            self.state_labels[row["key"]] = st
            self.grid.addWidget(st, r, 1)
            decision = row.get("decision")
            if decision is not None and not row.get("required"):
                text = "Reset" if decision == "never" else ("Disconnect" if row["key"] == "eth_accounts" else "Revoke")
                b = button(text, None, "Ask again next time" if decision == "never" else "The app loses this")
                b.setObjectName(f"revoke_{row['key']}")
                b.clicked.connect(lambda _=False, k=row["key"]: self._revoke(k))
                self.revoke_buttons[row["key"]] = b
                self.grid.addWidget(b, r, 2)
        has_rows = bool(rows)
        self.box.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        self.revoke_all.setVisible(has_rows)
        self.revoke_all.setEnabled(any(r.get("decision") and not r.get("required") for r in rows))

    def _revoke(self, key: str) -> None:
        self.ctx.ops.run(
            self.ctx.call("apps_revoke", {"appId": self.app_id, "key": key, "identityId": self.identity_id}),
            title="Could not revoke the permission",
        )

    def _revoke_all(self) -> None:
        keys = [r["key"] for r in self.rows if r.get("decision") and not r.get("required")]
        app_id, ident = self.app_id, self.identity_id

        async def run() -> None:
            for k in keys:
                await self.ctx.call("apps_revoke", {"appId": app_id, "key": k, "identityId": ident})

        self.ctx.ops.run(run(), title="Could not revoke the permissions")


class AppPermissionsDialog(QDialog):
    """One app's permissions, from the Apps grid."""

    def __init__(self, ctx: LauncherContext, identity_id: str, app: dict[str, Any], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("appPermissionsDialog")
        self.setWindowTitle(f"Permissions — {app.get('name', '')}")
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        self.panel = AppPermissionsPanel(ctx)
        lay.addWidget(self.panel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.panel.show_app(identity_id, app["id"], f"What {app.get('name', 'this app')} may do")


async def show_permissions(ctx: LauncherContext, identity_id: str, app: dict[str, Any], parent: QWidget | None) -> None:
    dlg = AppPermissionsDialog(ctx, identity_id, app, parent)
    try:
        await run_dialog(dlg)
    finally:
        dlg.deleteLater()
