"""Files of the active identity: folders, search, add (button or drop) with a progress bar that
shows speed and time left, save a copy out, rename, move, delete with undo; a list or a grid,
sorted by name, size, date or type; a preview of images and text; drag a file out (a decrypted
copy, see files_copies.py).

Everything goes through files_* methods; long adds and saves report FileProgress events.
Deleting hides the row at once and calls files_remove only when the undo bar times out, so Undo
needs nothing from the node.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mainframe_os.node.events import ActiveIdentityChanged, FileProgress, FilesChanged, VaultLocked, VaultOpened
from mainframe_os.node.text import safe_text

from ..context import LauncherContext
from ..dialogs import ask_text
from ..qt import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QGuiApplication,
    QHBoxLayout,
    QLineEdit,
    QListWidgetItem,
    QProgressBar,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from ..style import icon
from ..widgets import button, label, screen_header
from .files_copies import PlainCopies
from .files_format import eta_text, human_size
from .files_preview import PreviewPane, previewable
from .files_shared import SharedWithMe
from .files_view import SORTS, FileListView

UNDO_SECONDS = 8
__all__ = ["FilesScreen", "eta_text", "human_size"]


class FilesScreen(QWidget):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("filesScreen")
        self.setAcceptDrops(True)
        self.folder = "/"
        self.pending_delete: dict[str, Any] | None = None
        self.job: str | None = None
        self._started = 0.0
        lay = QVBoxLayout(self)
        lay.addWidget(screen_header("Files", "Encrypted on this machine, addressed like IPFS. Drop files here."))
        self._toolbar(lay)
        self._view_bar(lay)

        self.copies = PlainCopies()
        self.destroyed.connect(self.copies.close)
        self._preparing: dict[str, list[Any]] = {}  # file id -> what to do with its copy
        self._copied: set[str] = set()  # file ids whose copy is made (their get events are over)
        self.list = FileListView()
        self.preview = PreviewPane()
        body = QHBoxLayout()
        body.addWidget(self.list, 3)
        body.addWidget(self.preview, 2)
        lay.addLayout(body, 1)
        self.note = label("", "caption")
        self.note.setObjectName("filesNote")
        lay.addWidget(self.note)
        self.empty = label("No files here yet. Add some, or drop them on this window.", "caption", wrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.empty)

        self._progress_row(lay)
        self._undo_row(lay)
        self._action_row(lay)
        self.shared = SharedWithMe(ctx, self._selected_row)  # Files → Shared with me, and Share…
        lay.addWidget(self.shared)
        self._connect(ctx)
        self._set_progress_visible(False)
        self.undo_bar.setVisible(False)
        self._selection_changed()

    def _toolbar(self, lay: QVBoxLayout) -> None:
        bar = QHBoxLayout()
        self.up_button = button("↑ Up", None, "The folder above")
        self.where = label("/", "caption")
        self.where.setObjectName("filesFolder")
        self.search = QLineEdit()
        self.search.setObjectName("filesSearch")
        self.search.setPlaceholderText("Search by name")
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setClearButtonEnabled(True)
        self.add_button = button("Add files", "primary", "Encrypt files into this folder", "plus")
        self.add_button.setIcon(icon("plus", "#ffffff"))
        self.add_button.setObjectName("addFilesButton")
        bar.addWidget(self.up_button)
        bar.addWidget(self.where)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.add_button)
        lay.addLayout(bar)

    def _view_bar(self, lay: QVBoxLayout) -> None:
        """Sort by, its direction, and list or grid."""
        bar = QHBoxLayout()
        self.sort_box = QComboBox()
        self.sort_box.setObjectName("filesSort")
        self.sort_box.addItems(list(SORTS))
        self.sort_box.setToolTip("Sort files by")
        self.order_button = QToolButton()
        self.order_button.setObjectName("filesOrder")
        self.order_button.setCheckable(True)
        self.order_button.setText("↑")
        self.order_button.setToolTip("Ascending (click for descending)")
        self.list_button, self.grid_button = QToolButton(), QToolButton()
        self.view_group = QButtonGroup(self)
        for b, text, name in ((self.list_button, "List", "filesListView"), (self.grid_button, "Grid", "filesGridView")):
            b.setText(text)
            b.setObjectName(name)
            b.setCheckable(True)
            self.view_group.addButton(b)
        self.list_button.setChecked(True)
        bar.addWidget(label("Sort by", "caption"))
        bar.addWidget(self.sort_box)
        bar.addWidget(self.order_button)
        bar.addStretch(1)
        bar.addWidget(self.list_button)
        bar.addWidget(self.grid_button)
        lay.addLayout(bar)

    def _progress_row(self, lay: QVBoxLayout) -> None:
        progress = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setObjectName("fileProgress")
        self.progress_text = label("", "caption")
        self.cancel_button = button("Cancel", None, "Stop adding this file")
        progress.addWidget(self.progress, 1)
        progress.addWidget(self.progress_text)
        progress.addWidget(self.cancel_button)
        lay.addLayout(progress)

    def _undo_row(self, lay: QVBoxLayout) -> None:
        self.undo_bar = QWidget()
        ub = QHBoxLayout(self.undo_bar)
        ub.setContentsMargins(0, 0, 0, 0)
        self.undo_text = label("", "caption")
        self.undo_button = button("Undo", None, "Keep the file")
        self.undo_button.setObjectName("undoDeleteButton")
        ub.addWidget(self.undo_text, 1)
        ub.addWidget(self.undo_button)
        lay.addWidget(self.undo_bar)
        self.undo_timer = QTimer(self)
        self.undo_timer.setSingleShot(True)
        self.undo_timer.setInterval(UNDO_SECONDS * 1000)

    def _action_row(self, lay: QVBoxLayout) -> None:
        actions = QHBoxLayout()
        self.save_button = button("Save a copy…", None, "Decrypt the selected file to a folder", "download")
        self.rename_button = button("Rename", None, "Rename the selected file", "edit")
        self.move_button = button("Move…", None, "Move the selected file to another folder")
        self.delete_button = button("Delete", "danger", "Delete the selected file (you can undo)", "trash")
        for b in (self.save_button, self.rename_button, self.move_button, self.delete_button):
            actions.addWidget(b)
        actions.addStretch(1)
        lay.addLayout(actions)

    def _connect(self, ctx: LauncherContext) -> None:
        self.up_button.clicked.connect(lambda: self.open_folder(self.folder.rsplit("/", 1)[0] or "/"))
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.add_button.clicked.connect(self.pick_files)
        self.cancel_button.clicked.connect(self.cancel_job)
        self.save_button.clicked.connect(self.save_selected)
        self.rename_button.clicked.connect(self.rename_selected)
        self.move_button.clicked.connect(self.move_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_timer.timeout.connect(self.commit_delete)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.itemDoubleClicked.connect(self._activated)
        self.list.drag_requested.connect(self.drag_file)
        self.sort_box.currentTextChanged.connect(lambda _t: self._sort_changed())
        self.order_button.toggled.connect(lambda _on: self._sort_changed())
        self.grid_button.toggled.connect(self.list.set_grid)
        ctx.subscribe(self, FilesChanged, lambda _e: self.refresh())
        ctx.subscribe(self, ActiveIdentityChanged, lambda _e: (self.copies.clear(), self.open_folder("/")))
        ctx.subscribe(self, VaultOpened, lambda _e: self.open_folder("/"))
        ctx.subscribe(self, VaultLocked, lambda _e: self.copies.clear())  # no plaintext outlives the unlock
        ctx.subscribe(self, FileProgress, self._progress)

    # -- listing -------------------------------------------------------------------------------

    def open_folder(self, folder: str) -> None:
        self.folder = folder
        self.refresh()

    def refresh(self) -> None:
        if self.ctx.node.vault is None:
            return
        query = self.search.text().strip()
        params = {"folder": None, "query": query} if query else {"folder": self.folder}
        self.ctx.ops.run(
            self.ctx.call("files_list", params), on_done=self._show, quiet=True, title="Could not list files"
        )

    def _show(self, listing: dict[str, Any]) -> None:
        self.where.setText(safe_text(self.folder))
        self.up_button.setEnabled(self.folder != "/")
        self.list.show_listing(listing, self.pending_delete["id"] if self.pending_delete else None)
        self.empty.setVisible(self.list.count() == 0)
        self._selection_changed()

    def _sort_changed(self) -> None:
        descending = self.order_button.isChecked()
        self.order_button.setText("↓" if descending else "↑")
        self.order_button.setToolTip(
            "Descending (click for ascending)" if descending else "Ascending (click for descending)"
        )
        self.list.set_sort(self.sort_box.currentText(), descending)

    def selected(self) -> dict[str, Any] | None:
        return self.list.selected_file()

    def _selected_row(self) -> dict[str, Any] | None:
        """The selected file or folder (what Share… sends)."""
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        f = self.selected()
        for b in (self.save_button, self.rename_button, self.move_button, self.delete_button):
            b.setEnabled(f is not None)
        if f is None or self.preview.file is None or self.preview.file["id"] != f["id"]:
            self.preview.show_file(f)
            if f is not None and previewable(f):
                self.with_copy(f, lambda path: self.preview.show_plain(f, path))

    # -- decrypted copies: preview and drag out ------------------------------------------------------

    def with_copy(self, f: dict[str, Any], then: Any) -> None:
        """Call `then(path)` with a decrypted copy of `f`, made first if there is none."""
        path = self.copies.ready(f)
        if path is not None:
            then(path)
            return
        waiting = self._preparing.setdefault(f["id"], [])
        waiting.append(then)
        if len(waiting) > 1:
            return  # already being decrypted
        out = self.copies.path_for(f)
        self._copied.discard(f["id"])

        def done(_r: Any) -> None:
            self._copied.add(f["id"])
            self._done()
            for fn in self._preparing.pop(f["id"], []):
                fn(out)

        def failed(_exc: BaseException) -> bool:
            self._copied.add(f["id"])
            self._done()
            self._preparing.pop(f["id"], None)
            return False  # the error is shown as any other

        params = {"file": f["id"], "out": str(out), "overwrite": True}
        self.ctx.ops.run(
            self.ctx.call("files_get", params), on_done=done, on_error=failed, title="Could not decrypt the file"
        )

    def drag_file(self, f: dict[str, Any]) -> None:
        """A file dragged out of the list: drag its decrypted copy; when that has to be made first,
        the drag starts once it is ready if the button is still held, else the next drag is instant."""
        if (path := self.copies.ready(f)) is not None:
            self.list.drag_out(f, path)
            return
        self.note.setText(f"Decrypting {safe_text(f['name'])[:60]} to drag it out…")

        def ready(path: Any) -> None:
            if QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton:
                self.note.setText("")
                self.list.drag_out(f, path)
            else:
                self.note.setText(f"{safe_text(f['name'])[:60]} is ready: drag it out again.")

        self.with_copy(f, ready)

    def _activated(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data and "folder" in data and "id" not in data:
            self.open_folder(data["folder"])

    # -- adding, with progress -------------------------------------------------------------------

    def pick_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.window(), "Add files")
        self.add_paths([Path(p) for p in paths])

    def add_paths(self, paths: list[Path]) -> None:
        async def run() -> None:
            for p in paths:
                await self.ctx.call("files_add", {"path": str(p.resolve()), "folder": self.folder})

        self.ctx.ops.run(run(), busy=self.add_button, on_done=lambda _r: self._done(), title="Could not add the file")
        self._set_progress_visible(True)

    def _progress(self, e: FileProgress) -> None:
        if e.operation == "get" and e.job in self._copied:
            return  # a late event of a copy already made: the bar is done with it
        if e.operation == "download":
            return  # the Shared with me section shows its own
        if e.job != self.job:
            self.job, self._started = e.job, time.monotonic()
        self._set_progress_visible(True)
        self.progress.setMaximum(max(e.total, 1))
        self.progress.setValue(min(e.done, e.total))
        verb = "Adding" if e.operation == "add" else "Saving"
        self.progress_text.setText(f"{verb} {safe_text(e.file_name)[:40]}: {eta_text(e.done, e.total, self._started)}")
        self.cancel_button.setVisible(e.operation == "add")

    def _done(self) -> None:
        self._set_progress_visible(False)
        self.job = None

    def _set_progress_visible(self, on: bool) -> None:
        for w in (self.progress, self.progress_text, self.cancel_button):
            w.setVisible(on)
        if not on:
            self.progress.reset()

    def cancel_job(self) -> None:
        if self.job:
            self.ctx.ops.run(self.ctx.call("files_cancel", {"job": self.job}), quiet=True)

    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and event.source() is None:  # not our own drag out
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if event.source() is not None:
            return  # our own drag out, let go over the window: the file is already here
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        files = [p for p in paths if p.is_file() or p.is_dir()]  # a folder keeps its tree
        if files:
            self.add_paths(files)
            event.acceptProposedAction()

    # -- the selected file -------------------------------------------------------------------------

    def save_selected(self, folder: str | None = None) -> None:
        f = self.selected()
        if f is None:
            return
        out = folder or QFileDialog.getExistingDirectory(self.window(), "Save a copy into")
        if out:
            params = {"file": f["id"], "out": str(Path(out).resolve())}
            self.ctx.ops.run(
                self.ctx.call("files_get", params), on_done=lambda _r: self._done(), title="Could not save"
            )

    def rename_selected(self) -> None:
        f = self.selected()
        if f is None:
            return

        async def run() -> None:
            name = await ask_text(self.window(), "Rename file", "New name:", f["name"])
            if name and name != f["name"]:
                await self.ctx.call("files_move", {"file": f["id"], "name": name})

        self.ctx.ops.run(run(), title="Could not rename the file")

    def move_selected(self) -> None:
        f = self.selected()
        if f is None:
            return

        async def run() -> None:
            folder = await ask_text(self.window(), "Move file", "To folder (e.g. /Documents):", f["folder"])
            if folder and folder != f["folder"]:
                await self.ctx.call("files_move", {"file": f["id"], "folder": folder})

        self.ctx.ops.run(run(), title="Could not move the file")

    def delete_selected(self) -> None:
        f = self.selected()
        if f is None:
            return
        if self.pending_delete is not None:
            self.commit_delete()
        self.pending_delete = f
        self.undo_text.setText(f"Deleted {safe_text(f['name'])[:60]}.")
        self.undo_bar.setVisible(True)
        self.undo_timer.start()
        self.refresh()

    def undo_delete(self) -> None:
        self.undo_timer.stop()
        self.pending_delete = None
        self.undo_bar.setVisible(False)
        self.refresh()

    def commit_delete(self) -> None:
        f, self.pending_delete = self.pending_delete, None
        self.undo_timer.stop()
        self.undo_bar.setVisible(False)
        if f is not None:
            self.ctx.ops.run(self.ctx.call("files_remove", {"file": f["id"]}), title="Could not delete the file")
