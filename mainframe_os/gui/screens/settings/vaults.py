"""The vaults on this machine: create, switch, change password, delete (typed confirmation)."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import VaultOpened, VaultsChanged
from mainframe_os.node.password_rules import password_problem

from ...context import LauncherContext
from ...dialogs import TypedConfirmDialog, ask_password, run_dialog
from ...qt import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ...widgets import PasswordStrengthMeter, button, form_layout, label
from ..vault_forms import NewVaultForm


class NewVaultDialog(QDialog):
    def __init__(self, ctx: LauncherContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Create a vault")
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        lay.addWidget(
            label(
                "A separate vault with its own password, identities and wallets. Creating it locks the current one.",
                "caption",
                wrap=True,
            )
        )
        self.form = NewVaultForm(ctx, default_name="")
        lay.addWidget(self.form)
        self.form.submitted.connect(self._create)

    def _create(self, name: str, password: str, remember: bool) -> None:
        def done(r: dict[str, Any]) -> None:
            self.ctx.prefs.last_vault = r["name"]
            self.ctx.prefs.set_remembered(r["name"], remember)
            self.accept()

        self.ctx.ops.run(
            self.ctx.call("vault_create", {"name": name, "password": password, "remember": remember}),
            busy=self.form,
            on_done=done,
            title="Could not create the vault",
        )


class ChangePasswordDialog(QDialog):
    def __init__(self, ctx: LauncherContext, vault: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx, self.vault = ctx, vault
        self.setObjectName("changePasswordDialog")
        self.setWindowTitle(f"Change the password of “{vault}”")
        self.setMinimumWidth(420)
        lay = QVBoxLayout(self)
        form = form_layout()
        self.old = QLineEdit()
        self.new = QLineEdit()
        self.again = QLineEdit()
        for f, n in (
            (self.old, "oldPassword"),
            (self.new, "newPassword"),
            (self.again, "confirmPassword"),
        ):
            f.setEchoMode(QLineEdit.EchoMode.Password)
            f.setObjectName(n)
            f.textChanged.connect(self._validate)
        form.addRow("Current password", self.old)
        form.addRow("New password", self.new)
        form.addRow("", PasswordStrengthMeter(self.new))
        form.addRow("Confirm", self.again)
        lay.addLayout(form)
        self.message = label("", "error", wrap=True)
        lay.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.addButton("Change password", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._change)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self._validate()

    def _validate(self) -> None:
        why = None
        if not self.old.text():
            why = ""
        elif (problem := password_problem(self.new.text(), "new password")) is not None:
            why = problem + "." if self.new.text() else ""  # the node's rule, shown as they type
        elif self.new.text() != self.again.text():
            why = "The new passwords do not match." if self.again.text() else ""
        self.ok.setEnabled(why is None)
        self.message.setText(why or "")

    def _change(self) -> None:
        from mainframe_os.node.errors import WrongPasswordError

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, WrongPasswordError):
                self.old.clear()
                self.old.setFocus()
                self.message.setText("The current password is wrong.")
                return True
            return False

        self.ctx.ops.run(
            self.ctx.call(
                "vault_changePassword",
                {
                    "name": self.vault,
                    "oldPassword": self.old.text(),
                    "newPassword": self.new.text(),
                },
            ),
            busy=self.ok,
            on_done=lambda _r: self.accept(),
            on_error=failed,
            title="Could not change the password",
        )


class VaultsTab(QWidget):
    switch_vault = Signal(str)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.addWidget(label("Vaults on this computer", "sectionTitle"))
        self.list = QListWidget()
        self.list.setObjectName("vaultList")
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.create_button = button("New vault…", None, "Create another vault", "plus")
        self.switch_button = button("Switch to", None, "Lock this vault and unlock the selected one")
        self.password_button = button("Change password…")
        self.password_button.setObjectName("changePasswordButton")
        self.delete_button = button("Delete…", "danger", "Delete the selected vault from this computer", "trash")
        self.delete_button.setObjectName("deleteVaultButton")
        for b in (self.create_button, self.switch_button, self.password_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.delete_button)
        lay.addLayout(row)
        lay.addWidget(label("Deleting a vault cannot be undone. Back it up first.", "hint"))
        self.create_button.clicked.connect(self.create_vault)
        self.switch_button.clicked.connect(self._switch)
        self.password_button.clicked.connect(self.change_password)
        self.delete_button.clicked.connect(self.delete_selected)
        self.list.itemSelectionChanged.connect(self._selection)
        ctx.subscribe(self, VaultsChanged, lambda _e: self.refresh())
        ctx.subscribe(self, VaultOpened, lambda _e: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        self.ctx.ops.run(self.ctx.call("vault_list"), on_done=self._show, quiet=True)

    def _show(self, vaults: list[dict[str, Any]]) -> None:
        current = self.selected()
        self.list.clear()
        for v in vaults:
            item = QListWidgetItem(v["name"] + ("   (open)" if v["open"] else ""))
            item.setData(Qt.ItemDataRole.UserRole, v)
            self.list.addItem(item)
            if v["name"] == current or (current is None and v["open"]):
                item.setSelected(True)
        self._selection()

    def selected(self) -> str | None:
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole)["name"] if items else None

    def _selection(self) -> None:
        items = self.list.selectedItems()
        v = items[0].data(Qt.ItemDataRole.UserRole) if items else None
        for b in (self.password_button, self.delete_button):
            b.setEnabled(v is not None)
        self.switch_button.setEnabled(v is not None and not v["open"])

    def create_vault(self) -> None:
        self.new_dialog = NewVaultDialog(self.ctx, self.window())
        self.new_dialog.open()

    def _switch(self) -> None:
        name = self.selected()
        if name:
            self.switch_vault.emit(name)

    def change_password(self) -> None:
        name = self.selected()
        if name:
            self.password_dialog = ChangePasswordDialog(self.ctx, name, self.window())
            self.password_dialog.open()

    def delete_selected(self) -> None:
        name = self.selected()
        if not name:
            return

        async def run() -> None:
            self.delete_dialog = dlg = TypedConfirmDialog(
                self.window(),
                "Delete vault",
                f"This deletes the vault “{name}” from this computer with every identity, contact and "
                "wallet key in it. Without a backup there is no way back.",
                name,
                "Delete vault",
            )
            if await run_dialog(dlg) != QDialog.DialogCode.Accepted:
                return
            pw = await ask_password(self.window(), "Vault password", f"Enter the password of “{name}” to delete it.")
            if pw is None:
                return
            await self.ctx.call("vault_delete", {"name": name, "password": pw, "confirm": dlg.typed()})

        self.ctx.ops.run(run(), title="Could not delete the vault")
