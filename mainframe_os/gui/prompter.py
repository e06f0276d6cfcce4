"""The node's Prompter, answered with modal dialogs: who asks, what exactly, the fee.

Approve is never the default button: Enter does not approve a payment by accident, and Escape
(or closing the dialog) rejects.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mainframe_os.node.prompter import PromptRequest, PromptResult

from .dialogs import run_dialog
from .file_pick import FilePickDialog
from .qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPixmap,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from .approval_view import DescriptionView

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
# Who asks (node/apps/caller.py): shown in the caller line, with the icon, on every prompt.
CALLER_DETAILS = ("app", "appId", "developer")
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

    def __init__(
        self,
        request: PromptRequest,
        parent: QWidget | None = None,
        waiting: Callable[[], int] = lambda: 0,
        icon: bytes | None = None,
    ) -> None:
        super().__init__(parent)
        self.request = request
        self.choice: str | None = None
        self.setObjectName("approvalDialog")
        self.setWindowTitle(request.title)
        self.setModal(True)
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        self._add_caller(lay, icon)
        self._add_details(lay)
        # What the user picks, for the prompts that return data (accounts to connect, contacts).
        self.picker: QListWidget | None = None
        if request.kind == "contacts":
            self._contacts_picker(lay)
        elif request.kind == "permission" and isinstance(request.details.get("accounts"), list):
            self._accounts_picker(lay)
        self._add_buttons(lay)
        if self.picker is not None:
            self.picker.itemChanged.connect(lambda _i: self._picked_changed())
            self._picked_changed()
        # MetaMask's "1 of 5": the prompts queued behind this one, kept current while it is open
        self.queue_note = _wrapped("", "caption")
        lay.insertWidget(lay.count() - 1, self.queue_note)  # above the buttons
        self._waiting = waiting
        self._queue_timer = QTimer(self)
        self._queue_timer.setInterval(300)
        self._queue_timer.timeout.connect(self._show_waiting)
        self._queue_timer.start()
        self._show_waiting()
        if self.description_view is not None:
            self.description_view.validity_changed.connect(self._description_valid)
        self.reject_button.setFocus()

    def _add_caller(self, lay: QVBoxLayout, icon: bytes | None) -> None:
        """Who asks (with the app's icon) and what: the lines above everything else."""
        request = self.request
        who = QLabel(describe_caller(request))
        who.setTextFormat(Qt.TextFormat.PlainText)
        who.setObjectName("caption")
        self.caller_label = who
        self.caller_icon = QLabel()
        self.caller_icon.setFixedSize(24, 24)
        self.caller_icon.setVisible(False)
        developer = request.details.get("developer")
        if developer:  # the developer's name and key fingerprint, on hover
            for w in (who, self.caller_icon):
                w.setToolTip(f"Developer: {developer}\nApp id: {request.details.get('appId', '')}")
        if icon:
            pix = QPixmap()
            if pix.loadFromData(icon):
                self.caller_icon.setPixmap(
                    pix.scaled(24, 24, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
                )
                self.caller_icon.setVisible(True)
        row = QHBoxLayout()
        row.addWidget(self.caller_icon)
        row.addWidget(who, 1)
        lay.addLayout(row)
        title = QLabel(request.title)
        # Titles carry app-provided names: plain text, so a name cannot style the dialog.
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setObjectName("dialogTitle")
        title.setWordWrap(True)
        lay.addWidget(title)

    def _add_details(self, lay: QVBoxLayout) -> None:
        """The decoded description (if any), then the prompt's details and the fee."""
        request = self.request
        # loaded with the first prompt, not with the launcher: the lock screen paints sooner
        from .approval_view import KEPT_DETAILS, DescriptionView, raw_message

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
            if key in FEE_KEYS or key in CALLER_DETAILS or (structured and key in HIDDEN_DETAILS):
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

    def _add_buttons(self, lay: QVBoxLayout) -> None:
        """Reject (the default), the request's choices, and "block this app" for apps."""
        request = self.request
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
        self.block_button: QPushButton | None = None
        if request.caller.kind.value == "app":
            # a flood of requests from one app: one click refuses them all until it is reopened
            row = QHBoxLayout()
            self.block_button = QPushButton("Block this app's requests for now")
            self.block_button.setObjectName("blockButton")
            self.block_button.setFlat(True)
            self.block_button.setAutoDefault(False)
            self.block_button.setToolTip("Refuse this and every request from the app until you open it again")
            self.block_button.clicked.connect(self._block)
            row.addWidget(self.block_button)
            row.addStretch(1)
            row.addWidget(self.buttons)
            lay.addLayout(row)
        else:
            lay.addWidget(self.buttons)

    def _show_waiting(self) -> None:
        n = self._waiting()
        self.queue_note.setText(f"{n} more request{'s' if n != 1 else ''} waiting after this one" if n else "")
        self.queue_note.setVisible(n > 0)

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

    def _block(self) -> None:
        self.choice = "block"
        self.reject()

    def result_value(self) -> PromptResult:
        if self.choice == "block":
            return PromptResult(False, block=True)
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
    """Implements `mainframe_os.node.prompter.Prompter` with :class:`ApprovalDialog`.

    The node's prompt queue already hands it one prompt at a time; the lock keeps it so for
    anyone calling `ask` directly: never two approval dialogs on screen at once.
    """

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None, node: Any = None) -> None:
        self._parent = parent
        self.node = node  # set once the node exists: app icons come from its installed files
        self.current: ApprovalDialog | FilePickDialog | None = None
        self.on_open: list[Callable[[ApprovalDialog | FilePickDialog], None]] = []
        self._one_at_a_time = asyncio.Lock()
        self.queue: Any = None  # the node's PromptQueue, to show how many prompts wait behind this one

    def waiting_behind(self) -> int:
        return int(self.queue.queued_behind(self)) if self.queue is not None else 0

    async def app_icon(self, request: PromptRequest) -> bytes | None:
        """The asking app's icon, from its verified files (None for the launcher, CLI, no icon)."""
        ctx = request.caller
        if self.node is None or ctx.trusted or not ctx.app_id or not ctx.identity_id:
            return None
        try:
            data = await self.node.call("apps_getIcon", {"appId": ctx.app_id, "identityId": ctx.identity_id})
            return base64.b64decode(data) if data else None
        except Exception:  # noqa: BLE001 - no icon is better than no prompt
            return None

    async def ask(self, request: PromptRequest) -> PromptResult:
        async with self._one_at_a_time:
            dlg: ApprovalDialog | FilePickDialog
            if request.kind == "file":  # an app's mainframe.files.pick(): the launcher's file dialog
                dlg = FilePickDialog(request, self._parent())
            else:
                dlg = ApprovalDialog(request, self._parent(), self.waiting_behind, await self.app_icon(request))
            self.current = dlg
            for fn in self.on_open:
                fn(dlg)
            try:
                await run_dialog(dlg)
                return dlg.result_value()
            finally:
                self.current = None
                dlg.close()  # when the request went away (cancelled), the dialog goes with it
                dlg.deleteLater()


__all__ = ["ApprovalDialog", "GuiPrompter"]
