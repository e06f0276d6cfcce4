"""The launcher asks before a backup replaces a file that is already there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from .conftest import PASSWORD, run
from .helpers import WAIT, click, give_vault_password
from .test_bad_input import _confirm_box, setup_via_node


def test_backup_over_an_existing_file_asks_first(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher, wallet=False)
    click(qtbot, main.nav_buttons["settings"])
    main.settings.show_tab("backup")
    tab = main.settings.backup
    dest = tmp_path / "there.mfbackup"
    dest.write_bytes(b"an older backup the user keeps")
    tab.path.setText(str(dest))
    qtbot.keyClicks(tab.password, PASSWORD)
    qtbot.keyClicks(tab.password_again, PASSWORD)  # front ends confirm; the node holds the rules

    click(qtbot, tab.backup_button)
    qtbot.waitUntil(lambda: _confirm_box() is not None, timeout=WAIT)
    box = _confirm_box()
    assert box is not None and "already exists" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # no: the file stays
    qtbot.waitUntil(lambda: "kept" in tab.status.text(), timeout=WAIT)
    assert dest.read_bytes() == b"an older backup the user keeps"

    assert tab.password.text() == PASSWORD  # kept: only the answer changes
    click(qtbot, tab.backup_button)
    qtbot.waitUntil(lambda: _confirm_box() is not None, timeout=WAIT)
    box = _confirm_box()
    assert box is not None
    click(qtbot, next(b for b in box.buttons() if b.text() == "Replace"))
    give_vault_password(qtbot)  # a backup lets the whole vault leave: the password again
    qtbot.waitUntil(lambda: "Backed up" in tab.status.text(), timeout=WAIT)
    assert run(launcher, launcher.node.call("vault_inspectBackup", {"path": str(dest)}))
    assert dest.read_bytes() != b"an older backup the user keeps"
