"""Files → Shared with me on a real launcher, with a second real node (a contact) on 127.0.0.1:
what the contact shares appears, Download fills a progress bar and lists the files; Share…
sends the selected file to the contact, who sees it in their Shared with me."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mainframe_os.gui.qt import QApplication
from mainframe_os.gui.screens.files_shared import ShareDialog
from tests.integration.comms.conftest import Peer, befriend, make_peer

from .conftest import run, shot
from .helpers import WAIT
from .test_bad_input import setup_via_node


def test_download_a_share_and_share_back(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher, wallet=False)
    node = launcher.node
    me = Peer(node, "Alice")
    me.card = run(launcher, node.call("peer_card"))["card"]
    sam = run(launcher, make_peer(tmp_path / "sam", "Sam"), timeout=60)
    try:
        sam_at_me, me_at_sam = run(launcher, befriend(me, sam), timeout=90)
        report = tmp_path / "Report"
        report.mkdir()
        (report / "summary.txt").write_text("numbers")
        (report / "data.bin").write_bytes(os.urandom(3 * 1024 * 1024))
        run(launcher, sam.call("files_add", {"path": str(report)}), timeout=60)
        run(launcher, sam.call("files_share", {"file": "/Report", "contact": me_at_sam}), timeout=60)

        main.show_screen("files")
        panel = main.files.shared
        qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=60_000)
        assert "Report" in panel.list.item(0).text() and "from Sam" in panel.list.item(0).text()
        assert panel.list.item(0).text().endswith("ready to download")
        panel.list.item(0).setSelected(True)
        assert panel.download_button.isEnabled()
        seen: list[int] = []
        panel.progress.valueChanged.connect(seen.append)
        panel.progress.valueChanged.connect(
            lambda v: shot(launcher.window, tmp_path, "files-shared-progress") if len(seen) == 2 else None
        )
        panel.download_selected()
        qtbot.waitUntil(lambda: panel.list.item(0).text().endswith("·  downloaded"), timeout=90_000)
        assert seen and max(seen) > 3 * 1024 * 1024
        assert not panel.progress.isVisible()
        listed = run(launcher, node.call("files_list", {"folder": "/Shared with me/Report"}))
        assert sorted(f["name"] for f in listed["files"]) == ["data.bin", "summary.txt"]
        shot(launcher.window, tmp_path, "files-shared")

        # Share… the selected file back to Sam
        note = tmp_path / "reply.txt"
        note.write_text("thanks")
        run(launcher, node.call("files_add", {"path": str(note)}))
        main.files.open_folder("/")
        qtbot.waitUntil(lambda: _row(main.files, "reply.txt") is not None, timeout=WAIT)
        _row(main.files, "reply.txt").setSelected(True)
        panel.share_selected()
        qtbot.waitUntil(lambda: _dialog() is not None, timeout=WAIT)
        dialog = _dialog()
        assert dialog.who.currentText() == "Sam"
        shot(dialog, tmp_path, "files-share-dialog")
        dialog.accept()
        qtbot.waitUntil(lambda: "Shared reply.txt" in panel.note.text(), timeout=60_000)

        # Public link… : only after the warning is accepted; the link is copied
        _row(main.files, "reply.txt").setSelected(True)
        panel.publish_selected()
        qtbot.waitUntil(lambda: _confirm_box() is not None, timeout=WAIT)
        box = _confirm_box()
        assert "unencrypted" in box.text()
        shot(box, tmp_path, "files-public-warning")
        next(b for b in box.buttons() if b.text() == "Make public").click()
        qtbot.waitUntil(lambda: "Public link copied" in panel.note.text(), timeout=60_000)
        (public,) = run(launcher, node.call("files_public"))
        assert public["name"] == "reply.txt" and QApplication.clipboard().text() == public["link"]

        def sam_sees() -> bool:
            return [s["name"] for s in run(launcher, sam.call("files_shared"))] == ["reply.txt"]

        qtbot.waitUntil(sam_sees, timeout=60_000)

        # Shared by me… : the share to Sam, Revoke only after a confirmation, then this node serves it no more
        panel.show_shared_by_me()
        qtbot.waitUntil(lambda: _by_me() is not None and _by_me().list.count() == 1, timeout=WAIT)
        by_me = _by_me()
        assert by_me.list.item(0).text().startswith("/reply.txt") and by_me.list.item(0).text().endswith("shared")
        assert by_me.revoke_button.isEnabled()
        shot(by_me, tmp_path, "files-shared-by-me")
        by_me.revoke_selected()
        qtbot.waitUntil(lambda: _confirm_box() is not None, timeout=WAIT)
        box = _confirm_box()
        assert "Stop sharing /reply.txt" in box.text() and "stay theirs" in box.text()
        next(b for b in box.buttons() if b.text() == "Revoke").click()
        qtbot.waitUntil(lambda: by_me.list.count() == 1 and by_me.list.item(0).text().endswith("revoked"), timeout=WAIT)
        assert [r["revoked"] for r in run(launcher, node.call("files_shares"))] == [True]
        assert not by_me.revoke_button.isEnabled()
        by_me.reject()
    finally:
        run(launcher, sam.node.close(), timeout=60)


def _row(screen: Any, name: str) -> Any:
    for i in range(screen.list.count()):
        if screen.list.item(i).text().split("\n")[0] == name:
            return screen.list.item(i)
    return None


def _dialog() -> ShareDialog | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, ShareDialog) and w.isVisible()]
    return found[0] if found else None


def _by_me() -> Any:
    found = [w for w in QApplication.topLevelWidgets() if w.objectName() == "sharedByMeDialog" and w.isVisible()]
    return found[0] if found else None


def _confirm_box() -> Any:
    found = [w for w in QApplication.topLevelWidgets() if w.objectName() == "confirmBox" and w.isVisible()]
    return found[0] if found else None
