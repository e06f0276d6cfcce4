"""The launcher's file picker for apps (`mainframe.files.pick()`): a file dialog the launcher
draws, so the app never sees the file system. The node adds the picked file to the app's files
and hands the app only its name, size and type.

Qt's own (non-native) dialog: it shows which app asks inside the dialog, and behaves the same on
every desktop and offscreen.
"""

from __future__ import annotations

from pathlib import Path

from mainframe_os.node.prompter import PromptRequest, PromptResult

from .qt import QDialog, QFileDialog, QLabel, Qt, QWidget


class FilePickDialog(QFileDialog):
    """One file for one app; `result_value()` answers the node's "file" prompt."""

    def __init__(self, request: PromptRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.setObjectName("filePickDialog")
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.setFileMode(QFileDialog.FileMode.ExistingFile)
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        self.setWindowTitle(request.title)
        self.setLabelText(QFileDialog.DialogLabel.Accept, "Give to app")
        self.setModal(True)
        self.setDirectory(str(Path.home()))  # not the launcher's working directory
        app = request.details.get("app") or request.caller.app_id or "The app"
        note = QLabel(
            f"“{app}” gets a copy of the file you pick, encrypted in its own files. "
            "It never sees where the file is or anything else on this computer."
        )
        note.setObjectName("caption")
        note.setTextFormat(Qt.TextFormat.PlainText)  # the app's name is the developer's text
        note.setWordWrap(True)
        if developer := request.details.get("developer"):
            note.setToolTip(f"Developer: {developer}")
        self.caller_note = note
        grid = self.layout()
        grid.addWidget(note, grid.rowCount(), 0, 1, grid.columnCount())  # type: ignore[attr-defined]

    def result_value(self) -> PromptResult:
        files = self.selectedFiles()
        if self.result() == QDialog.DialogCode.Accepted and files:
            return PromptResult(True, "approve", files[0])
        return PromptResult(False)


__all__ = ["FilePickDialog"]
