"""The issue's "Done when" path, clicked like a newcomer would: onboarding with a wallet, faucet
ETH, a swap to MFT, a contact, a payment to that contact, a backup restored on a fresh home."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from .conftest import PASSWORD, run
from .helpers import WAIT, approve_next, balance, click, give_vault_password, onboard_with_wallet

pytestmark = pytest.mark.timeout(180)


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "").split()[0]) if text else Decimal(-1)


def open_tab(qtbot: Any, tabs: Any, page: Any) -> None:
    """Click the tab's title in the tab bar."""
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tabs.indexOf(page)).center())
    assert tabs.currentWidget() is page


def test_newcomer_goes_from_nothing_to_a_restored_backup(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    node = launcher.node
    onboard_with_wallet(qtbot, launcher)
    w = launcher.window
    main = w.main
    [wallet_info] = run(launcher, node.call("wallet_list"))
    alice_address = wallet_info["accounts"][0]["address"]

    # -- the node serves `mfos` and watches payments while the launcher runs
    qtbot.waitUntil(lambda: launcher.session.watching, timeout=WAIT)
    info = json.loads((node.paths.run / "node.json").read_text())
    assert info["vault"] == "main" and Path(info["socket"]) == node.paths.socket
    status = run(launcher, _socket(node, "node_status"))
    assert status["result"]["vault"] == "main"

    # -- wallet: faucet ETH
    click(qtbot, main.nav_buttons["wallet"])
    wallet = main.wallet
    qtbot.waitUntil(lambda: balance(wallet, "ETH") != "", timeout=WAIT)
    assert alice_address in wallet.receive.address.text()
    eth_before = number(balance(wallet, "ETH"))
    open_tab(qtbot, wallet.tabs, wallet.buy)
    buy = wallet.buy
    qtbot.waitUntil(lambda: buy.provider.currentData() == "faucet", timeout=WAIT)
    buy.amount.selectAll()
    qtbot.keyClicks(buy.amount, "2")
    click(qtbot, buy.buy_button)
    qtbot.waitUntil(lambda: number(balance(wallet, "ETH")) == eth_before + 2, timeout=WAIT)
    assert "credited" in buy.status.text()

    # -- swap ETH -> MFT: the quote follows the typing, shows the minimum, the user approves
    open_tab(qtbot, wallet.tabs, wallet.swap)
    swap = wallet.swap
    qtbot.keyClicks(swap.amount, "1")
    qtbot.waitUntil(lambda: "Minimum received" in swap.quote.text(), timeout=WAIT)
    first_quote = swap.quote.text()
    qtbot.keyClick(swap.amount, Qt.Key.Key_Backspace)
    assert not swap.swap_button.isEnabled()
    qtbot.keyClicks(swap.amount, "0.5")
    qtbot.waitUntil(
        lambda: "Minimum received" in swap.quote.text() and swap.quote.text() != first_quote,
        timeout=WAIT,
    )
    assert "MFT" in swap.quote.text() and swap.minimum in swap.quote.text()
    click(qtbot, swap.swap_button)
    approve_next(qtbot, launcher, expect="0.5 ETH")
    qtbot.waitUntil(lambda: number(balance(wallet, "MFT")) > 0, timeout=WAIT)
    # the balance can refresh (on the confirmation event) before swap_run returns its summary
    qtbot.waitUntil(lambda: "you received" in swap.quote.text(), timeout=WAIT)
    mft = Decimal(next(b["formatted"] for b in run(launcher, node.call("wallet_getBalances")) if b["symbol"] == "MFT"))
    assert mft > 4000  # the dev pool's price: about 10,000 MFT per ETH

    # -- a contact: the card of a second identity that has a wallet
    me = run(launcher, node.call("node_status"))["identityId"]
    bob = run(launcher, node.call("identity_create", {"displayName": "Bob"}))
    phrase = run(launcher, node.call("wallet_generatePhrase"))["phrase"]
    run(launcher, node.call("wallet_create", {"phrase": phrase, "identityId": bob["id"]}))
    assert run(launcher, node.call("node_status"))["identityId"] == me
    card = run(launcher, node.call("identity_getCard", {"id": bob["id"]}))["card"]
    click(qtbot, main.nav_buttons["contacts"])
    contacts = main.contacts
    click(qtbot, contacts.add_button)
    dlg = contacts.add_dialog
    qtbot.waitUntil(dlg.isVisible, timeout=WAIT)
    dlg.card.setPlainText(card)
    click(qtbot, dlg.add)
    qtbot.waitUntil(lambda: contacts.list.count() == 1, timeout=WAIT)
    assert "Bob" in contacts.list.item(0).text()

    # -- pay Bob 25 MFT; Escape rejects the first approval, the second is approved
    click(qtbot, main.nav_buttons["wallet"])
    open_tab(qtbot, wallet.tabs, wallet.send)
    send = wallet.send
    qtbot.waitUntil(lambda: "Bob (contact)" in send.contact_ids, timeout=WAIT)
    send.to.setFocus()
    qtbot.keyClicks(send.to.lineEdit(), "Bob (contact)")
    qtbot.keyClicks(send.amount, "25")
    send.token.setCurrentText("MFT")
    qtbot.waitUntil(send.send_button.isEnabled, timeout=WAIT)
    qtbot.waitUntil(lambda: "Network fee" in send.fee.text(), timeout=WAIT)
    click(qtbot, send.send_button)
    p = launcher.prompter
    qtbot.waitUntil(lambda: p.current is not None and p.current.isVisible(), timeout=WAIT)
    qtbot.keyClick(p.current, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: "rejected" in send.why.text(), timeout=WAIT)
    assert launcher.ctx.errors.history == []
    qtbot.waitUntil(send.send_button.isEnabled, timeout=WAIT)
    click(qtbot, send.send_button)
    approve_next(qtbot, launcher, expect="Bob")
    qtbot.waitUntil(lambda: "Sent" in send.why.text(), timeout=WAIT)

    # -- history shows it confirmed; the watcher announces Bob's payment received
    open_tab(qtbot, wallet.tabs, wallet.history)
    qtbot.waitUntil(
        lambda: any("Sent 25 MFT to Bob" in t and "Confirmed" in t for t in wallet.history.texts()),
        timeout=WAIT,
    )
    assert any("Swapped 0.5 ETH" in t for t in wallet.history.texts())
    notes = main.notifications
    qtbot.waitUntil(
        lambda: any("Payment received" in notes.list.item(i).text() for i in range(notes.list.count())),
        timeout=WAIT,
    )
    assert any("25 MFT" in notes.list.item(i).text() for i in range(notes.list.count()))
    assert launcher.ctx.errors.history == []

    # -- switching to Bob switches the wallet: his screen shows the 25 MFT
    run(launcher, node.call("identity_select", {"id": bob["id"]}))
    qtbot.waitUntil(lambda: balance(wallet, "MFT") == "25", timeout=WAIT)
    qtbot.waitUntil(lambda: "Bob" in main.identity.text(), timeout=WAIT)
    run(launcher, node.call("identity_select", {"id": me}))

    # -- back up (Settings > Backup), then restore on a fresh home folder
    click(qtbot, main.nav_buttons["settings"])
    main.settings.show_tab("backup")
    tab = main.settings.backup
    dest = tmp_path / "alice.mfbackup"
    tab.path.setText(str(dest))
    qtbot.keyClicks(tab.password, PASSWORD)
    qtbot.keyClicks(tab.password_again, PASSWORD)  # the typing confirmed; the rule is the node's
    click(qtbot, tab.backup_button)
    give_vault_password(qtbot)  # the whole vault leaves: its password again
    qtbot.waitUntil(lambda: "Backed up" in tab.status.text(), timeout=4 * WAIT)
    contacts_before = run(launcher, node.call("contacts_list"))
    launcher.close()
    assert not (node.paths.run / "node.json").exists()
    assert not node.paths.socket.exists()

    from mainframe_os.gui.app import create_app

    fresh = create_app(tmp_path / "fresh-home", [])
    try:
        fw = fresh.window
        qtbot.waitUntil(lambda: fw.page == "onboarding", timeout=WAIT)
        ob = fw.onboarding
        click(qtbot, ob.findChild(QPushButton, "restoreFromBackup"))
        ob.restore_form.path.setText(str(dest))
        qtbot.keyClicks(ob.restore_form.password, PASSWORD)
        click(qtbot, ob.restore_form.submit)
        qtbot.waitUntil(lambda: fw.page == "lock", timeout=WAIT)
        qtbot.waitUntil(lambda: fw.lock_screen.vaults.currentText() == "main", timeout=WAIT)
        qtbot.keyClicks(fw.lock_screen.password, PASSWORD)
        qtbot.keyClick(fw.lock_screen.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: fw.page == "main", timeout=WAIT)
        idents = run(fresh, fresh.node.call("identity_list"))
        assert [i["displayName"] for i in idents] == ["Alice", "Bob"]
        assert run(fresh, fresh.node.call("contacts_list")) == contacts_before
        restored = run(fresh, fresh.node.call("wallet_list"))
        assert restored[0]["accounts"][0]["address"] == alice_address
        qtbot.waitUntil(lambda: fw.main.identity.text().find("Alice") >= 0, timeout=WAIT)
    finally:
        fresh.close()


async def _socket(node: Any, method: str) -> Any:
    from mainframe_os.node.transport.local_socket import SocketClient

    def call() -> Any:
        with SocketClient(node.paths.socket, timeout=10) as c:
            return c.call(method)

    return await asyncio.get_running_loop().run_in_executor(None, call)
