"""Issue 10.4, a prompt flood from a real page: 300 concurrent eth_requestAccounts make ONE
launcher dialog (the real ApprovalDialog), and answering it settles all 300 promises alike."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.webengine


def _open_dialogs() -> list[Any]:
    from PySide6.QtWidgets import QApplication

    from mainframe_os.gui.prompter import ApprovalDialog

    return [w for w in QApplication.allWidgets() if isinstance(w, ApprovalDialog) and w.isVisible()]


async def _until(cond: Any, timeout: float = 30.0) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > end:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


def _fire_and_wait(page: Any, run: Any, code: str, cond: Any) -> None:
    """Fire requests from the page and wait for `cond` inside one run of the loop: the bridge calls
    never sit in Qt's queue between two runs (the harness's loop is stopped there; the launcher's never is)."""

    async def go() -> None:
        r = await page.eval_async(code)
        assert "ok" in r, r
        await _until(cond)

    run(go(), 60)


def test_300_concurrent_request_accounts_make_one_prompt(world, run, install_app, open_app) -> None:
    from mainframe_os.gui.prompter import GuiPrompter
    from mainframe_os.node.prompt_queue import caller_key

    node = world["node"]
    app_id = install_app("Flood")
    page = open_app(app_id)
    caller = caller_key(page.app.ctx)
    gui = GuiPrompter()
    opened: list[Any] = []
    gui.on_open.append(opened.append)
    node.prompter = gui  # the launcher's real dialogs for this test
    try:
        _fire_and_wait(
            page,
            run,
            "(window.__flood = Promise.allSettled(Array.from({length: 300}, () =>"
            " ethereum.request({method: 'eth_requestAccounts'}))), 1)",
            lambda: node.prompter.requests_waiting(caller) == 300,
        )
        assert len(opened) == 1 and len(_open_dialogs()) == 1
        dlg = _open_dialogs()[0]
        assert dlg.request.kind == "permission" and "connect" in dlg.request.title
        dlg.findChild(type(dlg.reject_button), "approveButton").click()
        settled = page.ok(
            "window.__flood.then(rs => rs.map(r => r.status === 'fulfilled' ? JSON.stringify(r.value) : 'x' + r.reason.code))",
            timeout=60,
        )
    finally:
        node.prompter = world["prompter"]
    assert len(settled) == 300
    assert len(set(settled)) == 1 and settled[0].startswith('["0x'), settled[:3]
    assert len(opened) == 1  # one dialog for the whole flood
    assert node.prompter.requests_waiting(caller) == 0


def _open(world: Any, run: Any, app_id: str) -> Any:
    """Open the app's window (closed by the test itself: it reopens the app)."""
    from .conftest import Page

    window = run(world["host"].open(app_id, world["identity"], show=True))
    page = Page(world, run, window.app)
    run(page.wait_ready())
    return page


def test_block_this_app_lasts_until_it_is_reopened(world, run, install_app) -> None:
    from mainframe_os.gui.prompter import GuiPrompter
    from mainframe_os.node.prompt_queue import caller_key

    node = world["node"]
    app_id = install_app("Blocked")
    page = _open(world, run, app_id)
    caller = caller_key(page.app.ctx)
    gui = GuiPrompter()
    node.prompter = gui
    try:
        _fire_and_wait(
            page,
            run,
            "(window.__asks = Promise.allSettled(Array.from({length: 30}, () =>"
            " ethereum.request({method: 'eth_requestAccounts'}))), 1)",
            lambda: len(_open_dialogs()) == 1,
        )
        _open_dialogs()[0].findChild(type(_open_dialogs()[0].reject_button), "blockButton").click()
        codes = page.ok("window.__asks.then(rs => rs.map(r => r.status === 'rejected' ? r.reason.code : 'ok'))", 30)
        assert codes == [4001] * 30
        # new requests are refused at once, with no dialog
        err = page.err("ethereum.request({method: 'eth_requestAccounts'})")
        assert err["code"] == 4001 and "blocked" in err["message"]
        assert not _open_dialogs() and node.prompter.is_blocked(caller)
        # reopened, the app may ask again
        page.app.window.close()
        run(_until(lambda: not any(a.ctx.app_id == app_id for a in world["host"].apps.values())))
        page = _open(world, run, app_id)
        _fire_and_wait(
            page,
            run,
            "(window.__again = ethereum.request({method: 'eth_requestAccounts'}), 1)",
            lambda: len(_open_dialogs()) == 1,
        )
        _open_dialogs()[0].reject()
        assert page.err("window.__again")["code"] == 4001
    finally:
        node.prompter = world["prompter"]
        page.app.window.close()
    assert not node.prompter.is_blocked(caller)
