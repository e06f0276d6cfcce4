"""The node's Prompter, answered with modal dialogs: who asks, what exactly, the fee.

Approve is never the default button: Enter does not approve a payment by accident, and Escape
(or closing the dialog) rejects.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from mainframe_os.node.prompter import PromptRequest, PromptResult

from .dialogs import run_dialog
from .qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

# How the details a prompt carries are labelled; unknown keys are shown with their own name.
DETAIL_LABELS = {
    "from": "From",
    "to": "To",
    "toName": "Recipient",
    "value": "Amount",
    "amount": "Amount",
    "token": "Token",
    "fee": "Network fee (max)",
    "network": "Network",
    "data": "Data",
    "method": "Action",
    "message": "Message",
    "total": "Total",
    "origin": "Origin",
}
FEE_KEYS = ("fee", "maxFee", "feeFormatted")


def describe_caller(request: PromptRequest) -> str:
    if request.caller.kind.value == "app":
        return f"The app “{request.caller.app_id}” asks"
    if request.caller.kind.value == "cli":
        return "A command-line client asks"
    return "Mainframe OS asks"


def _format(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, indent=1, ensure_ascii=False)
    return str(value)


class ApprovalDialog(QDialog):
    """One decision: Approve or Reject (or the request's own choices, e.g. once/always)."""

    def __init__(self, request: PromptRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.choice: str | None = None
        self.setObjectName("approvalDialog")
        self.setWindowTitle(request.title)
        self.setModal(True)
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        who = QLabel(describe_caller(request))
        who.setObjectName("caption")
        lay.addWidget(who)
        title = QLabel(html.escape(request.title))
        title.setObjectName("dialogTitle")
        title.setWordWrap(True)
        lay.addWidget(title)

        box = QFrame()
        box.setObjectName("card")
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, value in request.details.items():
            if key in FEE_KEYS:
                continue
            val = QLabel(_format(value))
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            val.setWordWrap(True)
            form.addRow(DETAIL_LABELS.get(key, key[:1].upper() + key[1:]) + ":", val)
        fee = next((request.details[k] for k in FEE_KEYS if k in request.details), None)
        if fee is not None:
            fee_label = QLabel(_format(fee))
            fee_label.setObjectName("fee")
            form.addRow("Network fee:", fee_label)
        if form.rowCount():
            lay.addWidget(box)

        self.buttons = QDialogButtonBox()
        self.reject_button = self.buttons.addButton("Reject", QDialogButtonBox.ButtonRole.RejectRole)
        self.reject_button.setObjectName("rejectButton")
        self._choice_buttons: dict[QPushButton, str] = {}
        for choice in request.choices:
            if choice in ("reject", "never"):
                continue
            label = "Approve" if choice == "approve" else choice.capitalize()
            b = self.buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
            b.setObjectName("approveButton" if choice in ("approve", "once") else f"choice_{choice}")
            b.setAutoDefault(False)
            self._choice_buttons[b] = choice
            b.clicked.connect(lambda _=False, c=choice: self._approve(c))
        self.reject_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.reject_button.setFocus()

    def _approve(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def result_value(self) -> PromptResult:
        if self.result() == QDialog.DialogCode.Accepted and self.choice is not None:
            return PromptResult(True, self.choice)
        return PromptResult(False, "never" if "never" in self.request.choices else None)


class GuiPrompter:
    """Implements `mainframe_os.node.prompter.Prompter` with :class:`ApprovalDialog`."""

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None) -> None:
        self._parent = parent
        self.current: ApprovalDialog | None = None
        self.on_open: list[Callable[[ApprovalDialog], None]] = []

    async def ask(self, request: PromptRequest) -> PromptResult:
        dlg = ApprovalDialog(request, self._parent())
        self.current = dlg
        for fn in self.on_open:
            fn(dlg)
        try:
            await run_dialog(dlg)
            return dlg.result_value()
        finally:
            self.current = None
            dlg.deleteLater()


__all__ = ["ApprovalDialog", "GuiPrompter"]
