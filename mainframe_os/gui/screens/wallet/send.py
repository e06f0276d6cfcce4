"""Send ETH or a token to an address or a contact; the button says why it is disabled."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ...context import LauncherContext
from ...qt import QComboBox, QLineEdit, QTimer, QWidget, Signal
from ...widgets import button, form_layout, form_page, label, set_tone

USER_REJECTED = 4001  # EIP-1193: the user said no in the approval dialog
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def check_send(to: str, amount: str, token: str, balances: dict[str, Any], contacts: set[str]) -> str | None:
    """Why the send cannot go (a sentence for the user), or None."""
    if not to:
        return "Enter a recipient: an address (0x…) or a contact."
    if to not in contacts and not ADDRESS.match(to):
        return "The recipient is not a valid address (0x followed by 40 hex digits) or a contact."
    if not amount:
        return "Enter an amount."
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return "The amount must be a number, like 0.5."
    if not value.is_finite() or value <= 0:
        return "The amount must be more than zero."
    bal = balances.get(token)
    if bal is not None:
        try:
            if value > Decimal(str(bal["formatted"]).replace(",", "")):
                return f"That is more than your {token} balance ({bal['formatted']})."
        except InvalidOperation:
            pass
    return None


class SendTab(QWidget):
    sent = Signal()

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.from_address: str | None = None
        self.balances: dict[str, Any] = {}
        self.contact_ids: dict[str, str] = {}
        lay = form_page(
            self,
            "How sending works",
            "Pay an address (0x…) or one of your contacts. Nothing leaves this computer until you "
            "approve the decoded transaction and its fee in the next step. Payments to a contact go to "
            "their default account.",
        )
        form = form_layout()
        self.to = QComboBox()
        self.to.setObjectName("sendTo")
        self.to.setEditable(True)
        self.to.lineEdit().setPlaceholderText("0x… address or a contact")
        self.amount = QLineEdit()
        self.amount.setObjectName("sendAmount")
        self.amount.setPlaceholderText("0.0")
        self.token = QComboBox()
        self.token.setObjectName("sendToken")
        form.addRow("To", self.to)
        form.addRow("Amount", self.amount)
        form.addRow("Token", self.token)
        lay.addLayout(form)
        self.fee = label("", "caption")
        lay.addWidget(self.fee)
        self.why = label("", "hint", wrap=True)
        lay.addWidget(self.why)
        self.send_button = button("Review and send", "primary")
        self.send_button.setObjectName("sendButton")
        lay.addWidget(self.send_button)
        lay.addStretch(1)
        self._estimate = QTimer(self)
        self._estimate.setSingleShot(True)
        self._estimate.setInterval(400)
        self._estimate.timeout.connect(self._estimate_fee)
        self.to.editTextChanged.connect(self.validate)
        self.amount.textChanged.connect(self.validate)
        self.token.currentTextChanged.connect(self.validate)
        self.send_button.clicked.connect(self.send)
        self.validate()

    def set_tokens(self, symbols: list[str], balances: dict[str, Any]) -> None:
        self.balances = balances
        cur = self.token.currentText()
        self.token.blockSignals(True)
        self.token.clear()
        self.token.addItems(symbols)
        if cur in symbols:
            self.token.setCurrentText(cur)
        self.token.blockSignals(False)
        self.ctx.ops.run(self._load_contacts(), quiet=True)
        self.validate()

    async def _load_contacts(self) -> None:
        contacts = await self.ctx.call("contacts_list")
        text = self.to.currentText()
        self.contact_ids = {f"{c['displayName']} (contact)": c["id"] for c in contacts}
        self.to.blockSignals(True)
        self.to.clear()
        self.to.addItems(list(self.contact_ids))
        self.to.setEditText(text)
        self.to.blockSignals(False)
        self.validate()

    def recipient(self) -> str:
        text = self.to.currentText().strip()
        return self.contact_ids.get(text, text)

    def problem(self) -> str | None:
        return check_send(
            self.to.currentText().strip(),
            self.amount.text().strip(),
            self.token.currentText(),
            self.balances,
            set(self.contact_ids),
        )

    def validate(self) -> None:
        why = self.problem()
        self.send_button.setEnabled(why is None)
        self.send_button.setToolTip(why or "")
        self.why.setText(why or "")
        # Red once the user typed something wrong; a quiet hint while the form is still empty.
        typed = bool(self.to.currentText().strip() or self.amount.text().strip())
        set_tone(self.why, "error" if why and typed else None)
        self.fee.setText("")
        if why is None:
            self._estimate.start()

    def _estimate_fee(self) -> None:
        params = {
            "to": self.recipient(),
            "amount": self.amount.text().strip(),
            "token": self.token.currentText(),
        }

        def shown(r: dict[str, Any]) -> None:
            self.fee.setText(f"Network fee: at most {r.get('maxFeeFormatted', r.get('maxFee'))} ETH")

        def failed(e: BaseException) -> bool:
            self.fee.setText(f"Fee unknown: {getattr(e, 'message', e)}")
            return True

        self.ctx.ops.run(self.ctx.call("wallet_estimateSend", params), on_done=shown, on_error=failed)

    def send(self) -> None:
        if self.problem() is not None:
            return
        params: dict[str, Any] = {
            "to": self.recipient(),
            "amount": self.amount.text().strip(),
            "token": self.token.currentText(),
        }
        if self.from_address:
            params["from"] = self.from_address

        def done(r: dict[str, Any]) -> None:
            self.amount.clear()
            status = r.get("status", "pending")
            self.why.setText(f"Sent — {status}. It is in the History tab.")
            self.sent.emit()

        def failed(exc: BaseException) -> bool:
            if getattr(exc, "code", None) == USER_REJECTED:
                self.why.setText("You rejected the payment: nothing was sent.")
                return True  # the user's own decision: no error box
            return False

        self.ctx.ops.run(
            self.ctx.call("wallet_send", params),
            busy=self.send_button,
            on_done=done,
            on_error=failed,
            title="The payment was not sent",
        )
