"""Wallet: accounts and balances, receive, send, swap, buy, history, add token.

Only imported when the node lists the wallet methods (and after the window is up: the chain
pulls in web3)."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import (
    ActiveIdentityChanged,
    NetworkChanged,
    PaymentReceived,
    TransactionStatusChanged,
    VaultOpened,
    WalletsChanged,
)

from ...context import LauncherContext
from ...qt import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from ...widgets import CopyField, button, card, label, qr_pixmap, screen_header
from .buy import BuyTab
from .history import HistoryTab, short_amount
from .send import SendTab
from .swap import SwapTab


class ReceiveTab(QWidget):
    def __init__(self) -> None:
        super().__init__()
        lay = QHBoxLayout(self)
        self.qr = QLabel()
        self.qr.setObjectName("qr")
        self.qr.setFixedSize(200, 200)
        lay.setContentsMargins(18, 16, 18, 16)
        lay.setSpacing(24)
        lay.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        right = QVBoxLayout()
        right.addWidget(label("Your address", "sectionTitle"))
        right.addWidget(label("Send ETH or tokens on this network to this address.", "caption", wrap=True))
        self.address = CopyField("", "Copy the address")
        self.address.setObjectName("receiveAddress")
        right.addWidget(self.address)
        right.addSpacing(8)
        right.addWidget(
            label(
                "Only send assets on the network shown in Settings ▸ Networks. Payments you "
                "receive appear in Notifications and in the History tab.",
                "hint",
                wrap=True,
            )
        )
        right.addStretch(1)
        lay.addLayout(right, 1)

    def set_address(self, address: str | None) -> None:
        self.address.setText(address or "")
        if address:
            self.qr.setPixmap(qr_pixmap(f"ethereum:{address}", 200))
        else:
            self.qr.clear()


class WalletScreen(QWidget):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("walletScreen")
        self.accounts: list[dict[str, Any]] = []
        self.wallets: list[dict[str, Any]] = []
        self._stale = True
        self.loaded = 0  # how many loads finished (tests wait on it)
        lay = QVBoxLayout(self)
        head = QHBoxLayout()
        head.addWidget(screen_header("Wallet"), 1)
        self.account = QComboBox()
        self.account.setObjectName("accountPicker")
        self.account.setMinimumWidth(280)
        self.account.setToolTip("The account to show and send from")
        head.addWidget(self.account)
        self.add_account = button("", None, "Add an account", "plus")
        head.addWidget(self.add_account)
        lay.addLayout(head)
        self.banner = card()
        self.banner.setObjectName("banner")
        bl = QHBoxLayout(self.banner)
        self.banner_text = label("", wrap=True)
        bl.addWidget(self.banner_text, 1)
        retry = button("Retry")
        retry.clicked.connect(self.refresh)
        bl.addWidget(retry)
        self.banner.setVisible(False)
        lay.addWidget(self.banner)
        self.no_wallet = card()
        nl = QVBoxLayout(self.no_wallet)
        nl.addWidget(label("This identity has no wallet yet.", "sectionTitle"))
        self.create_wallet = button("Create a wallet", "primary")
        self.create_wallet.clicked.connect(self._create_wallet)
        nl.addWidget(self.create_wallet, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.no_wallet)

        self.balances = QWidget()
        self.balances_lay = QHBoxLayout(self.balances)
        self.balances_lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.balances)
        tok = QHBoxLayout()
        self.token_address = QLineEdit()
        self.token_address.setPlaceholderText("Add a token by its contract address (0x…)")
        self.add_token = button("Add token")
        self.add_token.setEnabled(False)
        self.token_address.textChanged.connect(
            lambda t: self.add_token.setEnabled(t.strip().startswith("0x") and len(t.strip()) == 42)
        )
        self.add_token.clicked.connect(self._add_token)
        tok.addWidget(self.token_address, 1)
        tok.addWidget(self.add_token)
        lay.addLayout(tok)

        self.tabs = QTabWidget()
        self.receive = ReceiveTab()
        self.send = SendTab(ctx)
        self.swap = SwapTab(ctx)
        self.buy = BuyTab(ctx)
        self.history = HistoryTab()
        self.tabs.addTab(self.receive, "Receive")
        self.tabs.addTab(self.send, "Send")
        self.tabs.addTab(self.swap, "Swap")
        self.tabs.addTab(self.buy, "Buy")
        self.tabs.addTab(self.history, "History")
        lay.addWidget(self.tabs, 1)
        self.account.currentIndexChanged.connect(lambda _i: self._account_changed())
        self.add_account.clicked.connect(self._add_account)
        self.send.sent.connect(self.refresh)
        self.swap.swapped.connect(self.refresh)
        self.buy.bought.connect(self.refresh)
        for ev in (WalletsChanged, ActiveIdentityChanged, VaultOpened, PaymentReceived):
            ctx.subscribe(self, ev, lambda _e: self.refresh())
        # "signed" is the moment before the broadcast: balances have not moved yet
        ctx.subscribe(self, TransactionStatusChanged, lambda e: None if e.status == "signed" else self.refresh())
        ctx.subscribe(self, NetworkChanged, lambda _e: self._network_changed())

    def _network_changed(self) -> None:
        self.buy.loaded = False  # the faucet exists only on the dev chain
        if self.buy.isVisible():
            self.buy.reload()
        self.refresh()

    def address(self) -> str | None:
        return self.account.currentData()

    def refresh(self) -> None:
        """Reload accounts, balances and history. While the screen is hidden this only marks it
        stale: loading balances opens the chain (web3, py-evm), which should wait until the
        user looks at the wallet."""
        if self.ctx.node.vault is None:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        self.ctx.ops.run(self._load(), quiet=True, title="Could not load the wallet")

    def showEvent(self, e: Any) -> None:  # noqa: N802
        super().showEvent(e)
        if self._stale:
            self.refresh()

    async def _load(self) -> None:
        wallets = await self.ctx.call("wallet_list")
        self.wallets = wallets
        current = self.address()
        self.account.blockSignals(True)
        self.account.clear()
        for w in wallets:
            for a in w["accounts"]:
                self.account.addItem(f"{a['name']} · {a['address'][:8]}…{a['address'][-4:]}", a["address"])
                if a["address"] == current or (current is None and a.get("default")):
                    self.account.setCurrentIndex(self.account.count() - 1)
        self.account.blockSignals(False)
        has = self.account.count() > 0
        self.no_wallet.setVisible(not has)
        for w in (self.balances, self.tabs, self.account, self.add_account):
            w.setVisible(has)
        if has:
            await self._load_account()

    def _account_changed(self) -> None:
        self.ctx.ops.run(self._load_account(), quiet=True)

    async def _load_account(self) -> None:
        addr = self.address()
        self.receive.set_address(addr)
        self.send.from_address = addr
        self.swap.from_address = addr
        self.buy.from_address = addr
        try:
            balances = await self.ctx.call("wallet_getBalances", {"address": addr})
        except Exception as exc:  # noqa: BLE001 - a network that is down: a banner, the rest works
            self.banner_text.setText(
                f"<b>The network is not reachable.</b> {getattr(exc, 'message', exc)}. Balances "
                "may be out of date; sending, swapping and buying wait until it answers. "
                "Choose another network in Settings ▸ Networks, or retry."
            )
            self.banner.setVisible(True)
            self.loaded += 1
            return
        self.banner.setVisible(False)
        self._show_balances(balances)
        usable = [b for b in balances if not b.get("missing")]  # a token with no contract here can't be sent
        self.send.set_tokens([b["symbol"] for b in usable], {b["symbol"]: b for b in usable})
        try:
            self.history.show_items(await self.ctx.call("wallet_history", {"address": addr}))
        except Exception:  # noqa: BLE001 - the banner above already covers a network that is down
            pass
        self.loaded += 1

    def _show_balances(self, balances: list[dict[str, Any]]) -> None:
        while self.balances_lay.count():
            item = self.balances_lay.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for b in balances:
            c = card()
            c.setObjectName("card")
            c.setMinimumWidth(150)
            cl = QVBoxLayout(c)
            cl.setContentsMargins(16, 12, 16, 12)
            cl.addWidget(label(f"{b['symbol']} · {b.get('name', '')}".rstrip(" ·"), "caption"))
            v = label(short_amount(b["formatted"], 4), "balance")
            v.setProperty("symbol", b["symbol"])
            v.setToolTip(b["missing"] if b.get("missing") else f"{b['formatted']} {b['symbol']}")
            cl.addWidget(v)
            self.balances_lay.addWidget(c)
        self.balances_lay.addStretch(1)

    def _add_account(self) -> None:
        hd = [w for w in getattr(self, "wallets", []) if w.get("type") in ("hd", "phrase", "mnemonic")]
        if not hd:
            return
        self.ctx.ops.run(
            self.ctx.call("wallet_addAccount", {"walletId": hd[0]["id"]}),
            busy=self.add_account,
            title="Could not add an account",
        )

    def _add_token(self) -> None:
        self.ctx.ops.run(
            self.ctx.call("wallet_addToken", {"address": self.token_address.text().strip()}),
            busy=self.add_token,
            on_done=lambda _r: (self.token_address.clear(), self.refresh()),
            title="Could not add the token",
        )

    def _create_wallet(self) -> None:
        async def run() -> None:
            phrase = (await self.ctx.call("wallet_generatePhrase"))["phrase"]
            from ...dialogs import confirm

            if await confirm(
                self.window(),
                "Your recovery phrase",
                "Write these words down, in order, and keep them safe:\n\n"
                + phrase
                + "\n\nAnyone with them controls this wallet.",
                "I wrote them down",
            ):
                await self.ctx.call("wallet_create", {"phrase": phrase})

        self.ctx.ops.run(run(), busy=self.create_wallet, title="Could not create the wallet")
