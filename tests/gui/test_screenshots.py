"""A screenshot of every main screen, in the light and the dark theme, into the test's temp
folder (and /tmp/shots with MFOS_SHOTS=1). Look at them: they are the product's face."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from .conftest import PASSWORD, run, shot
from .helpers import WAIT, balance
from .test_bad_input import setup_via_node

pytestmark = pytest.mark.timeout(180)


def populate(qtbot: Any, launcher: Any) -> None:
    """Faucet ETH, a swap, a contact with a wallet and a payment to them: screens with content."""
    node = launcher.node
    run(launcher, node.call("onramp_start", {"provider": "faucet", "amount": "2"}))
    from PySide6.QtCore import QTimer

    def approve(dlg: Any) -> None:  # once the dialog is open: these prompts are not the subject
        QTimer.singleShot(0, dlg.findChild(type(dlg.reject_button), "approveButton").click)

    launcher.prompter.on_open.append(approve)
    run(launcher, node.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.5"}))
    me = run(launcher, node.call("node_status"))["identityId"]
    bob = run(launcher, node.call("identity_create", {"displayName": "Bob Example"}))
    phrase = run(launcher, node.call("wallet_generatePhrase"))["phrase"]
    run(launcher, node.call("wallet_create", {"phrase": phrase, "identityId": bob["id"]}))
    card = run(launcher, node.call("identity_getCard", {"id": bob["id"]}))["card"]
    carol = run(launcher, node.call("identity_create", {"displayName": "Carol"}))
    card2 = run(launcher, node.call("identity_getCard", {"id": carol["id"]}))["card"]
    run(launcher, node.call("identity_select", {"id": me}))
    contact = run(launcher, node.call("contacts_add", {"card": card}))
    run(launcher, node.call("contacts_add", {"card": card2}))
    run(launcher, node.call("wallet_send", {"to": contact["id"], "amount": "25", "token": "MFT"}))
    launcher.prompter.on_open.clear()


def test_screenshots_of_every_screen(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    from mainframe_os.gui.screens.onboarding import Onboarding
    from mainframe_os.node.context import CallerContext
    from mainframe_os.node.prompter import PromptRequest

    main = setup_via_node(qtbot, launcher)
    populate(qtbot, launcher)
    w = launcher.window
    ctx = launcher.ctx
    taken: list[Path] = []

    def snap(widget: Any, name: str) -> None:
        qtbot.wait(30)  # let layouts and queued repaints settle
        taken.append(shot(widget, tmp_path, f"{theme}-{name}"))

    for theme in ("light", "dark"):
        launcher.set_theme(theme)
        # -- onboarding steps (a wizard of their own, the size of the window)
        ob = Onboarding(ctx, "welcome")
        ob.resize(w.size())
        ob.setAutoFillBackground(True)  # in the window it sits on the window's background
        ob.show()
        for step in ("welcome", "vault", "identity", "wallet", "import", "restore"):
            ob.go(step)
            snap(ob, f"onboarding-{step}")
        ob._show_phrase("legal winner thank year wave sausage worth useful legal winner thank yellow".split())
        snap(ob, "onboarding-phrase")
        ob._start_confirm()
        snap(ob, "onboarding-confirm")
        ob.close()
        ob.deleteLater()

        # -- the main screens
        main.show_screen("apps")
        snap(w, "apps")
        main.show_screen("wallet")
        wallet = main.wallet
        qtbot.waitUntil(lambda wallet=wallet: balance(wallet, "MFT") not in ("", "0"), timeout=WAIT)
        for tab in ("receive", "send", "swap", "buy", "history"):
            page = getattr(wallet, tab)
            wallet.tabs.setCurrentWidget(page)
            if tab == "send":
                page.to.setEditText("Bob Example (contact)")
                page.amount.setText("10")
                page.token.setCurrentText("MFT")
                qtbot.waitUntil(lambda p=page: "fee" in p.fee.text(), timeout=WAIT)
            if tab == "swap":
                page.amount.setText("0.25")
                qtbot.waitUntil(lambda p=page: "Minimum" in p.quote.text(), timeout=WAIT)
            if tab == "buy":
                qtbot.waitUntil(lambda p=page: p.loaded, timeout=WAIT)
            if tab == "history":
                qtbot.waitUntil(lambda p=page: p.list.count() >= 2, timeout=WAIT)
            snap(w, f"wallet-{tab}")
        wallet.send.amount.clear()
        wallet.send.to.setEditText("")
        wallet.swap.amount.clear()

        main.show_screen("contacts")
        qtbot.waitUntil(lambda: main.contacts.list.count() == 2, timeout=WAIT)
        snap(w, "contacts")
        main.contacts.show_my_card()
        qtbot.waitUntil(
            lambda: getattr(main.contacts, "card_dialog", None) is not None and main.contacts.card_dialog.isVisible(),
            timeout=WAIT,
        )
        snap(main.contacts.card_dialog, "my-card")
        main.contacts.card_dialog.reject()
        main.contacts.card_dialog = None

        main.show_screen("notifications")
        snap(w, "notifications")
        main.show_screen("settings")
        settings = main.settings
        for i in range(settings.tabs.count()):
            settings.tabs.setCurrentIndex(i)
            snap(w, f"settings-{settings.tabs.tabText(i).lower()}")

        # -- the approval dialog for a real payment (then rejected)
        main.show_screen("wallet")
        req = PromptRequest(
            "transaction",
            CallerContext.launcher(),
            "Send 25 MFT to Bob Example",
            {
                "from": "0x8BDf4f97A0CCa865CbD918aEDeCA041156492765",
                "to": "Bob Example (0xbE4B5fABe110BA9AeD06CBb4D6DCd871d130C14f)",
                "amount": "25 MFT",
                "network": "Mainframe dev chain",
                "call": "MFT.transfer(0xbE4B…C14f, 25000000000000000000)",
                "fee": "0.0001375 ETH",
            },
        )
        fut = asyncio.ensure_future(launcher.prompter.ask(req))
        p = launcher.prompter
        qtbot.waitUntil(lambda p=p: p.current is not None and p.current.isVisible(), timeout=WAIT)
        snap(p.current, "approval")
        p.current.reject()
        qtbot.waitUntil(fut.done, timeout=WAIT)

        # -- the lock screen
        click_lock = main.lock_button
        click_lock.click()
        qtbot.waitUntil(lambda: w.page == "lock", timeout=WAIT)
        qtbot.waitUntil(lambda: w.lock_screen.vaults.currentText() == "main", timeout=WAIT)
        snap(w, "lock")
        run(launcher, launcher.node.call("vault_unlock", {"name": "main", "password": PASSWORD}))
        qtbot.waitUntil(lambda: w.page == "main", timeout=WAIT)

    assert len(taken) == 2 * 28  # the settings tabs include Apps, Messaging and About
    assert all(p.stat().st_size > 5000 for p in taken)
    assert launcher.ctx.errors.history == []
