"""The Files screen on a real node: add with a progress bar, open folders, search, save a copy
byte for byte, delete with undo (nothing reaches the node until the undo bar times out)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .conftest import run, shot
from .helpers import WAIT
from .test_bad_input import setup_via_node


def names(screen: Any) -> list[str]:
    return [screen.list.item(i).text().split("\n")[0] for i in range(screen.list.count())]


def test_add_browse_save_and_delete_with_undo(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher, wallet=False)
    node = launcher.node
    main.show_screen("files")
    screen = main.files
    big = tmp_path / "holiday video.mp4"
    big.write_bytes(os.urandom(24 * 1024 * 1024))
    note = tmp_path / "notes ✓.txt"
    note.write_text("hello")
    run(launcher, node.call("files_add", {"path": str(note), "folder": "/Notes"}))
    qtbot.waitUntil(lambda: names(screen) == ["Notes"], timeout=WAIT)

    seen: list[int] = []
    screen.progress.valueChanged.connect(seen.append)
    screen.progress.valueChanged.connect(
        lambda v: (
            shot(launcher.window, tmp_path, "files-progress") if 0 < v < big.stat().st_size and len(seen) < 3 else None
        )
    )
    screen.add_paths([big])
    qtbot.waitUntil(lambda: "holiday video.mp4" in names(screen), timeout=60_000)
    assert seen and max(seen) == big.stat().st_size  # the bar followed the add to the end
    qtbot.waitUntil(lambda: not screen.progress.isVisible(), timeout=WAIT)
    shot(launcher.window, tmp_path, "files-screen")

    screen.open_folder("/Notes")
    qtbot.waitUntil(lambda: names(screen) == ["notes ✓.txt"], timeout=WAIT)
    assert screen.where.text() == "/Notes" and screen.up_button.isEnabled()
    screen.list.item(0).setSelected(True)
    out = tmp_path / "out"
    out.mkdir()
    screen.save_selected(str(out))
    qtbot.waitUntil(lambda: (out / "notes ✓.txt").exists(), timeout=WAIT)
    assert (out / "notes ✓.txt").read_text() == "hello"

    screen.search.setText("holiday")
    qtbot.waitUntil(lambda: names(screen) == ["holiday video.mp4"], timeout=WAIT)
    screen.list.item(0).setSelected(True)
    screen.delete_selected()
    qtbot.waitUntil(lambda: names(screen) == [], timeout=WAIT)
    assert screen.undo_bar.isVisible()
    listed = run(launcher, node.call("files_list", {}))
    assert len(listed["files"]) == 2  # nothing removed yet
    screen.undo_button.click()
    qtbot.waitUntil(lambda: names(screen) == ["holiday video.mp4"], timeout=WAIT)

    screen.undo_timer.setInterval(50)
    screen.list.item(0).setSelected(True)
    screen.delete_selected()
    qtbot.waitUntil(lambda: len(run(launcher, node.call("files_list", {}))["files"]) == 1, timeout=WAIT)
    assert not screen.undo_bar.isVisible()
