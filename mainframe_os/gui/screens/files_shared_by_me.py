"""Files → Shared by me: what this identity shared, with whom and when, and Revoke (after a
confirmation) so this node serves it no more. What the recipient already downloaded stays theirs,
which the confirmation says. Everything goes through files_shares / files_revokeShare."""

from __future__ import annotations

import time
from typing import Any

from mainframe_os.node.text import safe_text

from ..context import LauncherContext
from ..qt import QDialog, QDialogButtonBox, QListWidget, QListWidgetItem, Qt, QVBoxLayout, QWidget
from ..widgets import button, label


def share_row_text(r: dict[str, Any]) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["createdAt"]))
    state = "revoked" if r["revoked"] else "shared"
    return f"{safe_text(r['path'])[:80]}\n{when}  ·  to {r['peer'][:16]}…  ·  {state}"


class SharedByMeDialog(QDialog):
    """The shares, one row per file and peer; Revoke stops the whole share the row belongs to."""

    def __init__(self, parent: QWidget | None, ctx: LauncherContext) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Shared by me")
        self.setObjectName("sharedByMeDialog")
        lay = QVBoxLayout(self)
        lay.addWidget(
            label("Revoke stops your node serving a share; what they downloaded stays theirs.", "caption", wrap=True)
        )
        self.list = QListWidget()
        self.list.setObjectName("sharedByMeList")
        lay.addWidget(self.list, 1)
        self.empty = label("You have not shared anything yet.", "caption")
        lay.addWidget(self.empty)
        self.revoke_button = button("Revoke…", "danger", "Stop serving the selected share")
        self.revoke_button.setObjectName("revokeShareButton")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.revoke_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.setMinimumSize(480, 320)
        self._selection_changed()
        self.refresh()

    def refresh(self) -> None:
        self.ctx.ops.run(self.ctx.call("files_shares"), on_done=self._show, title="Shared by me")

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.list.clear()
        for r in rows:
            item = QListWidgetItem(share_row_text(r))
            item.setData(Qt.ItemDataRole.UserRole, r)
            self.list.addItem(item)
        self.empty.setVisible(not rows)
        self.list.setVisible(bool(rows))
        if rows:
            self.list.setCurrentRow(0)  # the keyboard starts on the newest share
        self._selection_changed()

    def selected(self) -> dict[str, Any] | None:
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        r = self.selected()
        self.revoke_button.setEnabled(r is not None and not r["revoked"])

    def revoke_selected(self) -> None:
        r = self.selected()
        if r is None:
            return

        async def run() -> None:
            from ..dialogs import confirm

            text = (
                f"Stop sharing {safe_text(r['path'])[:60]}?\n\nYour node will no longer serve this share to anyone "
                "it was sent to. Copies they already downloaded stay theirs."
            )
            if not await confirm(self, "Revoke share", text, "Revoke", destructive=True):
                return
            await self.ctx.call("files_revokeShare", {"shareId": r["share"]})
            self.refresh()

        self.ctx.ops.run(run(), busy=self.revoke_button, title="Could not revoke")
