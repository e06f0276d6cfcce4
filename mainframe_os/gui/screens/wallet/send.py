"""Send ETH or a token to an address or a contact; the button says why it is disabled."""

from __future__ import annotations

import re
from typing import Any

from mainframe_os.node.wallet.amounts import amount_problem, format_amount, parse_amount

from ...context import LauncherContext
from ...qt import QComboBox, QHBoxLayout, QLineEdit, QTimer, QWidget, Signal
from ...widgets import button, form_layout, form_page, label, set_tone

USER_REJECTED = 4001  # EIP-1193: the user said no in the approval dialog
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def check_send(to: str, amount: str, token: str, balances: dict[str, Any], contacts: set[str]) -> str | None:
    """Why the send cannot go (a sentence for the user), or None. The amount follows the node's
    one rule (no comma, no junk) and is compared with the balance in wei, not as the rounded
    6-place string shown, so the exact full balance of a token can be sent."""
    if not to:
        return "Enter a recipient: an address (0x…) or a contact."
    if to not in contacts and not ADDRESS.match(to):
        return "The recipient is not a valid address (0x followed by 40 hex digits) or a contact."
    if not amount:
        return "Enter an amount."
    bal = balances.get(token)
    decimals = int(bal.get("decimals", 18)) if bal else 18
    problem = amount_problem(amount, decimals)
    if problem is not None:
        return problem + "."
    if bal is not None and bal.get("balance") is not None:
        if parse_amount(amount, decimals) > int(bal["balance"]):
            return f"That is more than your {token} balance ({bal['formatted']})."
    return None


class SendTab(QWidget):
    sent = Signal()

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.from_address: str | None = None
        self.balances: dict[str, Any] = {}
        self.contact_ids: dict[str, str] = {}
        self._outcome = ""  # "Sent…" / "You rejected…": stays until the user edits the form
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
        # wide enough for a whole 42-character address (sized to its empty contents, "0x" scrolled off)
        self.to.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.to.setMinimumContentsLength(44)
        self.amount = QLineEdit()
        self.amount.setObjectName("sendAmount")
        self.amount.setPlaceholderText("0.0")
        self.token = QComboBox()
        self.token.setObjectName("sendToken")
        form.addRow("To", self.to)
        self.max_button = button("Max", "sendMax", "The whole balance (for ETH: what is left after the network fee)")
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.max_button)
        form.addRow("Amount", amount_row)
        form.addRow("Token", self.token)
        lay.addLayout(form)
        QWidget.setTabOrder(self.amount, self.max_button)  # Max right after the amount it fills
        QWidget.setTabOrder(self.max_button, self.token)
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
        self.to.editTextChanged.connect(self._edited)
        self.amount.textChanged.connect(self._edited)
        self.token.currentTextChanged.connect(self._edited)
        self.send_button.clicked.connect(self.send)
        self.max_button.clicked.connect(self.fill_max)
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

    def _edited(self) -> None:
        self._outcome = ""
        self.validate()

    def _show_outcome(self, text: str) -> None:
        self._outcome = text
        self.why.setText(text)
        set_tone(self.why, None)

    def validate(self) -> None:
        """Re-check the form; also runs on balance and contact refreshes, which keep the outcome."""
        why = self.problem()
        self.send_button.setEnabled(why is None)
        self.send_button.setToolTip(why or "")
        # Red once the user typed something wrong; a quiet hint while the form is still empty.
        typed = bool(self.to.currentText().strip() or self.amount.text().strip())
        shown = self._outcome or why or ""
        self.why.setText(shown)
        set_tone(self.why, "error" if why and typed and shown == why else None)
        self.fee.setText("")
        if why is None:
            self._estimate.start()

    def fill_max(self) -> None:
        """The whole balance, to the last unit; for ETH minus the most the fee can cost."""
        token = self.token.currentText()
        bal = self.balances.get(token)
        if not bal:
            return
        decimals, wei = int(bal.get("decimals", 18)), int(bal["balance"])
        if bal.get("token"):  # an ERC-20: its fee is paid in ETH, so all of it can go
            self.amount.setText(format_amount(wei, decimals))
            return
        to = self.to.currentText().strip()
        if to not in self.contact_ids and not ADDRESS.match(to):
            self.why.setText("Enter the recipient first: the fee to leave depends on it.")
            return
        params: dict[str, Any] = {"to": self.recipient(), "amount": format_amount(1, 18), "token": token}
        if self.from_address:
            params["from"] = self.from_address

        def fill(r: dict[str, Any]) -> None:
            rest = wei - int(r["maxFee"])
            if rest <= 0:
                self.why.setText("The balance does not cover the network fee.")
                return
            self.amount.setText(format_amount(rest, 18))

        self.ctx.ops.run(self.ctx.call("wallet_estimateSend", params), on_done=fill, title="No maximum")

    def _estimate_fee(self) -> None:
        params = {
            "to": self.recipient(),
            "amount": self.amount.text().strip(),
            "token": self.token.currentText(),
        }
        if self.from_address:
            params["from"] = self.from_address

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
            self._show_outcome(f"Sent — {status}. It is in the History tab.")
            self.sent.emit()

        def failed(exc: BaseException) -> bool:
            if getattr(exc, "code", None) == USER_REJECTED:
                self._show_outcome("You rejected the payment: nothing was sent.")
                return True  # the user's own decision: no error box
            return False

        self.ctx.ops.run(
            self.ctx.call("wallet_send", params),
            busy=self.send_button,
            on_done=done,
            on_error=failed,
            title="The payment was not sent",
        )
