"""The Files screen's preview: an image drawn, or the start of a text file, read from the
decrypted copy (files_copies.py); for other types (and files too big to decrypt just to look at)
the name, size, type and CID, and how to open it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from mainframe_os.node.text import safe_text

from ..qt import QFrame, QLabel, QPixmap, QPlainTextEdit, Qt, QVBoxLayout
from ..widgets import label
from .files_view import human_size

PREVIEW_MAX = 32 * 1024 * 1024  # bytes decrypted only to look at a file
TEXT_SHOWN = 64 * 1024  # characters of a text file shown
TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/x-sh")


def kind_of(f: dict[str, Any]) -> str | None:
    """'image' or 'text' when the preview can show `f`, else None."""
    mime = f.get("mime") or ""
    if mime.startswith("image/") and mime != "image/svg+xml":  # an SVG is a document: shown as text
        return "image"
    if mime.startswith("text/") or mime in TEXT_TYPES or mime == "image/svg+xml":
        return "text"
    return None


def previewable(f: dict[str, Any]) -> bool:
    return kind_of(f) is not None and f["size"] <= PREVIEW_MAX


class PreviewPane(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("filePreview")
        self.setMinimumWidth(240)
        lay = QVBoxLayout(self)
        self.title = label("", "sectionTitle", wrap=True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.meta = label("", "caption", wrap=True)
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        self.image = QLabel()
        self.image.setObjectName("previewImage")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumHeight(160)
        self.text = QPlainTextEdit()
        self.text.setObjectName("previewText")
        self.text.setReadOnly(True)
        self.note = label("", "caption", wrap=True)
        for w in (self.title, self.meta, self.image, self.text, self.note):
            lay.addWidget(w)
        lay.addStretch(1)
        self.file: dict[str, Any] | None = None
        self.show_file(None)

    def show_file(self, f: dict[str, Any] | None) -> None:
        """What is known without decrypting; `show_plain` adds the contents when they are ready."""
        self.file = f
        self.image.clear()
        self.image.setVisible(False)
        self.text.setVisible(False)
        if f is None:
            self.title.setText("")
            self.meta.setText("")
            self.note.setText("Select a file to see it here.")
            return
        added = dt.datetime.fromtimestamp(f.get("addedAt") or 0).strftime("%Y-%m-%d %H:%M")
        self.title.setText(safe_text(f["name"]))
        cid = str(f["cid"])
        self.meta.setText(
            f"{human_size(f['size'])}  ·  {f['mime'] or 'unknown type'}\nadded {added}\nCID {cid[:12]}…{cid[-6:]}"
        )
        self.meta.setToolTip(f"CID of the encrypted file: {cid}")  # a CID has no place to wrap
        if kind_of(f) is None:
            self.note.setText("No preview for this type: drag it out or save a copy to open it.")
        elif f["size"] > PREVIEW_MAX:
            self.note.setText(f"Larger than {human_size(PREVIEW_MAX)}: save a copy to open it.")
        else:
            self.note.setText("Decrypting…")

    def show_plain(self, f: dict[str, Any], path: Path) -> None:
        if self.file is None or self.file["id"] != f["id"]:
            return  # another file was selected meanwhile
        if kind_of(f) == "image":
            pix = QPixmap(str(path))
            if pix.isNull():
                self.note.setText("This image cannot be drawn (damaged, or a format Qt does not read).")
                return
            width = max(self.width() - 24, 200)
            self.image.setPixmap(
                pix.scaled(width, 360, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
                if pix.width() > width or pix.height() > 360
                else pix
            )
            self.image.setVisible(True)
            self.note.setText(f"{pix.width()} × {pix.height()} pixels")
            return
        with open(path, "rb") as fh:
            head = fh.read(TEXT_SHOWN * 4)
        shown = head.decode("utf-8", errors="replace")[:TEXT_SHOWN]
        self.text.setPlainText(shown)
        self.text.setVisible(True)
        cut = len(shown) < f["size"] and len(head) == TEXT_SHOWN * 4 or len(shown) == TEXT_SHOWN
        self.note.setText("The beginning of the file." if cut else "")
