"""Swap ETH <-> MFT with a live quote; buy ETH through an on-ramp (the dev chain's faucet)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ...context import LauncherContext
from ...qt import (
    QComboBox,
    QDesktopServices_open,
    QFormLayout,
    QLineEdit,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ...widgets import button, label


class SwapTab(QWidget):
    swapped = Signal()

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.from_address: str | None = None
        lay = QVBoxLayout(self)
        form = QFormLayout()
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
        self.quote.setObjectName("swapQuote")
        lay.addWidget(self.quote)
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
        try:
            amount = Decimal(self.amount.text().strip())
        except InvalidOperation:
            return None
        if not amount.is_finite() or amount <= 0:
            return None
        src, dst = self.direction.currentData()
        return {
            "from": src,
            "to": dst,
            "amount": self.amount.text().strip(),
            "slippage": self.slippage.currentText(),
        }

    def _changed(self) -> None:
        self.swap_button.setEnabled(False)
        if self.params() is None:
            self.quote.setText(
                "Enter an amount greater than zero."
                if self.amount.text().strip()
                else "Type an amount to see a quote."
            )
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
            approve = "  An approval transaction comes first." if q.get("needsApproval") else ""
            self.quote.setText(
                f"You get about <b>{q['amountOutFormatted']} {q['to']}</b> · minimum "
                f"{q['minimumReceivedFormatted']} {q['to']} · price impact {q['priceImpact']}%.{approve}"
            )
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

        def done(_r: Any) -> None:
            self.amount.clear()
            self.quote.setText("Swapped.")
            self.swapped.emit()

        self.ctx.ops.run(
            self.ctx.call("swap_run", params),
            busy=self.swap_button,
            on_done=done,
            title="The swap did not happen",
        )


class BuyTab(QWidget):
    bought = Signal()

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.from_address: str | None = None
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.provider = QComboBox()
        self.provider.setObjectName("buyProvider")
        self.amount = QLineEdit("0.5")
        self.amount.setObjectName("buyAmount")
        form.addRow("Provider", self.provider)
        form.addRow("ETH to buy", self.amount)
        lay.addLayout(form)
        self.status = label("", "caption", wrap=True)
        self.status.setObjectName("buyStatus")
        lay.addWidget(self.status)
        self.buy_button = button("Buy ETH", "primary")
        self.buy_button.setObjectName("buyButton")
        lay.addWidget(self.buy_button)
        lay.addStretch(1)
        self.buy_button.clicked.connect(self.buy)
        self.loaded = False

    def showEvent(self, e: Any) -> None:  # noqa: N802
        super().showEvent(e)
        if not self.loaded:
            self.ctx.ops.run(self.ctx.call("onramp_providers"), on_done=self._providers, quiet=True)

    def _providers(self, providers: list[dict[str, Any]]) -> None:
        self.loaded = True
        self.provider.clear()
        for p in providers:
            self.provider.addItem(p["name"], p["id"])
            i = self.provider.count() - 1
            if p.get("available") is False:
                self.provider.model().item(i).setEnabled(False)
                self.provider.setItemData(i, p.get("reason", "Not available on this network"), 3)

    def buy(self) -> None:
        provider = self.provider.currentData()
        if not provider:
            return
        params: dict[str, Any] = {"provider": provider, "amount": self.amount.text().strip()}
        if self.from_address:
            params["address"] = self.from_address

        def done(r: dict[str, Any]) -> None:
            if r.get("kind") == "widget" and r.get("url"):
                QDesktopServices_open(r["url"])
                self.status.setText(
                    "The provider's page is open. Your ETH arrives when the purchase completes."
                )
            else:
                self.status.setText("Credited.")
            self.bought.emit()

        self.ctx.ops.run(
            self.ctx.call("onramp_start", params),
            busy=self.buy_button,
            on_done=done,
            title="Could not buy ETH",
        )
