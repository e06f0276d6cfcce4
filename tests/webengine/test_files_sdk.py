"""mainframe.files from a real page running the real SDK: an app with FILES writes a file larger
than any single bridge message and reads it back byte for byte; the file sits encrypted in the
user's Files under /Apps/<app id>; another app cannot see it; an app without FILES is refused."""

from __future__ import annotations

import hashlib

import pytest

pytestmark = pytest.mark.webengine

SIZE = 6 * 1024 * 1024 + 3  # many pieces: more than the bridge lets through in one second
MAKE = (
    "(() => { const b = new Uint8Array("
    + str(6 * 1024 * 1024 + 3)
    + "); for (let i = 0; i < b.length; i++) b[i] = (i * 31 + (i >> 9)) & 255; return b; })()"
)


def expected_bytes() -> bytes:
    return bytes(((i * 31 + (i >> 9)) & 255) for i in range(SIZE))


def test_an_app_streams_a_big_file_in_and_out(install_app, open_app, world, run) -> None:
    app_id = install_app(permissions={"required": ["FILES"], "optional": []})
    page = open_app(app_id)
    written = page.ok(f"mainframe.files.write('clip ✓.bin', {MAKE}, 'video/mp4')", timeout=180)
    assert written == {"name": "clip ✓.bin", "size": SIZE, "mime": "video/mp4"}
    digest = page.ok(
        "mainframe.files.read('clip ✓.bin').then(b => crypto.subtle.digest('SHA-256', b))"
        ".then(d => Array.from(new Uint8Array(d)).map(x => x.toString(16).padStart(2, '0')).join(''))",
        timeout=180,
    )
    assert digest == hashlib.sha256(expected_bytes()).hexdigest()
    assert [f["name"] for f in page.ok("mainframe.files.list()")] == ["clip ✓.bin"]

    node = world["node"]
    listed = run(node.call("files_list", {"folder": f"/Apps/{app_id}", "identityId": world["identity"]}))
    assert [(f["name"], f["size"]) for f in listed["files"]] == [("clip ✓.bin", SIZE)]

    other = open_app(install_app(permissions={"required": ["FILES"], "optional": []}))
    assert other.ok("mainframe.files.list()") == []
    assert other.err("mainframe.files.read('clip ✓.bin')")["code"] == 8001
    assert page.err("mainframe.files.write('../escape', 'x')")["code"] == 8003

    assert page.ok("mainframe.files.delete('clip ✓.bin')") is True
    assert page.ok("mainframe.files.list()") == []


def test_an_app_without_files_is_refused(install_app, open_app) -> None:
    page = open_app(install_app())  # STORAGE only
    assert page.err("mainframe.files.write('a', 'x')")["code"] == 4100


def test_an_app_picks_a_file_through_the_launchers_dialog(install_app, open_app, world, run, tmp_path) -> None:
    """mainframe.files.pick(): the launcher's own dialog (driven here as a user would), the file
    imported into the app's files, the app told its name and size but never the path; picking
    the same name again gets "name (2)"; cancelling gives null."""
    import asyncio
    import json
    import os

    from mainframe_os.gui.file_pick import FilePickDialog
    from mainframe_os.gui.prompter import GuiPrompter
    from mainframe_os.gui.qt import QDialogButtonBox, QLineEdit

    app_id = install_app("Photo Box", permissions={"required": ["FILES"], "optional": []})
    page = open_app(app_id)
    src = tmp_path / "private folder" / "holiday ✓.jpg"
    src.parent.mkdir()
    data = os.urandom(300_001)
    src.write_bytes(data)
    node = world["node"]
    gui = GuiPrompter(node=node)
    opened: list = []
    gui.on_open.append(opened.append)

    async def pick(answer) -> object:
        before = len(opened)
        await page.eval_async("(window.__pick = mainframe.files.pick(), 1)")
        for _ in range(1200):  # a loaded machine may take a while to show it
            if len(opened) > before:
                break
            await asyncio.sleep(0.05)
        dlg = opened[-1]
        assert isinstance(dlg, FilePickDialog) and dlg.isVisible()
        answer(dlg)
        return (await page.eval_async("window.__pick", 60))["ok"]

    def choose(dlg) -> None:
        assert dlg.windowTitle() == "Photo Box asks you to pick a file"
        assert "“Photo Box” gets a copy" in dlg.caller_note.text()
        dlg.grab().save(str(world["tmp"].getbasetemp() / "file-pick-dialog.png"))
        dlg.findChild(QLineEdit, "fileNameEdit").setText(str(src))  # typed, as a user may
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Open).click()

    node.prompter = gui  # the launcher's real dialogs for this test
    try:
        first = run(pick(choose), 120)
        second = run(pick(choose), 120)
        cancelled = run(
            pick(lambda dlg: dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).click()), 60
        )
    finally:
        node.prompter = world["prompter"]
    assert first == {"name": "holiday ✓.jpg", "size": 300_001, "mime": "image/jpeg"}
    assert second["name"] == "holiday ✓ (2).jpg"
    assert cancelled is None
    assert "private folder" not in json.dumps([first, second])  # the app never learns where it was
    digest = page.ok(
        "mainframe.files.read('holiday ✓.jpg').then(b => crypto.subtle.digest('SHA-256', b))"
        ".then(d => Array.from(new Uint8Array(d)).map(x => x.toString(16).padStart(2, '0')).join(''))",
        timeout=180,
    )
    assert digest == hashlib.sha256(data).hexdigest()
    assert sorted(f["name"] for f in page.ok("mainframe.files.list()")) == ["holiday ✓ (2).jpg", "holiday ✓.jpg"]


def test_pick_needs_files(install_app, open_app, world) -> None:
    page = open_app(install_app())  # STORAGE only
    before = len(world["prompter"].asked)
    assert page.err("mainframe.files.pick()")["code"] == 4100
    assert len(world["prompter"].asked) == before  # refused before any dialog
