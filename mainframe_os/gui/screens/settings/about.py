"""Settings -> About: what is running (version, commit, Qt/Chromium/SQLCipher/web3), and the
update check: the once-a-day switch, "Check now", and the offer when a newer version is out.

The check itself is the node's (`mainframe_os.node.updates`); this tab only shows its answer. An
offer shows the version, its notes, where to download it and the SHA-256 to compare: nothing is
downloaded or run from here.
"""

from __future__ import annotations

import time
from typing import Any

from mainframe_os import about

from ...context import LauncherContext
from ...qt import QCheckBox, QFormLayout, QLabel, Qt, QVBoxLayout, QWidget, Signal
from ...widgets import button, label


def _plain(text: str, name: str | None = None) -> QLabel:
    lab = label(text, name, wrap=True)
    lab.setTextFormat(Qt.TextFormat.PlainText)  # notes and urls come from the feed
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


class AboutTab(QWidget):
    offer_found = Signal(str)  # the version, for the tray message

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("aboutTab")
        lay = QVBoxLayout(self)
        lay.addWidget(label("Mainframe OS", "sectionTitle"))
        self.version = _plain(f"Version {about.version()} (commit {about.commit()})", "aboutVersion")
        lay.addWidget(self.version)
        self.components = QFormLayout()
        lay.addLayout(self.components)
        self._filled = False

        lay.addSpacing(12)
        lay.addWidget(label("Updates", "sectionTitle"))
        self.auto = QCheckBox("Check once a day for a new version")
        self.auto.setObjectName("updateCheckAuto")
        self.auto.setChecked(bool(ctx.prefs.update_check))
        self.auto.toggled.connect(self._auto_changed)
        lay.addWidget(self.auto)
        lay.addWidget(
            label("Reads the project's signed list of releases. Nothing is downloaded or installed.", "hint", True)
        )
        self.check_button = button("Check now")
        self.check_button.setObjectName("checkUpdatesButton")
        self.check_button.clicked.connect(self.check_now)
        lay.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.status = _plain("", "updateStatus")
        lay.addWidget(self.status)
        self.notes = _plain("", "updateNotes")
        self.notes.setVisible(False)
        lay.addWidget(self.notes)
        lay.addStretch(1)
        if ctx.updates is not None:
            self.show_offer(ctx.updates.last_offer())

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._filled:  # component versions: asked when first shown (loads QtWebEngine's library)
            self._filled = True
            for name, value in about.components().items():
                self.components.addRow(label(name, "caption"), _plain(value))

    def _auto_changed(self, on: bool) -> None:
        self.ctx.prefs.update_check = on

    def check_now(self) -> None:
        if self.ctx.updates is None:
            return
        self.status.setText("Checking…")
        self.ctx.ops.run(
            self.ctx.updates.check(force=True),
            busy=[self.check_button],
            on_done=lambda offer: self.show_offer(offer, checked=True),
            title="Could not check for updates",
        )

    def show_offer(self, offer: Any, checked: bool = False) -> None:
        """Show a release found by the check (None: nothing newer)."""
        if offer is None:
            when = time.strftime("%H:%M")
            self.status.setText(f"No newer version found (checked at {when})." if checked else "")
            self.notes.setVisible(False)
            return
        self.status.setText(f"Version {offer.version} is available.")
        self.notes.setText(f"{offer.notes}\n\nDownload: {offer.url}\nSHA-256: {offer.sha256}".strip())
        self.notes.setVisible(True)
        self.offer_found.emit(offer.version)
