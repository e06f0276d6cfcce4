"""Swap ETH <-> MFT with a live quote: minimum received, price impact, approval step."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.wallet.amounts import amount_problem

from ...context import LauncherContext
from ...qt import (
    QComboBox,
    QLineEdit,
    QTimer,
    QWidget,
    Signal,
)
from ...widgets import button, form_layout, form_page, label
from .history import short_amount
from .send import USER_REJECTED


class SwapTab(QWidget):
    swapped = Signal()

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.from_address: str | None = None
        lay = form_page(
            self,
            "Swaps through Uniswap V2",
            "The quote updates as you type. If the price moves past your slippage tolerance before the "
            "swap is mined, it fails and only the network fee is spent. Selling a token first needs an "
            "approval transaction.",
        )
        form = form_layout()
        self.direction = QComboBox()
        self.direction.setObjectName("swapDirection")
        self.direction.addItem("ETH → MFT", ("ETH", "MFT"))
        self.direction.addItem("MFT → ETH", ("MFT", "ETH"))
        self.amount = QLineEdit()
        self.amount.setObjectName("swapAmount")
        self.amount.setPlaceholderText("0.0")
        self.slippage = QComboBox()
        self.slippage.setObjectName("slippage")
        self.slippage.addItems(["0.5", "1", "2", "5"])
        self.slippage.setToolTip("How far the price may move against you before the swap fails (%)")
        form.addRow("Swap", self.direction)
        form.addRow("Amount", self.amount)
        form.addRow("Max slippage (%)", self.slippage)
        lay.addLayout(form)
        self.quote = label("Type an amount to see a quote.", "caption", wrap=True)
        lay.addWidget(self.quote)
        lay.addSpacing(6)
        self.swap_button = button("Swap", "primary")
        self.swap_button.setObjectName("swapButton")
        self.swap_button.setEnabled(False)
        lay.addWidget(self.swap_button)
        lay.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self._quote)
        self._seq = 0
        for sig in (
            self.amount.textChanged,
            self.direction.currentIndexChanged,
            self.slippage.currentIndexChanged,
        ):
            sig.connect(lambda *_: self._changed())
        self.swap_button.clicked.connect(self.swap)

    def params(self) -> dict[str, Any] | None:
        if self.problem() is not None:
            return None
        src, dst = self.direction.currentData()
        return {
            "from": src,
            "to": dst,
            "amount": self.amount.text().strip(),
            "slippage": self.slippage.currentText(),
        }

    def problem(self) -> str | None:
        """The node's amount rule (no comma, no junk), checked as the user types."""
        text = self.amount.text().strip()
        return amount_problem(text, 18) if text else "Type an amount to see a quote."

    def _changed(self) -> None:
        self.swap_button.setEnabled(False)
        why = self.problem()
        if why is not None:
            self.quote.setText(why if why.endswith(".") else why + ".")
            return
        self.quote.setText("Getting a quote…")
        self._timer.start()

    def _quote(self) -> None:
        params = self.params()
        if params is None:
            return
        self._seq += 1
        seq = self._seq

        def shown(q: dict[str, Any]) -> None:
            if seq != self._seq:
                return  # an older quote arriving after a newer one was asked for
            out = short_amount(f"{q['amountOutFormatted']} {q['to']}")
            minimum = short_amount(f"{q['minimumReceivedFormatted']} {q['to']}")
            lines = [
                f"You get about <b>{out}</b>",
                f"Minimum received: <b>{minimum}</b> (with {q['slippage']}% slippage)",
                f"Price impact: {q['priceImpact']}% · pool fee {float(q['lpFee']) * 100:g}%",
            ]
            if q.get("needsApproval"):
                lines.append(f"First step: allow the swap router to spend your {q['from']}.")
            self.quote.setText("<br>".join(lines))
            self.minimum = minimum
            self.swap_button.setEnabled(True)

        def failed(e: BaseException) -> bool:
            if seq == self._seq:
                self.quote.setText(f"No quote: {getattr(e, 'message', e)}")
            return True

        self.ctx.ops.run(self.ctx.call("swap_quote", params), on_done=shown, on_error=failed)

    def swap(self) -> None:
        params = self.params()
        if params is None:
            return

        def done(r: dict[str, Any]) -> None:
            self.amount.clear()
            got = short_amount(f"{r.get('receivedFormatted', '?')} {r.get('to', '')}")
            self.quote.setText(f"Swapped: you received <b>{got}</b>.")
            self.swapped.emit()

        def failed(exc: BaseException) -> bool:
            if getattr(exc, "code", None) == USER_REJECTED:
                self.quote.setText("You rejected the swap: nothing was sent.")
                return True
            return False

        self.ctx.ops.run(
            self.ctx.call("swap_run", params),
            busy=self.swap_button,
            on_done=done,
            on_error=failed,
            title="The swap did not happen",
        )
