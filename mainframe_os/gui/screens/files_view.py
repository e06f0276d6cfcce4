"""The Files screen's list of folders and files: a list or a grid, sorted by name, size, date or
type (folders first), and files dragged out as decrypted copies (files_copies.py says why)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mainframe_os.node.text import safe_text

from ..qt import QAbstractItemView, QDrag, QListWidget, QListWidgetItem, QMimeData, QSize, Qt, QUrl, Signal
from ..style import icon
from .files_format import human_size

SORTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "Name": lambda f: (f["name"].casefold(), f["name"]),
    "Size": lambda f: (f["size"], f["name"].casefold()),
    "Date added": lambda f: (f.get("addedAt") or 0, f["name"].casefold()),
    "Type": lambda f: ((f.get("mime") or "~").casefold(), f["name"].casefold()),
}


class FileListView(QListWidget):
    """Shows one listing (files_list's answer); `drag_requested` asks the screen for a file's
    decrypted copy, which `drag_out` then drags."""

    drag_requested = Signal(dict)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("fileList")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.grid = False
        self.sort_by, self.descending = "Name", False
        self._listing: dict[str, Any] | None = None
        self._hidden: str | None = None
        self.set_grid(False)

    def set_grid(self, on: bool) -> None:
        self.grid = on
        if on:
            self.setViewMode(QListWidget.ViewMode.IconMode)
            self.setIconSize(QSize(56, 56))
            self.setGridSize(QSize(128, 112))
            self.setResizeMode(QListWidget.ResizeMode.Adjust)
            self.setMovement(QListWidget.Movement.Static)
            self.setWordWrap(True)
        else:
            self.setViewMode(QListWidget.ViewMode.ListMode)
            self.setIconSize(QSize(28, 28))
            self.setGridSize(QSize())
            self.setWordWrap(False)
        self.setDragEnabled(True)  # IconMode turns it off
        self._fill()

    def set_sort(self, by: str, descending: bool) -> None:
        self.sort_by, self.descending = by, descending
        self._fill()

    def show_listing(self, listing: dict[str, Any], hidden: str | None) -> None:
        """`hidden`: a file id not to show (deleted, waiting for its undo to time out)."""
        self._listing, self._hidden = listing, hidden
        self._fill()

    def _fill(self) -> None:
        selected = self.selected_file()
        self.clear()
        if self._listing is None:
            return
        listing = self._listing
        folder = listing["folder"] or "/"
        for name in sorted(listing["folders"], key=str.casefold, reverse=self.descending and self.sort_by == "Name"):
            item = QListWidgetItem(icon("folder"), safe_text(name))
            item.setData(Qt.ItemDataRole.UserRole, {"folder": folder.rstrip("/") + "/" + name})
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
            self.addItem(item)
        files = [f for f in listing["files"] if f["id"] != self._hidden]
        files.sort(key=SORTS[self.sort_by], reverse=self.descending)
        for f in files:
            self.addItem(self._file_item(f, in_search=listing["folder"] is None))
            if selected is not None and f["id"] == selected["id"]:
                self.item(self.count() - 1).setSelected(True)

    def _file_item(self, f: dict[str, Any], in_search: bool) -> QListWidgetItem:
        where = f"  ·  in {f['folder']}" if in_search else ""
        details = f"{human_size(f['size'])}  ·  {f['mime'] or 'file'}{where}"
        text = safe_text(f["name"]) if self.grid else f"{safe_text(f['name'])}\n{details}"
        item = QListWidgetItem(icon("files"), text)
        item.setData(Qt.ItemDataRole.UserRole, f)
        tip = f"{safe_text(f['name'])}\n{details}\n" if self.grid else ""
        item.setToolTip(f"{tip}CID of the encrypted file: {f['cid']}")
        if self.grid:
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        return item

    def selected_file(self) -> dict[str, Any] | None:
        items = self.selectedItems()
        data = items[0].data(Qt.ItemDataRole.UserRole) if items else None
        return data if data and "id" in data else None

    # -- dragging out ------------------------------------------------------------------------------

    def startDrag(self, _actions: Any) -> None:  # noqa: N802 - Qt's name
        f = self.selected_file()
        if f is not None:
            self.drag_requested.emit(f)

    def drag_out(self, f: dict[str, Any], path: Path) -> Qt.DropAction:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(icon("files").pixmap(48, 48))
        drag.setHotSpot(drag.pixmap().rect().center())
        return self.exec_drag(drag)

    def exec_drag(self, drag: QDrag) -> Qt.DropAction:
        """Qt's drag loop (a test replaces it to look at what would be dropped)."""
        return drag.exec(Qt.DropAction.CopyAction)
