"""The vault forms the first-start wizard and Settings share: a new vault (name, password,
"remember on this device"), a restore from a backup file, and the recovery phrase grid."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.password_rules import password_problem

from ..context import LauncherContext
from ..qt import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ..widgets import PasswordStrengthMeter, button, form_layout, label

KEYRING_MISSING = "No keyring (secret service) is available on this device, so the password cannot be remembered."


def step_title(text: str, sub: str | None = None) -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 8)
    lay.addWidget(label(text, "dialogTitle", wrap=True))
    if sub:
        lay.addWidget(label(sub, "caption", wrap=True))
    return w


class NewVaultForm(QWidget):
    """Vault name, password with a strength hint, confirmation; `submit` is enabled when valid."""

    submitted = Signal(str, str, bool)

    def __init__(self, ctx: LauncherContext, submit_text: str = "Create vault", default_name: str = "main") -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        form = form_layout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit(default_name)
        self.name.setObjectName("vaultName")
        self.name.setPlaceholderText("e.g. personal")
        self.password = QLineEdit()
        self.password.setObjectName("newPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setObjectName("confirmPassword")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = PasswordStrengthMeter(self.password)
        form.addRow("Vault name", self.name)
        form.addRow("Password", self.password)
        form.addRow("", self.meter)
        form.addRow("Confirm", self.confirm)
        lay.addLayout(form)
        self.remember = QCheckBox("Remember on this device")
        self.remember.setObjectName("remember")
        if not ctx.keyring_available:
            self.remember.setEnabled(False)
            self.remember.setToolTip(KEYRING_MISSING)
        else:
            self.remember.setToolTip("Unlock this vault automatically with the OS keyring")
        lay.addWidget(self.remember)
        self.why = label("", "hint", wrap=True)
        self.why.setObjectName("why")
        lay.addWidget(self.why)
        self.submit = button(submit_text, "primary")
        self.submit.setDefault(True)
        lay.addWidget(self.submit)
        for f in (self.name, self.password, self.confirm):
            f.textChanged.connect(self.validate)
            f.returnPressed.connect(self._submit)
        self.submit.clicked.connect(self._submit)
        self.validate()

    def problem(self) -> str | None:
        name, pw, confirm = self.name.text().strip(), self.password.text(), self.confirm.text()
        if not name:
            return "Give the vault a name."
        if not pw:
            return "Choose a password."
        if (why := password_problem(pw)) is not None:  # the node's rule, shown as they type
            return why + "."
        if not confirm:
            return "Type the password again to confirm it."
        if pw != confirm:
            return "The passwords do not match."
        return None

    def validate(self) -> None:
        why = self.problem()
        self.submit.setEnabled(why is None)
        self.why.setText(why or "Your password cannot be recovered: keep a backup (Settings ▸ Backup).")
        self.why.setObjectName("hint" if why is None or not self.confirm.text() else "error")
        self.why.style().unpolish(self.why)
        self.why.style().polish(self.why)

    def _submit(self) -> None:
        if self.problem() is None and self.submit.isEnabled():
            self.submitted.emit(self.name.text().strip(), self.password.text(), self.remember.isChecked())


class RestoreForm(QWidget):
    """A backup file and its password; `restored(name)` once the vault is back."""

    restored = Signal(str)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setObjectName("backupPath")
        self.path.setPlaceholderText("Backup file (.mfbackup)")
        browse = button("Choose…", tooltip="Pick the backup file")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        lay.addLayout(row)
        self.password = QLineEdit()
        self.password.setObjectName("restorePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("The password the backup was made with")
        lay.addWidget(self.password)
        self.as_name = QLineEdit()
        self.as_name.setObjectName("restoreAs")
        self.as_name.setPlaceholderText("Restore as (optional: keep the backup's vault name)")
        lay.addWidget(self.as_name)
        self.message = label("", "hint", wrap=True)
        lay.addWidget(self.message)
        self.submit = button("Restore", "primary")
        self.submit.setObjectName("restoreButton")
        self.submit.clicked.connect(self._restore)
        lay.addWidget(self.submit)
        for f in (self.path, self.password):
            f.textChanged.connect(self._validate)
        self.password.returnPressed.connect(self._restore)
        self._validate()

    def _validate(self) -> None:
        self.submit.setEnabled(bool(self.path.text().strip() and self.password.text()))

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a backup", "", "Mainframe backups (*.mfbackup);;All files (*)"
        )
        if path:
            self.path.setText(path)

    def _restore(self) -> None:
        if not self.submit.isEnabled():
            return
        params: dict[str, Any] = {
            "path": self.path.text().strip(),
            "password": self.password.text(),
        }
        if self.as_name.text().strip():
            params["as"] = self.as_name.text().strip()
        self.message.setText("Checking and restoring the backup…")

        def failed(exc: BaseException) -> bool:
            self.message.setText("Nothing was changed.")
            return False  # the error presenter shows the reason

        self.ctx.ops.run(
            self.ctx.call("vault_restore", params),
            busy=self.submit,
            on_done=lambda r: self.restored.emit(r["name"]),
            on_error=failed,
            title="Could not restore the backup",
        )


class PhraseGrid(QWidget):
    def __init__(self, words: list[str]) -> None:
        super().__init__()
        grid = QGridLayout(self)
        for i, w in enumerate(words):
            lab = label(f"<span style='color:gray'>{i + 1}.</span> <b>{w}</b>")
            lab.setObjectName("phraseWord")
            grid.addWidget(lab, i // 3, i % 3)
