"""Verify a contact in person: both screens show the same 7 emoji (Matrix's SAS) only if nobody
sits between you. Confirming marks the contact verified on this side."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import ContactVerification

from ..context import LauncherContext
from ..qt import QDialog, QGridLayout, QHBoxLayout, Qt, QVBoxLayout, QWidget, Signal
from ..widgets import button, label, set_tone


class VerifyDialog(QDialog):
    verified = Signal(str)  # the contact's key (hex)

    def __init__(self, ctx: LauncherContext, key: str, name: str, parent: QWidget | None, asked: bool = False) -> None:
        super().__init__(parent)
        self.ctx, self.key, self.name = ctx, key, name
        self.pairs: list[tuple[str, str]] = []
        self.state = "starting"
        self.setObjectName("verifyDialog")
        self.setWindowTitle(f"Verify {name}")
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        lay.addWidget(label(f"Verify {name}", "dialogTitle"))
        intro = (
            f"{name} asked to verify you. " if asked else ""
        ) + f"Sit together (or call each other) and compare: {name} sees the same 7 emoji, in the same order, only if "
        lay.addWidget(label(intro + "your messages reach each other with nobody in the middle.", "caption", wrap=True))
        self.status = label("", "verifyStatus", wrap=True)
        lay.addWidget(self.status)
        grid_host = QWidget()
        grid_host.setObjectName("sasGrid")
        self.grid = QGridLayout(grid_host)
        self.grid.setHorizontalSpacing(10)
        lay.addWidget(grid_host)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = button("Cancel")
        self.mismatch_button = button(
            "They don’t match", "danger", "Someone may be in the middle: the contact stays unverified"
        )
        self.mismatch_button.setObjectName("sasMismatch")
        self.mismatch_button.setProperty("danger", True)
        self.match_button = button("They match", "primary", "Mark this contact verified")
        self.match_button.setObjectName("sasMatch")
        self.match_button.setProperty("primary", True)
        for b in (self.cancel_button, self.mismatch_button, self.match_button):
            buttons.addWidget(b)
        lay.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.match_button.clicked.connect(lambda: self._answer(True))
        self.mismatch_button.clicked.connect(lambda: self._answer(False))
        self._set_buttons(False)
        ctx.subscribe(self, ContactVerification, self._event)
        self._ask()

    def _set_buttons(self, comparing: bool) -> None:
        self.match_button.setEnabled(comparing)
        self.mismatch_button.setEnabled(comparing)

    def _ask(self) -> None:
        self.status.setText(f"Waiting for {self.name}… Their Mainframe OS must be open and online.")
        self.ctx.ops.run(
            self.ctx.call("contacts_verify", {"id": self.key}), on_done=self._show, title="Could not start verifying"
        )

    def _event(self, e: ContactVerification) -> None:
        if e.peer == self.key and e.state == "compare" and self.state != "compare":
            self._ask()

    def _show(self, out: dict[str, Any]) -> None:
        self.state = out["state"]
        if self.state != "compare":
            return
        self.pairs = [(e, n) for e, n in out.get("pairs", [])]
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for i, (emoji, name) in enumerate(self.pairs):
            big = label(emoji, "sasEmoji")
            big.setAlignment(Qt.AlignmentFlag.AlignCenter)
            word = label(name, "sasName")
            word.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.grid.addWidget(big, 0, i)
            self.grid.addWidget(word, 1, i)
        self.status.setText(f"Do these match what {self.name} sees?")
        self._set_buttons(True)
        self.match_button.setFocus()

    def _answer(self, match: bool) -> None:
        def done(out: dict[str, Any]) -> None:
            self.state = out["state"]
            if match:
                self.verified.emit(self.key)
                self.accept()
            else:
                self.status.setText(f"Not verified. Tell {self.name}, and do not trust new keys until you know why.")
                set_tone(self.status, "error")
                self._set_buttons(False)
                self.cancel_button.setText("Close")

        self.ctx.ops.run(
            self.ctx.call("contacts_verify", {"id": self.key, "confirm": match}),
            busy=[self.match_button, self.mismatch_button],
            on_done=done,
            title="Could not verify",
        )
