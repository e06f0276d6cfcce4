"""A new group from some contacts: a name and the people in it (the node tells them at once)."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.errors import RpcError

from ..context import LauncherContext
from ..qt import QDialog, QDialogButtonBox, QLineEdit, QListWidget, QListWidgetItem, Qt, QVBoxLayout, QWidget
from ..widgets import label


class NewGroupDialog(QDialog):
    def __init__(self, ctx: LauncherContext, contacts: list[dict[str, Any]], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("newGroupDialog")
        self.setWindowTitle("New group")
        self.setMinimumWidth(420)
        self.created: dict[str, Any] | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(label("Messages in a group are encrypted once for all its members.", "caption", wrap=True))
        self.name = QLineEdit()
        self.name.setObjectName("groupName")
        self.name.setPlaceholderText("Group name")
        self.name.setMaxLength(256)
        lay.addWidget(self.name)
        lay.addWidget(label("Who is in it:"))
        self.members = QListWidget()
        self.members.setObjectName("groupMembers")
        for c in contacts:
            item = QListWidgetItem(c["displayName"])
            item.setData(Qt.ItemDataRole.UserRole, c["id"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.members.addItem(item)
        lay.addWidget(self.members, 1)
        self.error = label("", "error", wrap=True)
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create = buttons.addButton("Create group", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create.setObjectName("createGroup")
        self.create.setProperty("primary", True)
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.name.textChanged.connect(self._changed)
        self.members.itemChanged.connect(self._changed)
        self._changed()

    def chosen(self) -> list[str]:
        items = (self.members.item(i) for i in range(self.members.count()))
        return [i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked]

    def _changed(self, *_: Any) -> None:
        self.create.setEnabled(bool(self.name.text().strip()) and bool(self.chosen()))
        self.error.setText("")

    def _create(self) -> None:
        def done(result: dict[str, Any]) -> None:
            self.created = result
            self.accept()

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, RpcError) and exc.code != -32603:
                self.error.setText(exc.message)
                return True
            return False

        self.ctx.ops.run(
            self.ctx.call("groups_create", {"name": self.name.text().strip(), "contacts": self.chosen()}),
            busy=self.create,
            on_done=done,
            on_error=failed,
            title="Could not create the group",
        )
