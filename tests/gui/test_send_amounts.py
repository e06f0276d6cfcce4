"""The send form compares raw wei, not the 6-place balance it shows: the exact full balance of
a token can be sent (Max fills it to the last unit), and Max for ETH leaves the network fee."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node.wallet.amounts import format_amount

from .conftest import run, shot
from .helpers import WAIT, balance, click
from .test_bad_input import setup_via_node

pytestmark = pytest.mark.timeout(180)
BOB = "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F"


def _auto_approve(launcher: Any) -> None:
    from PySide6.QtCore import QTimer

    def approve(dlg: Any) -> None:  # these dialogs are not the subject here
        QTimer.singleShot(0, dlg.findChild(type(dlg.reject_button), "approveButton").click)

    launcher.prompter.on_open.append(approve)


def _balances(launcher: Any) -> dict[str, int]:
    return {b["symbol"]: int(b["balance"]) for b in run(launcher, launcher.node.call("wallet_getBalances"))}


def test_the_exact_full_token_balance_and_max_eth(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher)
    _auto_approve(launcher)
    run(launcher, launcher.node.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "0.5"}), timeout=60)
    mft = _balances(launcher)["MFT"]
    exact = format_amount(mft, 18)
    assert len(exact.partition(".")[2]) > 6  # more digits than the 6 the wallet shows

    click(qtbot, main.nav_buttons["wallet"])
    wallet = main.wallet
    wallet.refresh()
    qtbot.waitUntil(lambda: balance(wallet, "MFT") not in ("", "0"), timeout=WAIT)
    wallet.tabs.setCurrentWidget(wallet.send)
    send = wallet.send
    qtbot.waitUntil(lambda: int(send.balances.get("MFT", {}).get("balance", 0)) == mft, timeout=WAIT)
    qtbot.keyClicks(send.to.lineEdit(), BOB)
    send.token.setCurrentText("MFT")
    qtbot.keyClicks(send.amount, exact)  # typed to the last unit: not "more than your balance"
    assert send.send_button.isEnabled(), send.why.text()
    send.amount.clear()
    click(qtbot, send.max_button)
    assert send.amount.text() == exact and send.send_button.isEnabled()
    shot(wallet, tmp_path, "send-max-token")
    click(qtbot, send.send_button)
    qtbot.waitUntil(lambda: "Sent" in send.why.text(), timeout=60_000)
    assert _balances(launcher)["MFT"] == 0  # all of it left, to the last unit
    # the outcome stays through the balance refresh the payment causes, until the user edits
    wallet.refresh()
    qtbot.waitUntil(lambda: int(send.balances.get("MFT", {}).get("balance", -1)) == 0, timeout=WAIT)
    assert "Sent" in send.why.text()
    qtbot.keyClicks(send.amount, "1")
    assert "Sent" not in send.why.text()
    send.amount.clear()

    # Max for ETH: the whole balance minus the most the fee can cost
    eth = _balances(launcher)["ETH"]
    send.token.setCurrentText("ETH")
    qtbot.waitUntil(lambda: int(send.balances.get("ETH", {}).get("balance", -1)) == eth, timeout=WAIT)
    click(qtbot, send.max_button)
    qtbot.waitUntil(lambda: send.amount.text() != "", timeout=WAIT)
    est = run(launcher, launcher.node.call("wallet_estimateSend", {"to": BOB, "amount": send.amount.text()}))
    assert send.amount.text() == format_amount(eth - int(est["maxFee"]), 18)
    assert send.send_button.isEnabled(), send.why.text()
    shot(wallet, tmp_path, "send-max-eth")
    click(qtbot, send.send_button)
    qtbot.waitUntil(lambda: "Sent" in send.why.text(), timeout=60_000)
    left = _balances(launcher)["ETH"]
    assert 0 <= left <= int(est["maxFee"])  # only what the fee did not use is left
    launcher.prompter.on_open.clear()


def test_a_comma_amount_is_refused_in_the_form_with_the_nodes_reason(qtbot: Any, launcher: Any) -> None:
    main = setup_via_node(qtbot, launcher)
    click(qtbot, main.nav_buttons["wallet"])
    wallet = main.wallet
    qtbot.waitUntil(lambda: balance(wallet, "ETH") != "", timeout=WAIT)
    wallet.tabs.setCurrentWidget(wallet.send)
    send = wallet.send
    qtbot.keyClicks(send.to.lineEdit(), BOB)
    # the whole address stays in view (the field was once so narrow that "0x" scrolled off)
    field = send.to.lineEdit()
    assert field.fontMetrics().horizontalAdvance(BOB) < field.width(), (field.width(), field.text())
    qtbot.keyClicks(send.amount, "0,001")
    assert not send.send_button.isEnabled()
    assert "use a point for decimals" in send.why.text()
    wallet.tabs.setCurrentWidget(wallet.swap)
    qtbot.keyClicks(wallet.swap.amount, "1,5")
    assert "use a point for decimals" in wallet.swap.quote.text()
