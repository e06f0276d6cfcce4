"""The launcher's approval dialogs under a flood: one dialog on screen at a time, in order, and
"Block this app's requests for now" refusing the rest of that app's queue."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtWidgets import QApplication, QPushButton

from mainframe_os.gui.prompter import ApprovalDialog
from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext
from mainframe_os.node.prompter import PromptRequest

from .conftest import shot
from .helpers import WAIT, click

APPS = [f"{i:040x}" for i in (0xA1, 0xB2, 0xC3)]


def open_dialogs() -> list[ApprovalDialog]:
    return [w for w in QApplication.allWidgets() if isinstance(w, ApprovalDialog) and w.isVisible()]


def request(app_id: str, n: int) -> PromptRequest:
    ctx = CallerContext.app(app_id, "identity-1")
    return PromptRequest("transaction", ctx, f"Send {n} wei", {"app": f"App {app_id[-2:]}", "value": f"{n} wei"})


def test_60_requests_open_one_dialog_at_a_time(qtbot: Any, launcher: Any, tmp_path: Any) -> None:
    qtbot.waitUntil(lambda: launcher.start_task.done(), timeout=WAIT)
    counts: list[int] = []
    launcher.prompter.on_open.append(lambda _d: counts.append(len(open_dialogs()) + 1))
    futs = [asyncio.ensure_future(launcher.node.prompter.ask(request(APPS[n % 3], n))) for n in range(60)]
    titles = []
    try:
        for _ in range(60):
            qtbot.waitUntil(lambda: len(open_dialogs()) == 1, timeout=WAIT)
            dlg = open_dialogs()[0]
            titles.append(dlg.request.title)
            if not titles[1:]:  # the first: it says how many wait behind it
                qtbot.waitUntil(lambda d=dlg: "59 more requests waiting" in d.queue_note.text(), timeout=WAIT)
                shot(dlg, tmp_path, "approval-with-block-button")
            qtbot.wait(5)  # give any wrongly started second dialog the chance to appear
            assert len(open_dialogs()) == 1
            click(qtbot, dlg.findChild(QPushButton, "approveButton"))
            qtbot.waitUntil(lambda d=dlg: d not in open_dialogs(), timeout=WAIT)
        qtbot.waitUntil(lambda: all(f.done() for f in futs), timeout=WAIT)
    finally:
        launcher.prompter.on_open.clear()
    assert all(f.result().approved for f in futs)
    assert titles == [f"Send {n} wei" for n in range(60)]  # in the order they were made
    assert counts == [1] * 60  # each dialog opened with no other on screen
    assert not open_dialogs()


def test_block_this_app_refuses_its_queue_and_leaves_other_apps_alone(qtbot: Any, launcher: Any) -> None:
    qtbot.waitUntil(lambda: launcher.start_task.done(), timeout=WAIT)
    flooder, other = APPS[0], APPS[1]
    flood = [asyncio.ensure_future(launcher.node.prompter.ask(request(flooder, n))) for n in range(10)]
    mine = asyncio.ensure_future(launcher.node.prompter.ask(request(other, 99)))
    qtbot.waitUntil(lambda: len(open_dialogs()) == 1, timeout=WAIT)
    dlg = open_dialogs()[0]
    assert dlg.request.caller.app_id == flooder
    click(qtbot, dlg.findChild(QPushButton, "blockButton"))
    qtbot.waitUntil(lambda: all(f.done() for f in flood), timeout=WAIT)
    assert flood[0].result().approved is False and flood[0].result().block
    assert all(isinstance(f.exception(), E.CallerBlocked) for f in flood[1:])
    # the other app's request is the next dialog, and the flooder's new requests never show
    qtbot.waitUntil(lambda: len(open_dialogs()) == 1, timeout=WAIT)
    assert open_dialogs()[0].request.caller.app_id == other
    late = asyncio.ensure_future(launcher.node.prompter.ask(request(flooder, 100)))
    qtbot.waitUntil(lambda: late.done(), timeout=WAIT)
    assert isinstance(late.exception(), E.CallerBlocked)
    click(qtbot, open_dialogs()[0].findChild(QPushButton, "approveButton"))
    qtbot.waitUntil(lambda: mine.done(), timeout=WAIT)
    assert mine.result().approved
    # the launcher's own prompts (not an app's) offer no block button
    own = asyncio.ensure_future(
        launcher.node.prompter.ask(PromptRequest("confirm", CallerContext.launcher(), "Launcher asks"))
    )
    qtbot.waitUntil(lambda: len(open_dialogs()) == 1, timeout=WAIT)
    assert open_dialogs()[0].findChild(QPushButton, "blockButton") is None
    open_dialogs()[0].reject()
    qtbot.waitUntil(lambda: own.done(), timeout=WAIT)
    assert own.result().approved is False


def test_backup_form_shows_the_node_rule_and_delete_asks_the_vault_password(qtbot: Any, launcher: Any) -> None:
    from mainframe_os.gui.dialogs import TypedConfirmDialog

    from .conftest import PASSWORD, run
    from .helpers import give_vault_password

    node = launcher.node
    qtbot.waitUntil(lambda: launcher.start_task.done(), timeout=WAIT)
    run(launcher, node.call("vault_create", {"name": "main", "password": PASSWORD}))
    run(launcher, node.call("vault_create", {"name": "spare", "password": "spare password"}))
    run(launcher, node.call("vault_unlock", {"name": "main", "password": PASSWORD}))
    launcher.window.show_main()
    qtbot.waitUntil(lambda: launcher.window.page == "main", timeout=WAIT)
    settings = launcher.window.main.settings
    launcher.window.main.show_screen("settings")

    # backup: the node's rule as they type, and the typing confirmed
    settings.show_tab("backup")
    tab = settings.backup
    tab.path.setText("/tmp/never-written.mfbackup")
    qtbot.keyClicks(tab.password, "short")
    assert "at least 8" in tab.status.text() and not tab.backup_button.isEnabled()
    qtbot.keyClicks(tab.password, " but now long")
    qtbot.keyClicks(tab.password_again, "short but now lon")
    assert "differ" in tab.status.text() and not tab.backup_button.isEnabled()
    qtbot.keyClicks(tab.password_again, "g")
    assert tab.status.text() == "" and tab.backup_button.isEnabled()

    # delete: typed confirmation, then the vault's own password; a wrong one deletes nothing
    settings.show_tab("vaults")
    vaults = settings.vaults
    qtbot.waitUntil(lambda: vaults.list.count() == 2, timeout=WAIT)
    spare = next(vaults.list.item(i) for i in range(vaults.list.count()) if "spare" in vaults.list.item(i).text())
    spare.setSelected(True)
    errors = launcher.ctx.errors

    def names() -> list[str]:
        return [v["name"] for v in run(launcher, node.call("vault_list"))]

    for password, gone in ((PASSWORD, False), ("spare password", True)):
        click(qtbot, vaults.delete_button)
        qtbot.waitUntil(lambda: isinstance(getattr(vaults, "delete_dialog", None), TypedConfirmDialog), timeout=WAIT)
        qtbot.waitUntil(lambda: vaults.delete_dialog.isVisible(), timeout=WAIT)
        qtbot.keyClicks(vaults.delete_dialog.field, "spare")
        click(qtbot, vaults.delete_dialog.ok)
        give_vault_password(qtbot, password)
        if gone:
            qtbot.waitUntil(lambda: names() == ["main"], timeout=4 * WAIT)
        else:
            qtbot.waitUntil(lambda: bool(errors.history), timeout=4 * WAIT)
            assert "Wrong vault password" in errors.history[-1][1], errors.history
            assert names() == ["main", "spare"]
            errors.current.close()
            vaults.delete_dialog = None
