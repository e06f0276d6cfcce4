"""Transaction history: what each transaction did, in words, with its status."""

from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation
from typing import Any

from ...qt import QListWidget, QListWidgetItem, Qt, QVBoxLayout, QWidget
from ...widgets import label

STATUS_MARKS = {"confirmed": "✓", "failed": "✗", "pending": "⏳", "dropped": "–"}


def short_amount(text: str, places: int = 6) -> str:
    """'4960.273038901078125544 MFT' -> '4960.273039 MFT' (the exact value goes in tooltips)."""
    number, _, rest = str(text).partition(" ")
    try:
        d = Decimal(number)
    except InvalidOperation:
        return str(text)
    if d == d.to_integral_value():
        out = f"{d:,.0f}"
    else:
        out = f"{d:,.{places}f}".rstrip("0").rstrip(".")
    return f"{out} {rest}".strip()


def describe(tx: dict[str, Any]) -> str:
    """One line saying what the transaction did."""
    d = tx.get("details") or {}
    kind = tx.get("kind")
    if kind == "swap" and "you pay" in d:
        return f"Swapped {short_amount(d['you pay'])} for {short_amount(d.get('expected', ''))}"
    if kind == "receive":
        return f"Received {short_amount(d.get('amount', ''))} from {d.get('from', tx.get('from', ''))}"
    if kind == "approve":
        return f"Allowed the swap router to spend {short_amount(d.get('allowance', ''))}"
    if "amount" in d:
        return f"Sent {short_amount(d['amount'])} to {d.get('to', tx.get('to', ''))}"
    return f"Transaction to {tx.get('to', '')}"


class HistoryTab(QWidget):
    def __init__(self) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("historyList")
        self.list.setWordWrap(True)
        lay.addWidget(self.list, 1)
        self.empty = label(
            "No transactions yet. Payments you send, swaps and payments you receive show up here with their status.",
            "emptyState",
            wrap=True,
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.empty, 1)
        self.show_items([])

    def show_items(self, txs: list[dict[str, Any]]) -> None:
        self.list.clear()
        for t in txs:
            status = str(t.get("status", "pending"))
            when = time.strftime("%d %b %H:%M", time.localtime(t.get("createdAt") or time.time()))
            text = f"{STATUS_MARKS.get(status, '')} {describe(t)}\n{status.capitalize()} · {when}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, t)
            tip = f"Transaction {t.get('hash', '')}"
            if t.get("error"):
                tip += f"\n{t['error']}"
            item.setToolTip(tip)
            self.list.addItem(item)
        self.list.setVisible(bool(txs))
        self.empty.setVisible(not txs)

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]
