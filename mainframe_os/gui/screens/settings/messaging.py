"""Messaging: how messages travel. Luminosity (dark routing) with its trade-off in plain words,
direct streams, bootstrap peers, mDNS. The node keeps the rules (peer_setSettings); this tab
shows them and what they mean."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import VaultOpened

from ...context import LauncherContext
from ...qt import QCheckBox, QHBoxLayout, QLabel, QPlainTextEdit, QSlider, Qt, QTimer, QVBoxLayout, QWidget
from ...widgets import button, label, set_tone

APPLY_AFTER_MS = 500  # a dragged slider settles before contacts are told the new topic


class MessagingTab(QWidget):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._loading = False
        self.loaded = False  # the stored settings are shown
        lay = QVBoxLayout(self)
        lay.addWidget(label("Dark routing", "sectionTitle"))
        row = QHBoxLayout()
        row.addWidget(QLabel("Luminosity"))
        self.luminosity = QSlider(Qt.Orientation.Horizontal)
        self.luminosity.setObjectName("luminositySlider")
        self.luminosity.setRange(0, 16)  # the node says how far (maxLuminosity)
        self.luminosity.setPageStep(1)
        self.luminosity.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.luminosity.setToolTip("How many bits of your address your messages' topic reveals")
        row.addWidget(self.luminosity, 1)
        self.value = label("0 bits", "luminosityValue")
        self.value.setMinimumWidth(56)
        row.addWidget(self.value)
        lay.addLayout(row)
        self.tradeoffs: list[str] = []  # the node's words for each luminosity
        self.tradeoff = label("", "hint", wrap=True)
        self.tradeoff.setObjectName("luminosityTradeoff")
        lay.addWidget(self.tradeoff)
        self.direct = QCheckBox("Connect straight to contacts who are online")
        self.direct.setObjectName("directStreams")
        lay.addWidget(self.direct)
        lay.addWidget(
            label(
                "Faster and confirmed at once, but the contact's node sees your network address and "
                "when you write. Off: everything goes through the dark topics and holders.",
                "hint",
                wrap=True,
            )
        )
        lay.addSpacing(12)
        lay.addWidget(label("Finding peers", "sectionTitle"))
        lay.addWidget(label("Bootstrap peers, one multiaddr per line (…/p2p/<peer id>)", wrap=True))
        self.bootstrap = QPlainTextEdit()
        self.bootstrap.setObjectName("bootstrapList")
        self.bootstrap.setPlaceholderText("/ip4/203.0.113.7/tcp/4001/p2p/12D3KooW…")
        self.bootstrap.setMaximumHeight(96)
        lay.addWidget(self.bootstrap)
        self.save_bootstrap = button("Save bootstrap peers")
        lay.addWidget(self.save_bootstrap, 0, Qt.AlignmentFlag.AlignLeft)
        self.mdns = QCheckBox("Find Mainframe nodes on this local network (mDNS)")
        self.mdns.setObjectName("mdnsToggle")
        lay.addWidget(self.mdns)
        lay.addWidget(
            label(
                "Announces this node to everyone on the same network. Takes effect the next time messaging starts.",
                "hint",
                wrap=True,
            )
        )
        self.status = label("", "hint", wrap=True)
        self.status.setObjectName("messagingStatus")
        lay.addWidget(self.status)
        lay.addStretch(1)
        self._apply_timer = QTimer(self)
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(APPLY_AFTER_MS)
        self._apply_timer.timeout.connect(lambda: self._save({"luminosity": self.luminosity.value()}))
        self.luminosity.valueChanged.connect(self._luminosity_moved)
        self.direct.toggled.connect(lambda on: self._save({"directStreams": on}))
        self.mdns.toggled.connect(lambda on: self._save({"mdns": on}))
        self.save_bootstrap.clicked.connect(self._save_bootstrap)
        ctx.subscribe(self, VaultOpened, lambda _e: self.refresh())
        if ctx.node.vault is not None:
            self.refresh()

    def refresh(self) -> None:
        self.ctx.ops.run(self.ctx.call("peer_getSettings"), on_done=self._show, quiet=True)

    def _show(self, settings: dict[str, Any]) -> None:
        self._loading = True
        try:
            self.tradeoffs = list(settings["tradeoffs"])
            self.luminosity.setMaximum(int(settings["maxLuminosity"]))
            if not self._apply_timer.isActive():  # else the user is moving it: theirs wins
                self.luminosity.setValue(int(settings["luminosity"]))
                self._describe(int(settings["luminosity"]))
            self.direct.setChecked(bool(settings["directStreams"]))
            self.mdns.setChecked(bool(settings["mdns"]))
            self.bootstrap.setPlainText("\n".join(settings["bootstrap"]))
        finally:
            self._loading = False
        self.loaded = True

    def _describe(self, k: int) -> None:
        self.value.setText(f"{k} bit{'' if k == 1 else 's'}")
        self.tradeoff.setText(self.tradeoffs[k] if k < len(self.tradeoffs) else "")

    def _luminosity_moved(self, k: int) -> None:
        self._describe(k)
        if not self._loading:
            self._apply_timer.start()

    def _save_bootstrap(self) -> None:
        lines = [x.strip() for x in self.bootstrap.toPlainText().splitlines() if x.strip()]
        self._save({"bootstrap": lines}, busy=self.save_bootstrap)

    def _save(self, changes: dict[str, Any], busy: Any = None) -> None:
        if self._loading:
            return

        def saved(settings: dict[str, Any]) -> None:
            set_tone(self.status, "ok")
            note = " mDNS changes apply when messaging starts again." if settings.get("restartForMdns") else ""
            self.status.setText("Saved." + note)
            self._show(settings)

        def failed(e: BaseException) -> bool:
            set_tone(self.status, "error")
            self.status.setText(str(getattr(e, "message", e)))
            self.refresh()  # show what is stored, not what was refused
            return True

        self.ctx.ops.run(self.ctx.call("peer_setSettings", changes), busy=busy, on_done=saved, on_error=failed)
