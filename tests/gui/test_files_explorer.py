"""The Files explorer on a real node: grid and list views, sorting by name, size and date (folders
first), a preview that draws an image and shows the start of a text file as plain text, and a
file dragged out as a decrypted copy in a private folder that is wiped when the vault locks."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

from .conftest import run, shot
from .helpers import WAIT
from .test_bad_input import setup_via_node


def names(screen: Any) -> list[str]:
    return [screen.list.item(i).text().split("\n")[0] for i in range(screen.list.count())]


def select(screen: Any, name: str) -> None:
    screen.list.clearSelection()
    screen.list.item(names(screen).index(name)).setSelected(True)


def _png(path: Path) -> None:
    from mainframe_os.gui.qt import QColor, QPainter, QPixmap

    pix = QPixmap(320, 200)
    pix.fill(QColor("#2f6fdf"))
    p = QPainter(pix)
    p.fillRect(40, 40, 120, 80, QColor("#f5b700"))
    p.end()
    assert pix.save(str(path), "PNG")


def test_grid_sort_preview_and_drag_out(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    from mainframe_os.gui.qt import QListWidget, Qt

    main = setup_via_node(qtbot, launcher, wallet=False)
    node = launcher.node
    main.show_screen("files")
    screen = main.files
    src = tmp_path / "src"
    src.mkdir()
    (src / "b-notes.txt").write_text("line one <b>not bold</b>\nline two ✓\n", encoding="utf-8")
    _png(src / "c-sky.png")
    (src / "a-big.bin").write_bytes(os.urandom(600_000))
    for name in ("c-sky.png", "a-big.bin", "b-notes.txt"):  # added in this order: by date, neither by name nor size
        run(launcher, node.call("files_add", {"path": str(src / name), "folder": "/Stuff"}))
        time.sleep(0.01)
    run(launcher, node.call("files_add", {"path": str(src / "b-notes.txt"), "folder": "/Stuff/Inner"}))
    screen.open_folder("/Stuff")
    qtbot.waitUntil(lambda: names(screen) == ["Inner", "a-big.bin", "b-notes.txt", "c-sky.png"], timeout=WAIT)

    # sorting: folders stay first; size, date added, and descending
    screen.sort_box.setCurrentText("Size")
    assert names(screen) == ["Inner", "b-notes.txt", "c-sky.png", "a-big.bin"]
    screen.sort_box.setCurrentText("Date added")
    assert names(screen) == ["Inner", "c-sky.png", "a-big.bin", "b-notes.txt"]
    screen.order_button.click()
    assert names(screen) == ["Inner", "b-notes.txt", "a-big.bin", "c-sky.png"]
    assert screen.order_button.text() == "↓"
    screen.order_button.click()
    screen.sort_box.setCurrentText("Name")

    # the text preview: plain text, never markup
    select(screen, "b-notes.txt")
    qtbot.waitUntil(lambda: screen.preview.text.isVisible(), timeout=WAIT)
    assert screen.preview.text.toPlainText() == "line one <b>not bold</b>\nline two ✓\n"
    assert screen.preview.title.text() == "b-notes.txt" and "CID b" in screen.preview.meta.text()
    # the image preview: drawn from the decrypted bytes
    select(screen, "c-sky.png")
    qtbot.waitUntil(lambda: screen.preview.image.isVisible(), timeout=WAIT)
    assert not screen.preview.image.pixmap().isNull() and screen.preview.note.text() == "320 × 200 pixels"
    launcher.window.resize(1100, 720)
    shot(launcher.window, tmp_path, "files-explorer-list")
    # a type with no preview says so and decrypts nothing
    select(screen, "a-big.bin")
    assert "No preview" in screen.preview.note.text()
    assert not screen.preview.image.isVisible() and not screen.preview.text.isVisible()

    # grid view: names only, icons in a grid, the same order; back to the list
    screen.grid_button.click()
    assert screen.list.viewMode() == QListWidget.ViewMode.IconMode
    assert names(screen) == ["Inner", "a-big.bin", "b-notes.txt", "c-sky.png"]
    assert all("\n" not in screen.list.item(i).text() for i in range(screen.list.count()))
    select(screen, "c-sky.png")
    qtbot.waitUntil(lambda: screen.preview.image.isVisible(), timeout=WAIT)
    shot(launcher.window, tmp_path, "files-explorer-grid")
    screen.list_button.click()
    assert screen.list.viewMode() == QListWidget.ViewMode.ListMode

    # dragging out: the drop target gets a file URL of a decrypted copy, byte for byte
    dropped: list[Any] = []
    screen.list.exec_drag = lambda drag: (dropped.append(drag.mimeData().urls()), Qt.DropAction.CopyAction)[1]
    select(screen, "a-big.bin")
    screen.list.startDrag(Qt.DropAction.CopyAction)  # not decrypted yet, and no button held:
    qtbot.waitUntil(lambda: "ready: drag it out again" in screen.note.text(), timeout=WAIT)
    assert dropped == []  # no drag started behind the user's back
    screen.list.startDrag(Qt.DropAction.CopyAction)  # the copy is ready: the drag starts at once
    assert len(dropped) == 1 and len(dropped[0]) == 1
    out = Path(dropped[0][0].toLocalFile())
    assert out.name == "a-big.bin" and out.read_bytes() == (src / "a-big.bin").read_bytes()
    assert stat.S_IMODE(out.parent.parent.stat().st_mode) == 0o700  # the copies' folder is private
    assert not str(out).startswith(str(launcher.node.paths.files.parent))  # never inside the home

    # our own drag let go over the window adds nothing
    before = len(run(launcher, node.call("files_list", {}))["files"])

    class Drop:
        def source(self) -> Any:
            return screen.list

        def mimeData(self) -> Any:  # noqa: N802 - Qt's name
            raise AssertionError("our own drag must not be read back")

    screen.dropEvent(Drop())
    assert len(run(launcher, node.call("files_list", {}))["files"]) == before

    # locking the vault wipes every decrypted copy
    run(launcher, node.call("vault_lock", {}))
    qtbot.waitUntil(lambda: not out.exists(), timeout=WAIT)
    assert list(screen.copies.root.iterdir()) == []


def test_copies_a_crashed_launcher_left_are_removed_at_start(tmp_path: Path) -> None:
    import subprocess
    import sys

    from mainframe_os.gui.screens.files_copies import PREFIX, PlainCopies

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{PREFIX}{int(gone.stdout)}-x1"  # that process has ended
    alive = tmp_path / f"{PREFIX}{os.getpid()}-x2"  # a launcher still running
    for d in (dead, alive):
        d.mkdir()
        (d / "plain.txt").write_text("decrypted")
    copies = PlainCopies(tmp_path)
    assert not dead.exists() and alive.exists()
    assert stat.S_IMODE(copies.root.stat().st_mode) == 0o700
    copies.close()
    assert not copies.root.exists()
