"""The identity switcher at the top of the sidebar: avatar + name, a menu of identities."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import ActiveIdentityChanged, IdentitiesChanged, VaultOpened

from ..context import LauncherContext
from ..dialogs import run_dialog
from ..qt import (
    QDialog,
    QDialogButtonBox,
    QIcon,
    QLineEdit,
    QMenu,
    QSize,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from ..widgets import avatar_pixmap, label


class NewIdentityDialog(QDialog):
    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New identity")
        lay = QVBoxLayout(self)
        lay.addWidget(
            label(
                "A separate persona with its own keys, contacts, wallets and apps.",
                "caption",
                wrap=True,
            )
        )
        self.name = QLineEdit()
        self.name.setObjectName("displayName")
        self.name.setPlaceholderText("Display name")
        self.name.setMaxLength(64)
        lay.addWidget(self.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Create")
        self.ok.setEnabled(False)
        self.name.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.setMinimumWidth(360)


async def create_identity(ctx: LauncherContext, parent: QWidget | None) -> dict[str, Any] | None:
    dlg = NewIdentityDialog(parent)
    if await run_dialog(dlg) != QDialog.DialogCode.Accepted:
        return None
    out = await ctx.call("identity_create", {"displayName": dlg.name.text().strip()})
    await ctx.call("identity_select", {"id": out["id"]})
    return out


class IdentitySwitcher(QToolButton):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("identityButton")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setIconSize(QSize(32, 32))
        self.setToolTip("Switch identity")
        self.setAccessibleName("Switch identity")
        self.setMinimumWidth(190)
        self.menu_ = QMenu(self)
        self.setMenu(self.menu_)
        self.identities: list[dict[str, Any]] = []
        ctx.subscribe(self, IdentitiesChanged, lambda _e: self.refresh())
        ctx.subscribe(self, ActiveIdentityChanged, lambda _e: self.refresh())
        ctx.subscribe(self, VaultOpened, lambda _e: self.refresh())

    def refresh(self) -> None:
        if self.ctx.node.vault is None:
            return
        self.ctx.ops.run(self._load(), quiet=True, title="Could not list identities")

    async def _load(self) -> None:
        self.identities = await self.ctx.call("identity_list")
        active = next((i for i in self.identities if i["active"]), None)
        avatar = None
        if active is not None and active["hasAvatar"]:
            avatar = (await self.ctx.call("identity_get", {"id": active["id"]}))["avatar"]
        self._render(active, avatar)

    def prepare(self) -> None:
        """Draw an avatar once ahead (the window calls this while the lock screen waits): PySide6
        makes the Qt enums and font paths it draws with on first use, ~5 ms the first frame after
        an unlock would otherwise wait for."""
        avatar_pixmap("", 64)

    def show_identities(self, identities: list[dict[str, Any]]) -> None:
        """Show a list the window already has (the unlock's), without asking the node: the main
        window's first paint names the active identity. A picture comes with the next refresh."""
        self.identities = identities
        active = next((i for i in identities if i["active"]), None)
        self._render(active, None)

    def _render(self, active: dict[str, Any] | None, avatar: str | None) -> None:
        name = active["displayName"] if active else "No identity"
        self.setText(f"  {name}  ▾")
        self.setIcon(QIcon(avatar_pixmap(name, 64, avatar)))
        self.menu_.clear()
        for ident in self.identities:
            act = self.menu_.addAction(QIcon(avatar_pixmap(ident["displayName"], 32)), ident["displayName"])
            act.setCheckable(True)
            act.setChecked(ident["active"])
            act.triggered.connect(lambda _=False, i=ident["id"]: self.select(i))
        self.menu_.addSeparator()
        self.menu_.addAction("New identity…").triggered.connect(self.new_identity)

    def select(self, identity_id: str) -> None:
        self.ctx.ops.run(self.ctx.call("identity_select", {"id": identity_id}), title="Could not switch identity")

    def new_identity(self) -> None:
        self.ctx.ops.run(create_identity(self.ctx, self.window()), title="Could not create the identity")
