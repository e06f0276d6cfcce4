"""The approval dialog for decoded transactions and signatures, on the real dev chain.

An unlimited approve to an unknown spender shows the spender and 'Unlimited' in the warning
style, and lowering the amount in the dialog changes the transaction actually sent. Screenshots
of five kinds of request, light and dark, go to the test's temp folder; with MFOS_SHOTS=1 they
replace the reference ones beside this file (screenshots/approval/, committed): look at them
after a change to the dialog, and commit them when they look right.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QPushButton

from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.context import CallerContext
from mainframe_os.node.prompter import PromptRequest
from mainframe_os.node.wallet.chain import ChainService

from .conftest import run
from .helpers import WAIT, click, dialog_text
from .test_bad_input import setup_via_node

pytestmark = pytest.mark.timeout(240)

MAX = 2**256 - 1
STRANGER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
SHOTS = Path(__file__).resolve().parent / "screenshots" / "approval"


def _conn(launcher: Any) -> Any:
    return run(launcher, ChainService.of(launcher.node).connection())


def _approve_data(conn: Any, spender: str, amount: int) -> str:
    mft = conn.w3.eth.contract(address=conn.devchain.deployment.mft, abi=abi_of("MFT"))
    return str(mft.encode_abi("approve", args=[spender, amount]))


def _open_dialog(qtbot: Any, launcher: Any) -> Any:
    p = launcher.prompter
    qtbot.waitUntil(lambda: p.current is not None and p.current.isVisible(), timeout=WAIT)
    return p.current


def test_unlimited_approve_shows_the_spender_and_lowering_it_changes_what_is_sent(qtbot: Any, launcher: Any) -> None:
    setup_via_node(qtbot, launcher)
    node = launcher.node
    me = run(launcher, node.call("wallet_accounts"))[0]["address"]
    conn = _conn(launcher)
    token = conn.devchain.deployment.mft
    tx = {"from": me, "to": token, "data": _approve_data(conn, STRANGER, MAX)}
    fut = asyncio.ensure_future(node.call("eth_sendTransaction", [tx]))
    dlg = _open_dialog(qtbot, launcher)
    text = dialog_text(dlg)
    assert STRANGER in text and "Spender" in text and "never used before" in text
    unlimited = dlg.findChild(QLabel, "unlimitedAmount")
    assert unlimited is not None and unlimited.text() == "Unlimited MFT"
    assert unlimited.property("tone") == "error"  # the red warning style
    banners = dlg.findChildren(QFrame, "warningBanner")
    assert banners and banners[0].property("level") == "danger"
    assert "Unlimited allowance" in dialog_text(banners[0])
    # the details the description says better are not repeated as raw rows
    assert "approve(address,uint256)" not in " ".join(lbl.text() for lbl in dlg.findChildren(QLabel) if lbl.isVisible())

    field = dlg.findChild(QLineEdit, "allowanceEdit")
    approve = dlg.findChild(QPushButton, "approveButton")
    assert field.isVisible()
    qtbot.keyClicks(field, "12.5.1")  # the node's money rule, checked as the user types
    hint = dlg.findChild(QLabel, "allowanceHint")
    assert not approve.isEnabled() and hint.property("tone") == "error" and "not a number" in hint.text()
    field.clear()
    qtbot.keyClicks(field, "12.5")
    assert approve.isEnabled() and hint.property("tone") == ""
    click(qtbot, approve)
    qtbot.waitUntil(fut.done, timeout=WAIT)
    fut.result()
    mft = conn.w3.eth.contract(address=token, abi=abi_of("MFT"))
    allowance = run(launcher, ChainService.of(node).call(lambda c: mft.functions.allowance(me, STRANGER).call()))
    assert allowance == 125 * 10**17  # what the user typed, not 2^256-1


def _requests(launcher: Any) -> list[tuple[str, PromptRequest]]:
    """Five real requests, described by the node from real calldata on the dev chain."""
    from mainframe_os.node.methods.wallet import resolve_token
    from mainframe_os.node.wallet.describe import describe_transaction
    from mainframe_os.node.wallet.describe_typed import describe_typed_data
    from mainframe_os.node.wallet.swap import quote, swap_tx

    node = launcher.node
    conn = _conn(launcher)
    dep = conn.devchain.deployment
    ident = run(launcher, node.call("node_status"))["identityId"]
    me = run(launcher, node.call("wallet_accounts"))[0]["address"]
    bob = run(launcher, node.call("identity_create", {"displayName": "Bob Example"}))
    phrase = run(launcher, node.call("wallet_generatePhrase"))["phrase"]
    bob_addr = run(launcher, node.call("wallet_create", {"phrase": phrase, "identityId": bob["id"]}))["accounts"][0][
        "address"
    ]
    card = run(launcher, node.call("identity_getCard", {"id": bob["id"]}))["card"]
    run(launcher, node.call("identity_select", {"id": ident}))
    run(launcher, node.call("contacts_add", {"card": card}))
    mft = conn.w3.eth.contract(address=dep.mft, abi=abi_of("MFT"))
    eth_t = run(launcher, resolve_token(node, ident, "ETH"))
    mft_t = run(launcher, resolve_token(node, ident, "MFT"))
    q = run(launcher, ChainService.of(node).call(lambda c: quote(c, eth_t, mft_t, 2 * 10**18, 50, me)))
    swap = run(launcher, ChainService.of(node).call(lambda c: swap_tx(c, q, me)))
    txs = {
        "approve-unlimited": {"to": dep.mft, "value": 0, "data": _approve_data(conn, STRANGER, MAX)},
        "transfer-to-contact": {
            "to": dep.mft,
            "value": 0,
            "data": mft.encode_abi("transfer", args=[bob_addr, 25 * 10**18]),
        },
        "swap": swap,
        "unknown-calldata": {"to": dep.pair_eth_mft, "value": 0, "data": "0x022c0d9f" + "00" * 128},
    }
    app = CallerContext.app("com.example.dex", ident)
    base = {"network": "Mainframe dev chain", "from": f"Account 1 ({me})", "max fee": "0.00021 ETH"}
    out = []
    for name, tx in txs.items():
        desc = run(launcher, describe_transaction(node, ident, tx))
        out.append(
            (name, PromptRequest("transaction", app, "Example DEX asks to send a transaction", base, description=desc))
        )
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {"name": "Mainframe Token", "version": "1", "chainId": 61453, "verifyingContract": dep.mft},
        "message": {"owner": me, "spender": STRANGER, "value": str(500 * 10**18), "nonce": 0, "deadline": 1893456000},
    }
    desc = run(launcher, describe_typed_data(node, ident, typed))
    details = {"account": me, "message": str(typed["message"])}
    out.append(("permit", PromptRequest("signature", app, "Sign typed data", details, description=desc)))
    return out


def test_approval_dialog_screenshots(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    import os

    setup_via_node(qtbot, launcher)
    requests = _requests(launcher)
    folder = SHOTS if os.environ.get("MFOS_SHOTS") else tmp_path / "approval"
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for theme in ("light", "dark"):
        launcher.set_theme(theme)
        for name, req in requests:
            fut = asyncio.ensure_future(launcher.prompter.ask(req))
            dlg = _open_dialog(qtbot, launcher)
            assert dlg.description_view is not None
            assert req.description["headline"] in dialog_text(dlg)
            if name == "approve-unlimited":  # as a user lowering it sees it
                qtbot.keyClicks(dlg.findChild(QLineEdit, "allowanceEdit"), "100")
            qtbot.wait(30)
            path = folder / f"{theme}-{name}.png"
            dlg.grab().save(str(path))
            saved.append(path)
            dlg.reject()
            qtbot.waitUntil(fut.done, timeout=WAIT)
            assert fut.result().approved is False
    assert len(saved) == 10 and all(p.stat().st_size > 5000 for p in saved)
