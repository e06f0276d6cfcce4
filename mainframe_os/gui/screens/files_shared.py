"""Files → Shared with me: what contacts shared (a share message each), downloaded with a progress
bar (speed, time left, cancel); and "Share…" for the file or folder selected in the Files list,
sent to a contact or a group as a message.

Everything goes through files_shared / files_download / files_share / files_cancel; a download
reports FileProgress events with operation "download" and the share's id as its job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mainframe_os.node.events import FileProgress, FilesChanged, MessageReceived, VaultOpened
from mainframe_os.node.text import safe_text

from ..context import LauncherContext
from ..dialogs import run_dialog
from ..qt import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    Qt,
    QVBoxLayout,
    QWidget,
)
from ..style import icon
from ..widgets import button, label
from .files_format import eta_text, human_size

STATE_TEXT = {"new": "ready to download", "downloaded": "downloaded", "partial": "still arriving", "refused": "refused"}


def share_line(s: dict[str, Any]) -> str:
    what = f"folder, {s['count']} files" if s["kind"] == "folder" else (s["type"] or "file")
    who = safe_text(s["from"] or "someone")
    state = STATE_TEXT.get(s["state"], s["state"])
    if s["state"] == "refused" and s.get("refused"):
        state += f": {safe_text(s['refused'])[:80]}"
    return f"{safe_text(s['name'])}\n{human_size(s['size'])}  ·  {what}  ·  from {who}  ·  {state}"


class SharedWithMe(QWidget):
    """The section under the Files list. `selected` returns the Files list's selected row data
    (a file: {"id", ...}; a folder: {"folder": path}) or None."""

    def __init__(self, ctx: LauncherContext, selected: Callable[[], dict[str, Any] | None]) -> None:
        super().__init__()
        self.ctx, self.selected_in_files = ctx, selected
        self.setObjectName("sharedWithMe")
        self.job: str | None = None
        self._started = 0.0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        head = QHBoxLayout()
        self.title = label("Shared with me", "sectionTitle")
        self.share_button = button("Share…", None, "Send the selected file or folder to a contact or group", "send")
        self.share_button.setObjectName("shareButton")
        self.note = label("", "caption")
        self.note.setObjectName("shareNote")
        head.addWidget(self.title)
        self.public_button = button("Public link…", None, "Make the selected file public, unencrypted")
        self.public_button.setObjectName("publicLinkButton")
        head.addWidget(self.note, 1)
        self.by_me_button = button("Shared by me…", None, "What you shared, and Revoke")
        self.by_me_button.setObjectName("sharedByMeButton")
        head.addWidget(self.by_me_button)
        head.addWidget(self.public_button)
        head.addWidget(self.share_button)
        lay.addLayout(head)
        self.list = QListWidget()
        self.list.setObjectName("sharedList")
        self.list.setMaximumHeight(150)
        lay.addWidget(self.list)
        self.empty = label("Nothing shared with you yet.", "caption")
        lay.addWidget(self.empty)
        self._progress_row(lay)
        self._connect(ctx)
        self._set_progress_visible(False)
        self._selection_changed()

    def _progress_row(self, lay: QVBoxLayout) -> None:
        row = QHBoxLayout()
        self.download_button = button("Download", "primary", "Fetch the selected share from its sender", "download")
        self.download_button.setObjectName("downloadShareButton")
        self.progress = QProgressBar()
        self.progress.setObjectName("downloadProgress")
        self.progress_text = label("", "caption")
        self.cancel_button = button("Cancel", None, "Stop this download (nothing half-fetched is kept)")
        self.cancel_button.setObjectName("cancelDownloadButton")
        row.addWidget(self.download_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.progress_text)
        row.addWidget(self.cancel_button)
        row.addStretch(0)
        lay.addLayout(row)

    def _connect(self, ctx: LauncherContext) -> None:
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_button.clicked.connect(self.cancel)
        self.share_button.clicked.connect(self.share_selected)
        self.public_button.clicked.connect(self.publish_selected)
        self.by_me_button.clicked.connect(self.show_shared_by_me)
        ctx.subscribe(self, MessageReceived, lambda e: self.refresh() if e.kind == "json" else None)
        ctx.subscribe(self, FilesChanged, lambda _e: self.refresh())
        ctx.subscribe(self, VaultOpened, lambda _e: self.refresh())
        ctx.subscribe(self, FileProgress, self._progress)

    # -- the list ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.ctx.node.vault is None or not self.ctx.has("files_shared"):
            return
        self.ctx.ops.run(self.ctx.call("files_shared"), on_done=self._show, quiet=True, title="Shared with me")

    def _show(self, shares: list[dict[str, Any]]) -> None:
        keep = self.selected()
        self.list.clear()
        for s in shares:
            item = QListWidgetItem(icon("folder" if s["kind"] == "folder" else "files"), share_line(s))
            item.setData(Qt.ItemDataRole.UserRole, s)
            self.list.addItem(item)
            if keep is not None and keep["id"] == s["id"]:
                item.setSelected(True)
        self.title.setText(f"Shared with me ({len(shares)})" if shares else "Shared with me")
        self.empty.setVisible(not shares)
        self.list.setVisible(bool(shares))
        self._selection_changed()

    def selected(self) -> dict[str, Any] | None:
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        s = self.selected()
        self.download_button.setEnabled(s is not None and s["state"] == "new" and self.job is None)

    # -- downloading, with progress ---------------------------------------------------------------

    def download_selected(self) -> None:
        s = self.selected()
        if s is None:
            return
        self.job, self._started = s["id"], time.monotonic()
        self._set_progress_visible(True)
        self.progress_text.setText(f"Connecting to {safe_text(s['from'] or 'the sender')[:30]}…")
        self._selection_changed()
        self.ctx.ops.run(
            self.ctx.call("files_download", {"share": s["id"]}),
            on_done=lambda _r: self._finished(),
            on_error=self._failed,
            title="Could not download",
        )

    def _progress(self, e: FileProgress) -> None:
        if e.operation != "download" or e.job != self.job:
            return
        self.progress.setMaximum(max(e.total, 1))
        self.progress.setValue(min(e.done, e.total))
        self.progress_text.setText(f"{safe_text(e.file_name)[:30]}: {eta_text(e.done, e.total, self._started)}")

    def cancel(self) -> None:
        if self.job:
            self.ctx.ops.run(self.ctx.call("files_cancel", {"job": self.job}), quiet=True)

    def _finished(self) -> None:
        self.job = None
        self._set_progress_visible(False)
        self.refresh()

    def _failed(self, exc: BaseException) -> bool:
        self._finished()
        return "ancel" in str(exc)  # a cancel the user asked for needs no error box

    def _set_progress_visible(self, on: bool) -> None:
        for w in (self.progress, self.progress_text, self.cancel_button):
            w.setVisible(on)
        if not on:
            self.progress.reset()

    # -- sharing ----------------------------------------------------------------------------------

    def share_selected(self) -> None:
        target = self.selected_in_files()
        if target is None:
            self.ctx.errors.show_message("Share", "Select a file or folder in the list first.")
            return

        async def run() -> None:
            contacts = await self.ctx.call("contacts_list")
            groups = await self.ctx.call("groups_list") if self.ctx.has("groups_list") else []
            dialog = ShareDialog(self.window(), target.get("name") or target["folder"], contacts, groups)
            if await run_dialog(dialog) != QDialog.DialogCode.Accepted or dialog.choice() is None:
                return
            kind, ref = dialog.choice()  # type: ignore[misc]
            params = {"file": target.get("id") or target["folder"], kind: ref}
            made = await self.ctx.call("files_share", params)
            self.note.setText(
                f"Shared {safe_text(made['name'])[:40]} ({made['count']} file(s)) with {dialog.who.currentText()}"
            )

        self.ctx.ops.run(run(), busy=self.share_button, title="Could not share")

    def show_shared_by_me(self) -> None:
        from .files_shared_by_me import SharedByMeDialog

        dialog = SharedByMeDialog(self.window(), self.ctx)
        self.ctx.ops.run(run_dialog(dialog), quiet=True)

    def publish_selected(self) -> None:
        """A plain IPFS link, only after the user accepts that the copy is unencrypted."""
        target = self.selected_in_files()
        if target is None or "id" not in target:
            self.ctx.errors.show_message("Public link", "Select a file in the list first.")
            return

        async def run() -> None:
            from ..dialogs import confirm

            warning = (
                f"Make {safe_text(target['name'])[:60]} public?\n\nAn unencrypted copy is kept and served to anyone "
                "who asks: whoever has the link can read the file, and copies cannot be taken back."
            )
            if not await confirm(self.window(), "Public link", warning, "Make public", destructive=True):
                return
            made = await self.ctx.call("files_publish", {"file": target["id"], "acknowledge": True})
            QApplication.clipboard().setText(made["link"])
            self.note.setText(f"Public link copied: {made['link']}")
            self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.ctx.ops.run(run(), busy=self.public_button, title="Could not make it public")


class ShareDialog(QDialog):
    """Pick who gets the share: a contact or a group."""

    def __init__(self, parent: QWidget | None, what: str, contacts: list[Any], groups: list[Any]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Share")
        self.setObjectName("shareDialog")
        lay = QVBoxLayout(self)
        lay.addWidget(label(f"Share {safe_text(what)[:60]} with:", wrap=True))
        self.who = QComboBox()
        self.who.setObjectName("shareWith")
        for c in contacts:
            self.who.addItem(safe_text(c["displayName"]), ("contact", c["id"]))
        for g in groups:
            self.who.addItem(f"Group: {safe_text(g['name'])}", ("group", g["id"]))
        lay.addWidget(self.who)
        lay.addWidget(
            label("They get a message they can download it from while your node is online.", "caption", wrap=True)
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Share")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.who.count() > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.setMinimumWidth(360)

    def choice(self) -> tuple[str, str] | None:
        data = self.who.currentData()
        return tuple(data) if data else None  # type: ignore[return-value]
