"""Awaitable modal dialogs.

Dialogs are opened with ``open()`` and awaited through a future rather than run with ``exec()``
(or ``qasync.asyncWrap(dialog.exec)``): ``exec`` starts a nested event loop, and a nested loop
inside a qasync callback stalls other asyncio tasks and any test driving the window.
"""

from __future__ import annotations

import asyncio

from .qt import QDialog, QDialogButtonBox, QLabel, QLineEdit, QMessageBox, QVBoxLayout, QWidget


async def run_dialog(dialog: QDialog) -> int:
    """Show `dialog` window-modal and return its result code when it closes."""
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not fut.done():
            fut.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await fut
    finally:
        dialog.finished.disconnect(finished)


async def confirm(
    parent: QWidget | None, title: str, text: str, ok_text: str = "OK", destructive: bool = False
) -> bool:
    """Ask a yes/no question; Escape and Cancel answer no."""
    box = QMessageBox(
        QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setObjectName("confirmBox")
    ok = box.addButton(ok_text, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel if destructive else ok)
    box.setEscapeButton(cancel)
    if destructive:
        ok.setProperty("danger", True)
    await run_dialog(box)
    return box.clickedButton() is ok


class TypedConfirmDialog(QDialog):
    """For what cannot be undone: the OK button stays disabled until `expected` is typed."""

    def __init__(self, parent: QWidget | None, title: str, text: str, expected: str, ok_text: str = "Delete") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("typedConfirm")
        self.expected = expected
        lay = QVBoxLayout(self)
        msg = QLabel(text)
        msg.setWordWrap(True)
        lay.addWidget(msg)
        lay.addWidget(QLabel(f"Type <b>{expected}</b> to confirm:"))
        self.field = QLineEdit()
        self.field.setObjectName("confirmField")
        lay.addWidget(self.field)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setProperty("danger", True)
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.field.textChanged.connect(lambda t: self.ok.setEnabled(t == expected))
        self.setMinimumWidth(420)

    def typed(self) -> str:
        return self.field.text()


class PasswordDialog(QDialog):
    """Ask for one password (before a backup or a restore)."""

    def __init__(self, parent: QWidget | None, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        label = QLabel(text)
        label.setWordWrap(True)
        lay.addWidget(label)
        self.field = QLineEdit()
        self.field.setObjectName("passwordField")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        lay.addWidget(self.field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.field.textChanged.connect(lambda t: self.ok.setEnabled(bool(t)))
        lay.addWidget(buttons)
        self.setMinimumWidth(380)


async def ask_password(parent: QWidget | None, title: str, text: str) -> str | None:
    dlg = PasswordDialog(parent, title, text)
    code = await run_dialog(dlg)
    pw = dlg.field.text()
    dlg.deleteLater()
    return pw if code == QDialog.DialogCode.Accepted and pw else None


class TextDialog(QDialog):
    def __init__(self, parent: QWidget | None, title: str, text: str, initial: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(text))
        self.field = QLineEdit(initial)
        self.field.setObjectName("textField")
        self.field.selectAll()
        lay.addWidget(self.field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.field.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        lay.addWidget(buttons)
        self.setMinimumWidth(360)


async def ask_text(parent: QWidget | None, title: str, text: str, initial: str = "") -> str | None:
    dlg = TextDialog(parent, title, text, initial)
    code = await run_dialog(dlg)
    value = dlg.field.text().strip()
    dlg.deleteLater()
    return value if code == QDialog.DialogCode.Accepted and value else None
