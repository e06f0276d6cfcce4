"""The identities in the open vault: create, select, rename, delete."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import ActiveIdentityChanged, IdentitiesChanged, VaultOpened

from ...context import LauncherContext
from ...dialogs import TypedConfirmDialog, ask_text, run_dialog
from ...qt import (
    QDialog,
    QHBoxLayout,
    QIcon,
    QListWidget,
    QListWidgetItem,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
)
from ...widgets import avatar_pixmap, button, label
from ..identity_switcher import create_identity


class IdentitiesTab(QWidget):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.addWidget(label("Identities in this vault", "sectionTitle"))
        lay.addWidget(label("Each identity has its own keys, contacts, wallets and apps.", "caption"))
        self.list = QListWidget()
        self.list.setObjectName("identityList")
        self.list.setIconSize(QSize(28, 28))
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.new_button = button("New identity…", None, "Create another identity", "plus")
        self.use_button = button("Use", None, "Make the selected identity the active one")
        self.rename_button = button("Rename…", None, None, "edit")
        self.delete_button = button("Delete…", "danger", "Delete the selected identity and its data", "trash")
        for b in (self.new_button, self.use_button, self.rename_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.delete_button)
        lay.addLayout(row)
        self.new_button.clicked.connect(
            lambda: ctx.ops.run(create_identity(ctx, self.window()), title="Could not create the identity")
        )
        self.use_button.clicked.connect(self._use)
        self.rename_button.clicked.connect(self._rename)
        self.delete_button.clicked.connect(self._delete)
        self.list.itemSelectionChanged.connect(self._selection)
        for ev in (IdentitiesChanged, ActiveIdentityChanged, VaultOpened):
            ctx.subscribe(self, ev, lambda _e: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        if self.ctx.node.vault is not None:
            self.ctx.ops.run(self.ctx.call("identity_list"), on_done=self._show, quiet=True)

    def _show(self, idents: list[dict[str, Any]]) -> None:
        sel = self.selected()
        self.list.clear()
        for i in idents:
            item = QListWidgetItem(
                QIcon(avatar_pixmap(i["displayName"], 56)),
                i["displayName"] + ("   (active)" if i["active"] else ""),
            )
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.list.addItem(item)
            if sel and sel["id"] == i["id"]:
                item.setSelected(True)
        self._selection()

    def selected(self) -> dict[str, Any] | None:
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selection(self) -> None:
        i = self.selected()
        self.use_button.setEnabled(i is not None and not i["active"])
        self.rename_button.setEnabled(i is not None)
        self.delete_button.setEnabled(i is not None)

    def _use(self) -> None:
        i = self.selected()
        if i:
            self.ctx.ops.run(self.ctx.call("identity_select", {"id": i["id"]}))

    def _rename(self) -> None:
        i = self.selected()
        if not i:
            return

        async def run() -> None:
            name = await ask_text(self.window(), "Rename identity", "Display name:", i["displayName"])
            if name and name != i["displayName"]:
                await self.ctx.call("identity_rename", {"id": i["id"], "displayName": name})

        self.ctx.ops.run(run(), title="Could not rename the identity")

    def _delete(self) -> None:
        i = self.selected()
        if not i:
            return

        async def run() -> None:
            dlg = TypedConfirmDialog(
                self.window(),
                "Delete identity",
                f"Delete “{i['displayName']}” with its keys, contacts and data?",
                i["displayName"],
                "Delete identity",
            )
            if await run_dialog(dlg) == QDialog.DialogCode.Accepted:
                await self.ctx.call("identity_delete", {"id": i["id"]})

        self.ctx.ops.run(run(), title="Could not delete the identity")
