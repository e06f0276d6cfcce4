"""Clicking helpers shared by the GUI tests: onboarding with a wallet, approving prompts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from .conftest import PASSWORD

WAIT = 15_000


def click(qtbot: Any, widget: Any) -> None:
    assert widget.isEnabled(), f"{widget.objectName() or widget.text()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def onboard_with_wallet(qtbot: Any, launcher: Any, name: str = "Alice") -> list[str]:
    """Create a vault, the first identity and a wallet, confirming the phrase by picking words.
    Returns the phrase."""
    w = launcher.window
    qtbot.waitUntil(lambda: launcher.start_task.done(), timeout=WAIT)
    qtbot.waitUntil(lambda: w.page == "onboarding", timeout=WAIT)
    ob = w.onboarding
    click(qtbot, ob.findChild(QPushButton, "createVaultButton"))
    qtbot.keyClicks(ob.vault_form.password, PASSWORD)
    qtbot.keyClicks(ob.vault_form.confirm, PASSWORD)
    click(qtbot, ob.vault_form.submit)
    qtbot.waitUntil(lambda: ob.current == "identity", timeout=WAIT)
    qtbot.keyClicks(ob.display_name, name)
    click(qtbot, ob.identity_button)
    qtbot.waitUntil(lambda: ob.current == "wallet", timeout=WAIT)
    assert ob.wallet_new.isChecked()
    click(qtbot, ob.findChild(QPushButton, "walletContinue"))
    qtbot.waitUntil(lambda: ob.current == "phrase", timeout=WAIT)
    phrase = list(ob.phrase)
    assert len(phrase) == 12
    click(qtbot, ob.findChild(QPushButton, "phraseWritten"))
    qtbot.waitUntil(lambda: ob.current == "confirm", timeout=WAIT)
    # A wrong word first: the wizard says so and waits.
    first = ob.quiz[0]
    wrong = next(b for b in ob.quiz_buttons[first] if b.text() != phrase[first])
    for pos in ob.quiz:
        pick = wrong if pos == first else None
        pick = pick or next(b for b in ob.quiz_buttons[pos] if b.text() == phrase[pos])
        click(qtbot, pick)
    assert "not the right word" in ob.confirm_message.text()
    click(qtbot, next(b for b in ob.quiz_buttons[first] if b.text() == phrase[first]))
    qtbot.waitUntil(lambda: w.page == "main", timeout=WAIT)
    return phrase


def approve_next(qtbot: Any, launcher: Any, expect: str | None = None) -> Any:
    """Wait for the approval dialog, check it mentions `expect`, click Approve."""
    p = launcher.prompter
    qtbot.waitUntil(lambda: p.current is not None and p.current.isVisible(), timeout=WAIT)
    dlg = p.current
    if expect is not None:
        assert expect in dialog_text(dlg), dialog_text(dlg)
    click(qtbot, dlg.findChild(QPushButton, "approveButton"))
    qtbot.waitUntil(lambda: p.current is not dlg, timeout=WAIT)
    return dlg


def give_vault_password(qtbot: Any, password: str = PASSWORD) -> None:
    """Answer the launcher's "vault password" dialog (backup, delete: the password again)."""
    from PySide6.QtWidgets import QApplication

    from mainframe_os.gui.dialogs import PasswordDialog

    def dialog() -> Any:
        return next((w for w in QApplication.allWidgets() if isinstance(w, PasswordDialog) and w.isVisible()), None)

    qtbot.waitUntil(lambda: dialog() is not None, timeout=WAIT)
    dlg = dialog()
    qtbot.keyClicks(dlg.field, password)
    click(qtbot, dlg.ok)


def dialog_text(widget: Any) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(lbl.text() for lbl in widget.findChildren(QLabel))


def balance(wallet: Any, symbol: str) -> str:
    from PySide6.QtWidgets import QLabel

    for lbl in wallet.findChildren(QLabel, "balance"):
        if lbl.property("symbol") == symbol and lbl.isVisible():
            return lbl.text()
    return ""


def vault_with_identity(home: Path, password: str = PASSWORD) -> None:
    """A vault "main" holding one identity, Alice, under the cheapest KDF: for tests that start a
    launcher on an existing vault (what they observe runs around the KDF, not in it)."""
    import asyncio

    from mainframe_os.node.node import Node
    from vault import KdfParams, VaultStore

    VaultStore(home / "vaults").create("main", password, KdfParams.insecure_for_tests()).close()

    async def add_identity() -> None:
        node = Node(home)
        try:
            await node.call("vault_unlock", {"name": "main", "password": password})
            await node.call("identity_create", {"displayName": "Alice"})
        finally:
            await node.close()

    asyncio.run(add_identity())
