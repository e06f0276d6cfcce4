"""Buy ETH: pick an on-ramp provider. The dev chain's faucet credits at once; a real provider's
widget opens in its own sandboxed webview window (provider_window.py)."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.wallet.amounts import amount_problem

from ...context import LauncherContext
from ...qt import QComboBox, QLineEdit, Qt, QWidget, Signal
from ...widgets import button, form_layout, form_page, label, set_tone


class BuyTab(QWidget):
    bought = Signal()

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.from_address: str | None = None
        self.windows: list[Any] = []
        lay = form_page(
            self,
            "About providers",
            "Card payments open the provider’s own page in a separate, private window: it cannot see "
            "your vault or your apps. On the embedded dev chain the faucet gives free test ETH.",
        )
        form = form_layout()
        self.provider = QComboBox()
        self.provider.setObjectName("buyProvider")
        self.provider.setMinimumWidth(260)
        self.amount = QLineEdit("0.5")
        self.amount.setObjectName("buyAmount")
        self.amount.setMaximumWidth(260)
        form.addRow("Provider", self.provider)
        form.addRow("ETH to buy", self.amount)
        lay.addLayout(form)
        self.status = label("", "hint", wrap=True)
        lay.addWidget(self.status)
        self.buy_button = button("Buy ETH", "primary")
        self.buy_button.setObjectName("buyButton")
        lay.addWidget(self.buy_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)
        self.buy_button.clicked.connect(self.buy)
        self.amount.textChanged.connect(self._validate)
        self.provider.currentIndexChanged.connect(self._validate)
        self.loaded = False
        self._validate()

    def showEvent(self, e: Any) -> None:  # noqa: N802
        super().showEvent(e)
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        """Providers depend on the network: the faucet exists only on the dev chain."""
        self.ctx.ops.run(self.ctx.call("onramp_providers"), on_done=self._providers, quiet=True)

    def _providers(self, providers: list[dict[str, Any]]) -> None:
        self.loaded = True
        self.provider.clear()
        first_usable = -1
        for p in providers:
            usable = p.get("available") is not False
            name = p["name"] if usable else f"{p['name']} — {p.get('reason') or 'unavailable'}"
            self.provider.addItem(name, p["id"])
            i = self.provider.count() - 1
            if not usable:
                self.provider.model().item(i).setEnabled(False)
            elif first_usable < 0:
                first_usable = i
        if first_usable >= 0:
            self.provider.setCurrentIndex(first_usable)
        self._validate()

    def problem(self) -> str | None:
        if self.provider.currentData() is None:
            return "No provider is available on this network."
        why = amount_problem(self.amount.text().strip(), 18)  # the node's one rule: no comma, no junk
        return why + "." if why else None

    def _validate(self) -> None:
        why = self.problem() if self.loaded else None
        self.buy_button.setEnabled(self.loaded and why is None)
        self.buy_button.setToolTip(why or "")
        if why:
            self.status.setText(why)
            set_tone(self.status, "error")
        elif self.status.property("tone") == "error":
            self.status.setText("")
            set_tone(self.status, None)

    def buy(self) -> None:
        provider = self.provider.currentData()
        if not provider or self.problem():
            return
        params: dict[str, Any] = {"provider": provider, "amount": self.amount.text().strip()}
        if self.from_address:
            params["address"] = self.from_address

        def done(r: dict[str, Any]) -> None:
            if r.get("kind") == "widget" and r.get("url"):
                self.open_widget(r.get("name") or self.provider.currentText(), r["url"])
                self.status.setText(
                    "The provider's page is open in its own window. Your ETH arrives when the "
                    "purchase completes: you get a notification."
                )
            else:
                self.status.setText(f"{r.get('amountFormatted', '')} ETH credited to your account.")
            set_tone(self.status, "ok")
            self.bought.emit()

        self.ctx.ops.run(
            self.ctx.call("onramp_start", params),
            busy=self.buy_button,
            on_done=done,
            title="Could not buy ETH",
        )

    def open_widget(self, name: str, url: str) -> Any:
        """Open a provider's widget in a dedicated, bridge-less, off-the-record webview."""
        from .provider_window import ProviderWindow

        win = ProviderWindow(name, url, self.window())
        self.windows = [w for w in self.windows if _alive(w)] + [win]
        win.show()
        return win


def _alive(widget: Any) -> bool:
    try:
        return widget.isVisible()
    except RuntimeError:  # deleted on close
        return False
