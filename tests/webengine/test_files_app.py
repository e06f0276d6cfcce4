"""The bundled Files app (apps/files, public SDK only) in a real window: a file added through the
launcher's picker shows in its list, opens (text shown, image drawn, its SHA-256 matching the
original) and is deleted on a second click; what it holds is what the node lists."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from .test_apps import shoot

pytestmark = pytest.mark.webengine

ROWS = "Array.from(document.querySelectorAll('#files tr')).map(r => r.dataset.name)"


def settled(page, expr: str, until: str, first: str | None = None, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    """The value of `expr` once `until(value)` holds, after running `first` (a click) on the same
    turn of the loop: the page's calls to the node are answered only while the loop runs."""

    async def poll():  # type: ignore[no-untyped-def]
        if first is not None:
            await page.eval_async(first)
        end = asyncio.get_running_loop().time() + timeout
        while True:
            got = (await page.eval_async(f"[({expr})].map(v => [v, ({until})(v)])[0]"))["ok"]
            if got[1] or asyncio.get_running_loop().time() > end:
                return got[0]
            await asyncio.sleep(0.05)

    return page.run(poll(), timeout + 10)


def opener(name: str) -> str:
    return f"document.querySelector('tr[data-name=\"{name}\"] button.open').click()"


def _png(path: Path) -> bytes:
    from mainframe_os.gui.qt import QColor, QPixmap

    img = QPixmap(64, 40)
    img.fill(QColor("#2f6fdf"))
    assert img.save(str(path), "PNG")
    return path.read_bytes()


def test_files_app_adds_opens_and_deletes(world, run, open_app, tmp_path: Path) -> None:
    from mainframe_os.gui.file_pick import FilePickDialog
    from mainframe_os.gui.prompter import GuiPrompter
    from mainframe_os.gui.qt import QDialogButtonBox, QLineEdit

    node = world["node"]
    apps = {a["name"]: a for a in run(node.call("apps_list", {"identityId": world["identity"]}))}
    page = open_app(apps["Files"]["id"])
    assert settled(page, "document.getElementById('empty').hidden", "v => v === false") is False
    text = "Shopping list ✓\n- bread\n- <b>not markup</b>\n"
    notes = tmp_path / "notes ✓.txt"
    notes.write_text(text, encoding="utf-8")
    image = tmp_path / "blue.png"
    png = _png(image)
    big = tmp_path / "big.txt"  # more than the app reads whole (32 MiB)
    line = b"a line of a long log file\n"
    big.write_bytes(line * (40 * 1024 * 1024 // len(line)))

    gui = GuiPrompter(node=node)
    opened: list = []
    gui.on_open.append(opened.append)

    async def add(path: Path, rows: int) -> list[str]:
        before = len(opened)
        await page.eval_async("document.getElementById('add').click(), 1")
        for _ in range(1200):  # a loaded machine may take a while to show it
            if len(opened) > before:
                break
            await asyncio.sleep(0.05)
        dlg = opened[-1]
        assert isinstance(dlg, FilePickDialog) and dlg.windowTitle() == "Files asks you to pick a file"
        dlg.findChild(QLineEdit, "fileNameEdit").setText(str(path))
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Open).click()
        for _ in range(1800):  # the node finishes the pick while this loop runs (slow on a loaded machine)
            listed = (await page.eval_async(ROWS))["ok"]
            if len(listed) == rows:
                break
            await asyncio.sleep(0.05)
        return listed

    node.prompter = gui  # the launcher's real dialog, driven as a user would
    try:
        assert run(add(notes, 1), 120) == ["notes ✓.txt"]
        assert run(add(image, 2), 120) == ["blue.png", "notes ✓.txt"]
        assert run(add(big, 3), 120) == ["big.txt", "blue.png", "notes ✓.txt"]
    finally:
        node.prompter = world["prompter"]

    # open the text file: shown as text, never as markup, with the digest of the original bytes
    page.app.window.raise_()  # in front again after the launcher's dialogs
    page.app.window.activateWindow()
    shown = settled(
        page,
        "document.getElementById('preview-text').textContent",
        "v => v.includes('bread')",
        first=opener("notes ✓.txt"),
    )
    assert shown == text
    assert page.ok("document.querySelectorAll('#preview-text b').length") == 0
    meta = page.ok("document.getElementById('preview-meta').textContent")
    assert hashlib.sha256(text.encode()).hexdigest() in meta
    # the image is drawn from its decrypted bytes
    width = settled(
        page, "document.getElementById('preview-image').naturalWidth", "v => v > 0", first=opener("blue.png")
    )
    assert width == 64
    assert hashlib.sha256(png).hexdigest() in page.ok("document.getElementById('preview-meta').textContent")
    # a file too big to read whole: only its first piece is read and shown
    shown = settled(
        page,
        "document.getElementById('preview-text').textContent",
        "v => v.startsWith('a line')",
        first=opener("big.txt"),
    )
    assert shown.startswith(line.decode()) and len(shown) < 1024 * 1024
    assert "too big to open here whole" in page.ok("document.getElementById('preview-meta').textContent")
    settled(page, "document.getElementById('preview-image').naturalWidth", "v => v > 0", first=opener("blue.png"))
    page.app.window.resize(900, 720)
    run(asyncio.sleep(0.3))
    assert shoot(page.app.window, "files").stat().st_size > 5_000

    # delete takes a second click
    delete = "document.querySelector('tr[data-name=\"notes ✓.txt\"] button.delete').click(), 1"
    page.ok(delete)
    assert page.ok(ROWS) == ["big.txt", "blue.png", "notes ✓.txt"]
    assert settled(page, ROWS, "v => v.length === 2", first=delete) == ["big.txt", "blue.png"]
    listed = run(node.call("files_list", {"folder": f"/Apps/{apps['Files']['id']}", "identityId": world["identity"]}))
    assert [f["name"] for f in listed["files"]] == ["big.txt", "blue.png"]


def test_files_app_shares_through_the_contact_picker_and_the_users_confirmation(
    world, run, open_app, tmp_path: Path
) -> None:
    """Share… in the Files app: the launcher's contact picker, then the launcher's confirmation
    naming the app, the file and the contact; a user who says no shares nothing (the Shared list
    stays empty), nor does a contact who cannot receive files. Through the real page and SDK, an
    id no contact has for this app is refused (4012). The share that arrives: test_app_share.py."""
    from tests.security.test_app_contact_ids import add_contact

    node, prompter = world["node"], world["prompter"]
    apps = {a["name"]: a for a in run(node.call("apps_list", {"identityId": world["identity"]}))}
    page = open_app(apps["Files"]["id"])
    bob = run(add_contact(node, tmp_path, "Bob"))
    page.ok("mainframe.files.write('plan.txt', 'the plan', 'text/plain')")
    assert "plan.txt" in settled(page, ROWS, "v => v.includes('plan.txt')", first="refresh(), 1")
    assert page.err("mainframe.files.share('plan.txt', '0'.repeat(32))")["code"] == 4012
    assert page.ok("mainframe.files.shares()") == []

    asked = len(prompter.asked)
    prompter.will(True, data=[bob])  # the contact picker: the user picks Bob
    prompter.will(False)  # the confirmation: the user says no
    click = "document.querySelector('tr[data-name=\"plan.txt\"] button.share').click(), 1"
    shown = settled(page, "document.getElementById('status').textContent", "v => v.startsWith('Not shared')", click)
    assert shown == "Not shared."
    picker, confirm = prompter.asked[asked:]
    assert picker.kind == "contacts" and confirm.kind == "confirm"
    assert all(w in confirm.title for w in ("Files", "plan.txt", "Bob"))
    assert page.ok("mainframe.files.shares()") == [] and page.ok("document.querySelectorAll('#shared tr').length") == 0
    assert run(node.call("files_shares", {"identityId": world["identity"]})) == []

    # Bob came from a card, never a contact who accepted: the user confirms, the node says why
    # it cannot be sent, the app shows that line, and nothing is recorded as shared
    prompter.will(True, data=[bob])
    prompter.will(True)
    shown = settled(page, "document.getElementById('status').textContent", "v => v.startsWith('Error')", click)
    assert "Bob cannot receive files" in shown
    assert page.ok("mainframe.files.shares()") == []
    assert run(node.call("files_shares", {"identityId": world["identity"]})) == []
    page.app.window.resize(900, 720)
    run(asyncio.sleep(0.3))
    assert shoot(page.app.window, "files-share").stat().st_size > 5_000
    page.ok("mainframe.files.delete('plan.txt')")
