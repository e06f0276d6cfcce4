"""Settings ▸ Backup offers the files' blocks as an option, with their size shown before anything
starts; checked, the blocks are written beside the backup as a CAR file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mainframe_os.gui.qt import Qt

from .conftest import PASSWORD, run, shot
from .helpers import WAIT, give_vault_password
from .test_bad_input import setup_via_node


def test_backup_with_the_files_blocks(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher, wallet=False)
    src = tmp_path / "album.zip"
    src.write_bytes(os.urandom(3 * 1024 * 1024))
    run(launcher, launcher.node.call("files_add", {"path": str(src)}), timeout=60)
    main.show_screen("settings")
    main.settings.show_tab("backup")
    tab = main.settings.backup
    qtbot.waitUntil(lambda: "MiB" in tab.with_blocks.text(), timeout=WAIT)
    assert "3.0 MiB" in tab.with_blocks.text() and not tab.with_blocks.isChecked()  # an option, off
    dest = tmp_path / "main.mfbackup"
    tab.path.setText(str(dest))
    tab.password.setText(PASSWORD)
    tab.password_again.setText(PASSWORD)
    tab.with_blocks.setChecked(True)
    shot(main, tmp_path, "settings-backup-blocks")
    qtbot.mouseClick(tab.backup_button, Qt.MouseButton.LeftButton)
    give_vault_password(qtbot)
    qtbot.waitUntil(lambda: "File blocks" in tab.status.text(), timeout=60_000)
    car = Path(f"{dest}.blocks.car")
    assert dest.is_file() and car.is_file() and car.stat().st_size > 3 * 1024 * 1024
