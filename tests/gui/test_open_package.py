"""Opening a .mfapp file with the launcher (what a double-click in the file manager does):
`mainframe-os FILE.mfapp` reviews it for install, right away when a vault is open, after the
unlock otherwise (the lock screen says so); a second launch hands the path to the running
launcher of that home instead of starting another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from mainframe_os.gui.app import _is_package
from mainframe_os.gui.single_instance import signal_running

from .conftest import PASSWORD, shot
from .helpers import WAIT, click
from .test_apps import developer, hello_copy, pack, review_dialog
from .test_bad_input import setup_via_node

pytestmark = pytest.mark.timeout(180)


def _package(launcher: Any, tmp_path: Path, name: str) -> Path:
    dev = developer(launcher)
    return pack(launcher, dev, hello_copy(tmp_path, name), tmp_path / f"{name.lower().replace(' ', '-')}.mfapp")


def test_package_opened_while_locked_is_reviewed_after_unlock(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    setup_via_node(qtbot, launcher)
    pkg = _package(launcher, tmp_path, "Hello Opened")
    w = launcher.window
    w.lock()
    qtbot.waitUntil(lambda: w.page == "lock", timeout=WAIT)

    launcher.open_package(str(pkg))
    banner = w.lock_screen.pending_install
    assert banner.isVisible() and "hello-opened.mfapp" in banner.text()
    shot(w, tmp_path, "lock-pending-install")

    qtbot.keyClicks(w.lock_screen.password, PASSWORD)
    click(qtbot, w.lock_screen.unlock_button)
    dlg = review_dialog(qtbot, launcher)
    assert dlg.title.text() == "Install Hello Opened?"
    assert w.main.current_screen() == "apps"
    assert not banner.isVisible()
    dlg.reject()


def test_second_launch_hands_the_package_to_the_running_launcher(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    setup_via_node(qtbot, launcher)
    pkg = _package(launcher, tmp_path, "Hello Handed")
    # What `mainframe-os --home H hello-handed.mfapp` does first: find the launcher of H, hand over.
    assert signal_running(launcher.home, open_path=str(pkg))
    dlg = review_dialog(qtbot, launcher)
    assert dlg.title.text() == "Install Hello Handed?"
    dlg.reject()
    QApplication.processEvents()
    # A home nobody runs: no hand-over, the caller starts its own launcher.
    assert not signal_running(tmp_path / "other-home", open_path=str(pkg))


def test_only_packages_are_taken_from_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    assert not _is_package(str(folder))  # a folder without a manifest
    (folder / "manifest.json").write_text("{}")
    assert _is_package(str(folder)) and _is_package("game.mfapp")
    assert not _is_package("offscreen")  # e.g. the value of Qt's -platform


def test_screenshot_option_saves_the_first_screen_and_quits(tmp_path: Path) -> None:
    """`mainframe-os --screenshot FILE` (what the packaging tests use on installed builds)."""
    import json
    import subprocess
    import sys

    png = tmp_path / "first.png"
    r = subprocess.run(
        [sys.executable, "-m", "mainframe_os.gui.app", "--home", str(tmp_path / "h"), "--screenshot", str(png)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    info = json.loads(png.with_suffix(".json").read_text())
    assert info["page"] == "onboarding" and "createVaultButton" in info["widgets"], info
    assert "Welcome to Mainframe OS" in info["texts"] and png.stat().st_size > 5000
    assert "unhandled" not in (tmp_path / "h" / "logs" / "launcher.log").read_text()


def test_a_second_instance_does_not_take_over_a_running_launcher(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    from mainframe_os.gui.single_instance import SingleInstance

    qtbot.waitUntil(lambda: launcher.start_task.done(), timeout=WAIT)
    opened: list[str] = []
    launcher.single.on_open = opened.append
    other: list[str] = []
    second = SingleInstance(launcher.home, lambda: None, other.append)  # e.g. a --screenshot run
    try:
        assert signal_running(launcher.home, open_path=str(tmp_path / "x.mfapp"))
        qtbot.waitUntil(lambda: bool(opened or other), timeout=WAIT)
        assert opened == [str(tmp_path / "x.mfapp")], (opened, other)
        assert other == []
    finally:
        second.close()
