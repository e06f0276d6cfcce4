"""Bad input and awkward moments: a send that cannot go, a network that is down, closing the
window during a backup, keyboard-only use of onboarding and the send form."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from .conftest import PASSWORD, run
from .helpers import WAIT, balance, click, give_vault_password

pytestmark = pytest.mark.timeout(120)


def setup_via_node(qtbot: Any, launcher: Any, wallet: bool = True) -> Any:
    """A vault, an identity and a wallet made through the node (the onboarding test clicks
    them); then the main window."""
    node = launcher.node
    qtbot.waitUntil(lambda: launcher.start_task.done(), timeout=WAIT)
    run(launcher, node.call("vault_create", {"name": "main", "password": PASSWORD}))
    run(launcher, node.call("identity_create", {"displayName": "Alice"}))
    if wallet:
        phrase = run(launcher, node.call("wallet_generatePhrase"))["phrase"]
        run(launcher, node.call("wallet_create", {"phrase": phrase}))
    launcher.window.show_main()
    qtbot.waitUntil(lambda: launcher.window.page == "main", timeout=WAIT)
    return launcher.window.main


def focus_chain(qtbot: Any, start: Any, steps: int) -> list[Any]:
    """Press Tab `steps` times from `start`; the widgets that had focus, in order."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=WAIT)
    seen = [start]
    for _ in range(steps):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    return seen


# -- send: the button stays disabled and says why ------------------------------------------------


def test_send_refuses_bad_address_and_amount(qtbot: Any, launcher: Any) -> None:
    main = setup_via_node(qtbot, launcher)
    click(qtbot, main.nav_buttons["wallet"])
    wallet = main.wallet
    qtbot.waitUntil(lambda: balance(wallet, "ETH") != "", timeout=WAIT)
    wallet.tabs.setCurrentWidget(wallet.send)
    send = wallet.send
    assert not send.send_button.isEnabled() and "recipient" in send.why.text()
    cases = [
        ("0x1234", "1", "not a valid address"),
        ("hello", "1", "not a valid address"),
        ("0x" + "ab" * 20, "", "Enter an amount"),
        ("0x" + "ab" * 20, "abc", "not a number"),
        ("0x" + "ab" * 20, "-1", "greater than zero"),
        ("0x" + "ab" * 20, "0", "greater than zero"),
        ("0x" + "ab" * 20, "0,001", "use a point for decimals"),
        ("0x" + "ab" * 20, "1 000", "not a number"),
        ("0x" + "ab" * 20, "1000000", "more than your ETH balance"),
    ]
    for to, amount, why in cases:
        send.to.lineEdit().clear()
        send.amount.clear()
        qtbot.keyClicks(send.to.lineEdit(), to)
        qtbot.keyClicks(send.amount, amount)
        assert not send.send_button.isEnabled(), (to, amount)
        assert why in send.why.text(), (to, amount, send.why.text())
        assert send.send_button.toolTip() == send.why.text()
        assert send.why.property("tone") == "error"
    send.amount.clear()
    qtbot.keyClicks(send.amount, "0.1")
    assert send.send_button.isEnabled() and send.why.text() == ""


def test_tab_order_through_the_send_form(qtbot: Any, launcher: Any) -> None:
    main = setup_via_node(qtbot, launcher)
    click(qtbot, main.nav_buttons["wallet"])
    wallet = main.wallet
    qtbot.waitUntil(lambda: balance(wallet, "ETH") != "", timeout=WAIT)
    wallet.tabs.setCurrentWidget(wallet.send)
    send = wallet.send
    qtbot.keyClicks(send.to.lineEdit(), "0x" + "ab" * 20)
    qtbot.keyClicks(send.amount, "0.1")
    chain = focus_chain(qtbot, send.to, 4)
    assert chain[1:] == [send.amount, send.max_button, send.token, send.send_button]


def test_tab_order_through_onboarding(qtbot: Any, launcher: Any) -> None:
    w = launcher.window
    qtbot.waitUntil(lambda: w.page == "onboarding", timeout=WAIT)
    ob = w.onboarding
    create = ob.findChild(QPushButton, "createVaultButton")
    restore = ob.findChild(QPushButton, "restoreFromBackup")
    assert focus_chain(qtbot, create, 1)[1] is restore
    qtbot.keyClick(create, Qt.Key.Key_Space)
    assert ob.current == "vault"
    form = ob.vault_form
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.password, timeout=WAIT)
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClicks(form.confirm, PASSWORD)
    chain = focus_chain(qtbot, form.name, 4)
    assert chain[1:] == [form.password, form.confirm, form.remember, form.submit]
    # Enter in the confirmation field submits; the identity page takes the focus.
    form.confirm.setFocus()
    qtbot.keyClick(form.confirm, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ob.current == "identity", timeout=WAIT)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is ob.display_name, timeout=WAIT)
    qtbot.keyClicks(ob.display_name, "Alice")
    qtbot.keyClick(ob.display_name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ob.current == "wallet", timeout=WAIT)
    cont = ob.findChild(QPushButton, "walletContinue")
    chain = focus_chain(qtbot, ob.wallet_new, 1)
    assert chain[1] is cont  # one stop for the radio group, then Continue


# -- a network that is down ----------------------------------------------------------------------


class _FakeRpc(http.server.BaseHTTPRequestHandler):
    chain_id = 1337

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answers = {"eth_chainId": hex(self.chain_id), "net_version": str(self.chain_id)}
        if body.get("method") in answers:
            out = {"jsonrpc": "2.0", "id": body.get("id"), "result": answers[body["method"]]}
        else:
            out = {"jsonrpc": "2.0", "id": body.get("id"), "error": {"code": -32000, "message": "x"}}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_rpc() -> Iterator[Any]:
    """A JSON-RPC node that answers only its chain id: enough to be added and chosen."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeRpc)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_network_down_is_refused_then_a_banner_while_the_rest_works(qtbot: Any, launcher: Any, fake_rpc: Any) -> None:
    main = setup_via_node(qtbot, launcher)
    click(qtbot, main.nav_buttons["settings"])
    main.settings.show_tab("networks")
    nets = main.settings.networks
    qtbot.waitUntil(lambda: nets.list.count() >= 3, timeout=WAIT)

    # A custom network on a closed port is refused with a clear message, and not saved.
    qtbot.keyClicks(nets.name, "Local down")
    qtbot.keyClicks(nets.url, "http://127.0.0.1:9")
    qtbot.keyClicks(nets.chain_id, "1337")
    click(qtbot, nets.add_button)
    qtbot.waitUntil(lambda: launcher.ctx.errors.history != [], timeout=WAIT)
    title, message = launcher.ctx.errors.history[-1]
    assert "network" in title.lower() and "unreachable" in message
    launcher.ctx.errors.current.close()
    names = [n["name"] for n in run(launcher, launcher.node.call("network_list"))]
    assert "Local down" not in names

    # One that answers is added and chosen; then it goes down.
    port = fake_rpc.server_address[1]
    for field in (nets.name, nets.url):
        field.clear()
    qtbot.keyClicks(nets.name, "Local node")
    qtbot.keyClicks(nets.url, f"http://127.0.0.1:{port}")
    click(qtbot, nets.add_button)
    qtbot.waitUntil(lambda: nets.list.count() == 4, timeout=WAIT)
    nets.list.setCurrentRow(3)
    click(qtbot, nets.use_button)
    qtbot.waitUntil(lambda: "(in use)" in nets.list.item(3).text(), timeout=WAIT)
    fake_rpc.shutdown()
    fake_rpc.server_close()

    click(qtbot, main.nav_buttons["wallet"])
    wallet = main.wallet
    qtbot.waitUntil(wallet.banner.isVisible, timeout=WAIT)
    assert "not reachable" in wallet.banner_text.text()

    # The rest of the window works: contacts, my card, settings; back to the dev chain.
    click(qtbot, main.nav_buttons["contacts"])
    qtbot.waitUntil(lambda: main.contacts.list.count() == 0, timeout=WAIT)
    click(qtbot, main.nav_buttons["settings"])
    main.settings.show_tab("networks")
    qtbot.waitUntil(lambda: nets.list.count() == 4, timeout=WAIT)
    nets.list.setCurrentRow(0)
    click(qtbot, nets.use_button)
    qtbot.waitUntil(lambda: "(in use)" in nets.list.item(0).text(), timeout=WAIT)
    click(qtbot, main.nav_buttons["wallet"])
    qtbot.waitUntil(lambda: not wallet.banner.isVisible(), timeout=WAIT)
    assert balance(wallet, "ETH") != ""


# -- closing the window during a backup ----------------------------------------------------------


def _confirm_box() -> QMessageBox | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.objectName() == "confirmBox" and w.isVisible():
            return w
    return None


def test_closing_during_a_backup_asks_and_never_harms_the_vault(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher, wallet=False)
    w = launcher.window
    click(qtbot, main.nav_buttons["settings"])
    main.settings.show_tab("backup")
    tab = main.settings.backup
    dest = tmp_path / "during.mfbackup"
    tab.path.setText(str(dest))
    qtbot.keyClicks(tab.password, PASSWORD)
    qtbot.keyClicks(tab.password_again, PASSWORD)

    # Close while it runs: asked; "Cancel" keeps the window and the backup finishes.
    click(qtbot, tab.backup_button)
    give_vault_password(qtbot)
    assert tab.running
    w.close()
    qtbot.waitUntil(lambda: _confirm_box() is not None, timeout=WAIT)
    box = _confirm_box()
    assert "backup" in box.text().lower()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: "Backed up" in tab.status.text(), timeout=4 * WAIT)
    assert w.isVisible()
    assert run(launcher, launcher.node.call("vault_inspectBackup", {"path": str(dest)}))

    # Again, and this time "Quit": the window closes, the vault is untouched, and the file is
    # either absent or a whole backup (never a half-written one under the final name).
    dest.unlink()
    qtbot.keyClicks(tab.password, PASSWORD)
    qtbot.keyClicks(tab.password_again, PASSWORD)
    click(qtbot, tab.backup_button)
    give_vault_password(qtbot)
    w.close()
    qtbot.waitUntil(lambda: _confirm_box() is not None, timeout=WAIT)
    box = _confirm_box()
    quit_button = next(b for b in box.buttons() if b.text() == "Quit")
    click(qtbot, quit_button)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=WAIT)
    home = launcher.node.paths.root
    launcher.close()
    if dest.exists():
        from mainframe_os.node.node import Node

        async def inspect() -> Any:
            n = Node(home)
            try:
                return await n.call("vault_inspectBackup", {"path": str(dest)})
            finally:
                await n.close()

        assert asyncio.run(inspect())
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(dest.name) and p != dest]

    from mainframe_os.node.node import Node

    async def reopen() -> Any:
        n = Node(home)
        try:
            await n.call("vault_unlock", {"name": "main", "password": PASSWORD})
            return await n.call("identity_list")
        finally:
            await n.close()

    assert [i["displayName"] for i in asyncio.run(reopen())] == ["Alice"]
