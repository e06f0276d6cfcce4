"""The decoded part of an approval dialog: what a transaction or typed-data signature does.

Built from `PromptRequest.description` (the node's wallet/describe.py JSON): a headline, red and
amber warnings, one row per fact (who an address is, an amount with its token, a date), the
EIP-712 domain for signatures, and the raw call folded away. When the node allows it
(`description["edit"]`), the allowance can be lowered: the typed amount goes back in the
prompt's answer and the node re-encodes the call.

Every text here can come from a dapp or a contact card: labels are plain text, never markup.
"""

from __future__ import annotations

import json
from typing import Any

from mainframe_os.node.prompter import CONTEXT_DETAILS as KEPT_DETAILS

from .qt import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from .widgets import set_tone

ACTION_NAMES = {
    "approve": "Token approval",
    "increaseAllowance": "Token approval",
    "decreaseAllowance": "Lower an approval",
    "approve-item": "Item approval",
    "setApprovalForAll": "Collection approval",
    "transfer": "Token transfer",
    "transferFrom": "Token transfer",
    "transfer-item": "Item transfer",
    "safeTransferFrom": "Item transfer",
    "safeBatchTransferFrom": "Item transfer",
    "send": "Payment",
    "swap": "Swap",
    "deposit": "Wrap ETH",
    "withdraw": "Unwrap ETH",
    "addLiquidity": "Add liquidity",
    "addLiquidityETH": "Add liquidity",
    "removeLiquidity": "Remove liquidity",
    "removeLiquidityETH": "Remove liquidity",
    "permit": "Permit (off-chain approval)",
    "permit-transfer": "Permit (one transfer)",
    "sign-typed": "Typed-data signature",
    "unknown": "Unknown contract call",
    "deploy": "Contract deployment",
}
# How much an address kind is to be trusted, as the tone of its badge.
PARTY_TONES = {"own": "ok", "contact": "ok", "network": "ok"}


def _label(text: str, name: str | None = None, wrap: bool = True, selectable: bool = False) -> QLabel:
    lab = QLabel(text)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    lab.setWordWrap(wrap)
    if name:
        lab.setObjectName(name)
    if selectable:
        lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


def _toned(lab: QLabel, tone: str | None) -> QLabel:
    lab.setProperty("tone", tone or "")
    return lab


class DescriptionView(QWidget):
    """Shows one description; `edited_allowance()` is what the user typed, if they lowered it."""

    validity_changed = Signal(bool)  # False while the typed allowance is not an amount

    def __init__(
        self, description: dict[str, Any], raw_extra: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("descriptionView")
        self.description = description
        self.raw_extra = raw_extra
        self.allowance_edit: QLineEdit | None = None
        self.valid = True
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)

        chip_text = ACTION_NAMES.get(str(description.get("action")), "Transaction")
        if chip_text != description.get("headline"):  # an empty row would still take its spacing
            head = QHBoxLayout()
            head.addWidget(_label(chip_text, "actionChip", wrap=False))
            head.addStretch(1)
            lay.addLayout(head)
        headline = _label(str(description.get("headline") or ""), "headline", selectable=True)
        lay.addWidget(headline)

        for w in description.get("warnings") or []:
            lay.addWidget(self._warning(str(w.get("text", "")), str(w.get("level", "warning"))))

        domain = description.get("domain")
        if isinstance(domain, dict):
            lay.addWidget(self._domain(domain, str(description.get("primaryType", ""))))

        rows = QFrame()
        rows.setObjectName("card")
        self.grid = QGridLayout(rows)
        self.grid.setColumnStretch(1, 1)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(10)
        for row in description.get("rows") or []:
            self._row(row)
        if self.grid.rowCount() and (description.get("rows") or []):
            lay.addWidget(rows)

        edit = description.get("edit")
        if isinstance(edit, dict):
            lay.addWidget(self._allowance_editor(edit))

        raw = self._raw_text()
        if raw:
            toggle = QPushButton("Show raw data")
            toggle.setObjectName("link")
            toggle.setCheckable(True)
            box = _label(raw, "mono", selectable=True)
            box.setObjectName("rawData")
            box.setVisible(False)
            toggle.toggled.connect(
                lambda on: (box.setVisible(on), toggle.setText("Hide raw data" if on else "Show raw data"))
            )
            row = QHBoxLayout()
            row.addWidget(toggle)
            row.addStretch(1)
            lay.addLayout(row)
            lay.addWidget(box)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt naming
        # A dialog with wrapped text is sized by height-for-width, which squeezes the fact rows
        # below their natural height: pin each card to its (now styled) natural height.
        for card in self.findChildren(QFrame, "card"):
            card.setMinimumHeight(card.sizeHint().height())
        super().showEvent(event)
        win = self.window()
        if win is not self:
            win.resize(win.width(), max(win.height(), win.sizeHint().height()))

    # -- pieces ------------------------------------------------------------------------------------

    def _warning(self, text: str, level: str) -> QFrame:
        box = QFrame()
        box.setObjectName("warningBanner")
        box.setProperty("level", level)
        row = QHBoxLayout(box)
        row.setContentsMargins(10, 8, 10, 8)
        mark = _label("!" if level == "danger" else "i", "warningMark", wrap=False)
        mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        row.addWidget(mark)
        row.addWidget(_label(text, "warningText"), 1)
        return box

    def _domain(self, domain: dict[str, Any], primary: str) -> QFrame:
        box = QFrame()
        box.setObjectName("card")
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        facts = [("Signing for", str(domain.get("name") or "(no name)"))]
        if domain.get("version"):
            facts.append(("Version", str(domain["version"])))
        if domain.get("chainId") is not None:
            facts.append(("Chain", str(domain["chainId"])))
        facts.append(("Message type", primary))
        for i, (k, v) in enumerate(facts):
            grid.addWidget(_label(k, "rowLabel", wrap=False), i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(_label(v, selectable=True), i, 1)
        vc = domain.get("verifyingContract")
        if isinstance(vc, dict):
            n = grid.rowCount()
            grid.addWidget(_label("Contract", "rowLabel", wrap=False), n, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self._party(vc), n, 1)
        return box

    def _row(self, row: dict[str, Any]) -> None:
        n = self.grid.rowCount()
        self.grid.addWidget(_label(str(row.get("label", "")), "rowLabel", wrap=False), n, 0, Qt.AlignmentFlag.AlignTop)
        if "party" in row:
            value: QWidget = self._party(row["party"])
        elif "amount" in row:
            value = self._amount(row["amount"])
        elif "date" in row:
            value = _label(str(row["date"].get("text", "")), selectable=True)
        else:
            value = _label(str(row.get("text", "")), selectable=True)
        self.grid.addWidget(value, n, 1)

    def _party(self, p: dict[str, Any]) -> QWidget:
        w = QWidget()
        col = QVBoxLayout(w)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        kind = str(p.get("kind"))
        badge = _label(str(p.get("label", "")), "partyBadge", wrap=False)
        tone = PARTY_TONES.get(kind) or ("error" if not p.get("seen") else None)
        badge.setObjectName("partyBadge")
        col.addWidget(_toned(badge, tone))
        col.addWidget(_label(str(p.get("address", "")), "partyAddress", wrap=False, selectable=True))
        w.setProperty("address", p.get("address"))
        return w

    def _amount(self, a: dict[str, Any]) -> QWidget:
        text = str(a.get("text", ""))
        lab = _label(text, "amount", selectable=True)
        if a.get("unlimited"):
            lab.setObjectName("unlimitedAmount")
            _toned(lab, "error")
        return lab

    def _allowance_editor(self, edit: dict[str, Any]) -> QFrame:
        """Always in view under the facts: a user should not have to find how to lower it."""
        box = QFrame()
        box.setObjectName("card")
        col = QVBoxLayout(box)
        symbol = str(edit.get("symbol", ""))
        col.addWidget(_label(f"Approve less (in {symbol})", "rowLabel", wrap=False))
        line = QHBoxLayout()
        field = QLineEdit()
        field.setObjectName("allowanceEdit")
        asked = self._asked_text(edit)
        field.setPlaceholderText(f"{asked}: type the most it may take, e.g. 100")
        line.addWidget(field, 1)
        line.addWidget(_label(symbol, wrap=False))
        col.addLayout(line)
        empty_hint = "Empty: the amount the app asked for. Only what you type is approved."
        hint = _label(empty_hint, "allowanceHint", wrap=False)
        col.addWidget(hint)
        self.allowance_edit = field

        def check(text: str) -> None:
            # The node's own money rule, run as the user types: the dialog cannot approve an
            # amount the node would refuse after it closed.
            from mainframe_os.node.errors import InvalidParams
            from mainframe_os.node.wallet.amounts import parse_amount

            problem = None
            if text.strip():
                try:
                    parse_amount(text, int(edit.get("decimals", 18)), "allowance")
                except InvalidParams as exc:
                    problem = exc.message
            hint.setText(problem or empty_hint)
            set_tone(hint, "error" if problem else None)
            self.valid = problem is None
            self.validity_changed.emit(self.valid)

        field.textChanged.connect(check)
        return box

    @staticmethod
    def _asked_text(edit: dict[str, Any]) -> str:
        for_amount = "Unlimited" if int(edit.get("raw", 0)) >= 2**128 else None
        return for_amount or "The app asked for " + str(edit.get("shown") or edit.get("raw"))

    def _raw_text(self) -> str:
        d = self.description
        parts = []
        if d.get("selector"):
            parts.append(f"Function: {d['selector']}" + (f"  {d['signature']}" if d.get("signature") else ""))
        if d.get("args"):
            parts += [f"  {k} = {v}" for k, v in d["args"].items()]
        if d.get("to"):
            parts.append(f"To: {d['to']}")
        if self.raw_extra:
            parts.append(self.raw_extra[:4000])
        return "\n".join(parts)

    def edited_allowance(self) -> str | None:
        """The allowance the user typed (node-parsed after approval), or None to keep the asked one."""
        if self.allowance_edit is None:
            return None
        text = self.allowance_edit.text().strip()
        return text or None


def raw_message(details: dict[str, Any]) -> str | None:
    """A typed-data prompt's raw message JSON, for the folded raw view."""
    msg = details.get("message")
    if msg is None:
        return None
    return msg if isinstance(msg, str) else json.dumps(msg, indent=1)


__all__ = ["KEPT_DETAILS", "DescriptionView"]
