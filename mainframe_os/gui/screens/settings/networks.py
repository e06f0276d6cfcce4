"""Networks: the embedded dev chain, mainnet, Sepolia, custom JSON-RPC URLs, with a check."""

from __future__ import annotations

from typing import Any

from ...context import LauncherContext
from ...qt import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    Qt,
    QVBoxLayout,
    QWidget,
)
from ...widgets import button, form_layout, label


class NetworksTab(QWidget):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.addWidget(label("Networks", "sectionTitle"))
        self.list = QListWidget()
        self.list.setObjectName("networkList")
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.use_button = button("Use this network", "primary")
        self.check_button = button("Check connection")
        row.addWidget(self.use_button)
        row.addWidget(self.check_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.status = label("", "hint", wrap=True)
        lay.addWidget(self.status)
        lay.addWidget(label("Add a custom network", "sectionTitle"))
        form = form_layout()
        self.name, self.url, self.chain_id = QLineEdit(), QLineEdit(), QLineEdit()
        self.url.setPlaceholderText("https://…")
        self.chain_id.setPlaceholderText("e.g. 11155111")
        form.addRow("Name", self.name)
        form.addRow("RPC URL", self.url)
        form.addRow("Chain ID", self.chain_id)
        lay.addLayout(form)
        self.add_button = button("Add network")
        lay.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.use_button.clicked.connect(self._use)
        self.check_button.clicked.connect(self.check)
        self.add_button.clicked.connect(self._add)
        self.refresh()

    def refresh(self) -> None:
        self.ctx.ops.run(self.ctx.call("network_list"), on_done=self._show, quiet=True)

    def _show(self, nets: list[dict[str, Any]]) -> None:
        self.list.clear()
        for n in nets:
            active = n.get("active") or n.get("current")
            item = QListWidgetItem(
                f"{n.get('name', n.get('id'))}  ·  chain {n.get('chainId', '?')}" + ("   (in use)" if active else "")
            )
            item.setData(Qt.ItemDataRole.UserRole, n)
            self.list.addItem(item)

    def _selected(self) -> dict[str, Any] | None:
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _use(self) -> None:
        n = self._selected()
        if n:
            self.ctx.ops.run(
                self.ctx.call("network_use", {"id": n["id"]}),
                busy=self.use_button,
                on_done=lambda _r: (self.refresh(), self.check()),
                title="Could not switch network",
            )

    def check(self) -> None:
        self.status.setText("Checking…")

        def shown(s: dict[str, Any]) -> None:
            ok = s.get("connected", True)
            self.status.setText(
                ("Connected" if ok else "Not connected")
                + (f" · block {s['blockNumber']}" if "blockNumber" in s else "")
            )

        def failed(e: BaseException) -> bool:
            self.status.setText(f"Not connected: {getattr(e, 'message', e)}")
            return True

        self.ctx.ops.run(self.ctx.call("network_status"), busy=self.check_button, on_done=shown, on_error=failed)

    def _add(self) -> None:
        try:
            chain_id = int(self.chain_id.text().strip())
        except ValueError:
            self.status.setText("The chain ID must be a number.")
            return
        params = {
            "name": self.name.text().strip(),
            "rpcUrl": self.url.text().strip(),
            "chainId": chain_id,
        }
        self.ctx.ops.run(
            self.ctx.call("network_add", params),
            busy=self.add_button,
            on_done=lambda _r: self.refresh(),
            title="Could not add the network",
        )
