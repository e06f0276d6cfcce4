"""The node's Prompter, answered with modal dialogs: who asks, what exactly, the fee.

Approve is never the default button: Enter does not approve a payment by accident, and Escape
(or closing the dialog) rejects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mainframe_os.node.prompter import PromptRequest, PromptResult

from .approval_view import KEPT_DETAILS, DescriptionView, raw_message
from .dialogs import run_dialog
from .qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
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


# Keys a prompt carries for the dialog's own use, never shown as rows.
HIDDEN_DETAILS = ("app", "appId", "permission", "accounts", "contacts", "multi", "note", "method")
CHOICE_LABELS = {
    "approve": "Approve",
    "once": "Allow once",
    "session": "Allow this session",
    "always": "Always allow",
    "never": "Never",
}


def describe_caller(request: PromptRequest) -> str:
    if request.caller.kind.value == "app":
        name = request.details.get("app") or request.caller.app_id
        return f"The app “{name}” asks"
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
        who.setTextFormat(Qt.TextFormat.PlainText)
        who.setObjectName("caption")
        lay.addWidget(who)
        title = QLabel(request.title)
        # Titles carry app-provided names: plain text, so a name cannot style the dialog.
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setObjectName("dialogTitle")
        title.setWordWrap(True)
        lay.addWidget(title)

        structured = request.kind in ("permission", "contacts")
        # A decoded transaction or signature (node wallet/describe.py): shown first, and the
        # prompt's flat details then keep only what it does not say (network, account, fee).
        self.description_view: DescriptionView | None = None
        if request.description and request.description.get("rows"):
            self.setMinimumWidth(560)
            self.description_view = DescriptionView(request.description, raw_message(request.details))
            lay.addWidget(self.description_view)
        box = QFrame()
        box.setObjectName("card")
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, value in request.details.items():
            if key in FEE_KEYS or (structured and key in HIDDEN_DETAILS):
                continue
            if self.description_view is not None and key not in KEPT_DETAILS:
                continue
            val = QLabel(_format(value))
            val.setTextFormat(Qt.TextFormat.PlainText)
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
        note = request.details.get("note")
        if structured and note:
            lay.addWidget(_wrapped(str(note), "caption"))

        # What the user picks, for the prompts that return data (accounts to connect, contacts).
        self.picker: QListWidget | None = None
        if request.kind == "contacts":
            self._contacts_picker(lay)
        elif request.kind == "permission" and isinstance(request.details.get("accounts"), list):
            self._accounts_picker(lay)

        self.buttons = QDialogButtonBox()
        connect = request.kind == "permission" and "accounts" in request.details
        reject_text = "Not now" if request.kind == "permission" else "Reject"
        if request.kind == "contacts":
            reject_text = "Cancel"
        self.reject_button = self.buttons.addButton(reject_text, QDialogButtonBox.ButtonRole.RejectRole)
        self.reject_button.setObjectName("rejectButton")
        self._choice_buttons: dict[QPushButton, str] = {}
        for choice in request.choices:
            if choice == "reject":
                continue
            if choice == "never":
                # an explicit, remembered refusal; "Not now" (Escape) only refuses this once
                b = self.buttons.addButton(CHOICE_LABELS["never"], QDialogButtonBox.ButtonRole.DestructiveRole)
                b.setObjectName("choice_never")
                b.setToolTip("Refuse, and do not ask again (you can change this in Settings → Apps)")
                b.setAutoDefault(False)
                b.clicked.connect(self._never)
                continue
            label = CHOICE_LABELS.get(choice, choice.capitalize())
            if choice == "approve" and connect:
                label = "Connect"
            elif choice == "approve" and request.kind == "contacts":
                label = "Share"
            b = self.buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
            b.setObjectName("approveButton" if choice in ("approve", "once") else f"choice_{choice}")
            b.setAutoDefault(False)
            self._choice_buttons[b] = choice
            b.clicked.connect(lambda _=False, c=choice: self._approve(c))
        self.reject_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        if self.picker is not None:
            self.picker.itemChanged.connect(lambda _i: self._picked_changed())
            self._picked_changed()
        if self.description_view is not None:
            self.description_view.validity_changed.connect(self._description_valid)
        self.reject_button.setFocus()

    # -- pickers ---------------------------------------------------------------------------------

    def _new_picker(self, lay: QVBoxLayout, name: str) -> QListWidget:
        self.picker = QListWidget()
        self.picker.setObjectName(name)
        self.picker.setMaximumHeight(180)
        lay.addWidget(self.picker)
        return self.picker

    def _accounts_picker(self, lay: QVBoxLayout) -> None:
        accounts = [str(a) for a in self.request.details.get("accounts") or []]
        lay.addWidget(_wrapped("Accounts the app will see:", "fieldLabel"))
        picker = self._new_picker(lay, "accountPicker")
        for i, addr in enumerate(accounts):
            item = QListWidgetItem(addr)
            item.setData(Qt.ItemDataRole.UserRole, addr)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if i == 0 else Qt.CheckState.Unchecked)
            picker.addItem(item)

    def _contacts_picker(self, lay: QVBoxLayout) -> None:
        contacts = self.request.details.get("contacts") or []
        multi = bool(self.request.details.get("multi"))
        if not contacts:
            lay.addWidget(_wrapped("You have no contacts yet: add some in Contacts first.", "caption"))
        else:
            lay.addWidget(
                _wrapped("The app sees only the names of the contacts you pick (and an id private to it).", "caption")
            )
        picker = self._new_picker(lay, "contactPicker")
        picker.setVisible(bool(contacts))
        for c in contacts:
            item = QListWidgetItem(str(c.get("displayName", "")))
            item.setData(Qt.ItemDataRole.UserRole, c.get("id"))
            if multi:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            picker.addItem(item)
        if not multi:
            picker.itemSelectionChanged.connect(self._picked_changed)
            picker.itemDoubleClicked.connect(lambda _i: self._approve("approve"))

    def picked(self) -> list[str]:
        if self.picker is None:
            return []
        items = [self.picker.item(i) for i in range(self.picker.count())]
        if self.request.kind == "contacts" and not self.request.details.get("multi"):
            return [str(i.data(Qt.ItemDataRole.UserRole)) for i in self.picker.selectedItems()]
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i.checkState() == Qt.CheckState.Checked]

    def _description_valid(self, ok: bool) -> None:
        for b in self._choice_buttons:
            b.setEnabled(ok)

    def _picked_changed(self) -> None:
        ok = bool(self.picked())
        for b in self._choice_buttons:
            b.setEnabled(ok)

    # -- answers ---------------------------------------------------------------------------------

    def _approve(self, choice: str) -> None:
        if self.picker is not None and not self.picked():
            return
        if self.description_view is not None and not self.description_view.valid:
            return
        self.choice = choice
        self.accept()

    def _never(self) -> None:
        self.choice = "never"
        self.reject()

    def result_value(self) -> PromptResult:
        if self.result() == QDialog.DialogCode.Accepted and self.choice is not None:
            if self.description_view is not None and self.description_view.edited_allowance():
                return PromptResult(True, self.choice, {"allowance": self.description_view.edited_allowance()})
            return PromptResult(True, self.choice, self.picked() if self.picker is not None else None)
        return PromptResult(False, "never" if self.choice == "never" else None)


def _wrapped(text: str, name: str) -> QLabel:
    lab = QLabel(text)
    lab.setTextFormat(Qt.TextFormat.PlainText)  # app-provided text is never markup
    lab.setObjectName(name)
    lab.setWordWrap(True)
    return lab


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
