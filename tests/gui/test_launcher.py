"""Click through the launcher offscreen: onboarding, lock/unlock, contacts, backup/restore,
vault deletion, the approval dialog. Each test gets its own home (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from .conftest import PASSWORD, run, shot
from .helpers import give_vault_password

pytestmark = pytest.mark.timeout(120)
WAIT = 15_000


def onboard(qtbot: Any, launcher: Any, name: str = "Alice") -> None:
    """Create a vault and the first identity by clicking, skipping the wallet step."""
    w = launcher.window
    qtbot.waitUntil(lambda: launcher.start_task.done(), timeout=WAIT)
    qtbot.waitUntil(lambda: w.page == "onboarding", timeout=WAIT)
    ob = w.onboarding
    qtbot.mouseClick(ob.findChild(type(ob.identity_button), "createVaultButton"), Qt.MouseButton.LeftButton)
    form = ob.vault_form
    assert not form.submit.isEnabled()
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClicks(form.confirm, PASSWORD[:-1])
    assert not form.submit.isEnabled() and "do not match" in form.why.text()
    qtbot.keyClicks(form.confirm, PASSWORD[-1])
    assert form.submit.isEnabled()
    qtbot.mouseClick(form.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ob.current == "identity", timeout=WAIT)
    qtbot.keyClicks(ob.display_name, name)
    qtbot.mouseClick(ob.identity_button, Qt.MouseButton.LeftButton)
    if launcher.ctx.has_wallet:
        qtbot.waitUntil(lambda: ob.current == "wallet", timeout=WAIT)
        ob.wallet_skip.setChecked(True)
        ob.findChild(type(ob.identity_button), "walletContinue").click()
    qtbot.waitUntil(lambda: w.page == "main", timeout=WAIT)


def test_onboarding_creates_vault_and_identity(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    w = launcher.window
    qtbot.waitUntil(lambda: w.page == "onboarding", timeout=WAIT)
    shot(w, tmp_path, "welcome-light")
    onboard(qtbot, launcher)
    idents = run(launcher, launcher.node.call("identity_list"))
    assert [i["displayName"] for i in idents] == ["Alice"]
    assert [v["name"] for v in run(launcher, launcher.node.call("vault_list"))] == ["main"]
    qtbot.waitUntil(lambda: "Alice" in w.main.identity.text(), timeout=WAIT)
    assert launcher.ctx.errors.history == []


def test_lock_then_unlock_wrong_then_right_password(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    onboard(qtbot, launcher)
    w = launcher.window
    qtbot.mouseClick(w.main.lock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.page == "lock", timeout=WAIT)
    assert launcher.node.vault is None
    lock = w.lock_screen
    qtbot.waitUntil(lambda: lock.vaults.currentText() == "main", timeout=WAIT)
    qtbot.keyClicks(lock.password, "not the password")
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong password" in lock.message.text(), timeout=WAIT)
    assert lock.password.text() == ""
    assert lock.password.hasFocus() or QApplication.focusWidget() is lock.password
    assert launcher.ctx.errors.history == []  # shown in place, not as a message box
    # the failed unlock let go of what it held back (the screens' events, the node's background work)
    assert not launcher.ctx.holding_events
    run(launcher, launcher.node.background_may_start(), timeout=1)
    shot(w, tmp_path, "lock-wrong-password")
    qtbot.keyClicks(lock.password, PASSWORD)
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.page == "main", timeout=WAIT)
    assert launcher.node.vault is not None and launcher.node.vault.name == "main"


def test_add_contact_from_second_identity_card(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    onboard(qtbot, launcher)
    bob = run(launcher, launcher.node.call("identity_create", {"displayName": "Bob"}))
    card = run(launcher, launcher.node.call("identity_getCard", {"id": bob["id"]}))["card"]
    w = launcher.window
    w.main.show_screen("contacts")
    contacts = w.main.contacts
    qtbot.mouseClick(contacts.add_button, Qt.MouseButton.LeftButton)
    dlg = contacts.add_dialog
    qtbot.waitUntil(dlg.isVisible, timeout=WAIT)
    dlg.card.setPlainText("mfc1.garbage")
    qtbot.mouseClick(dlg.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.message.text() != "", timeout=WAIT)
    assert dlg.isVisible()
    dlg.card.setPlainText(card)
    qtbot.mouseClick(dlg.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: contacts.list.count() == 1, timeout=WAIT)
    assert "Bob" in contacts.list.item(0).text()
    listed = run(launcher, launcher.node.call("contacts_list"))
    assert [c["displayName"] for c in listed] == ["Bob"]
    # search filters, and my card shows a QR code
    qtbot.keyClicks(contacts.search, "zzz")
    qtbot.waitUntil(lambda: contacts.list.count() == 0, timeout=WAIT)
    contacts.search.clear()
    qtbot.waitUntil(lambda: contacts.list.count() == 1, timeout=WAIT)
    shot(w, tmp_path, "contacts-light")
    contacts.show_my_card()
    qtbot.waitUntil(
        lambda: getattr(contacts, "card_dialog", None) is not None and contacts.card_dialog.isVisible(),
        timeout=WAIT,
    )
    assert contacts.card_dialog.card.text().startswith("mfc1.")
    assert not contacts.card_dialog.findChild(type(contacts.empty), "qr").pixmap().isNull()
    shot(contacts.card_dialog, tmp_path, "my-card")
    contacts.card_dialog.reject()


def test_backup_and_restore_into_fresh_home(qtbot: Any, launcher: Any, tmp_path: Path, qapp: Any) -> None:
    onboard(qtbot, launcher)
    w = launcher.window
    w.main.show_screen("settings")
    w.main.settings.show_tab("backup")
    tab = w.main.settings.backup
    dest = tmp_path / "alice.mfbackup"
    tab.path.setText(str(dest))
    tab.password.setText(PASSWORD)
    tab.password_again.setText(PASSWORD)
    seen: list[Any] = []
    from mainframe_os.node.events import BackupProgress

    launcher.node.events.subscribe(BackupProgress, seen.append)
    qtbot.mouseClick(tab.backup_button, Qt.MouseButton.LeftButton)
    give_vault_password(qtbot)  # the whole vault leaves: its password again
    qtbot.waitUntil(lambda: "Backed up" in tab.status.text(), timeout=4 * WAIT)
    assert dest.is_file() and seen
    assert tab.progress.value() == tab.progress.maximum()
    shot(w, tmp_path, "settings-backup-light")
    launcher.close()

    from mainframe_os.gui.app import create_app

    fresh = create_app(tmp_path / "fresh-home", [])
    try:
        fw = fresh.window
        qtbot.waitUntil(lambda: fw.page == "onboarding", timeout=WAIT)
        ob = fw.onboarding
        ob.findChild(type(ob.identity_button), "restoreFromBackup").click()
        ob.restore_form.path.setText(str(dest))
        ob.restore_form.password.setText(PASSWORD)
        qtbot.mouseClick(ob.restore_form.submit, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: fw.page == "lock", timeout=WAIT)
        qtbot.waitUntil(lambda: fw.lock_screen.vaults.currentText() == "main", timeout=WAIT)
        qtbot.keyClicks(fw.lock_screen.password, PASSWORD)
        qtbot.keyClick(fw.lock_screen.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: fw.page == "main", timeout=WAIT)
        idents = run(fresh, fresh.node.call("identity_list"))
        assert [i["displayName"] for i in idents] == ["Alice"]
    finally:
        fresh.close()


def test_corrupt_backup_shows_clear_error_and_replaces_nothing(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    onboard(qtbot, launcher)
    dest = tmp_path / "b.mfbackup"
    run(
        launcher,
        launcher.node.call("vault_backup", {"path": str(dest), "password": PASSWORD, "vaultPassword": PASSWORD}),
    )
    data = bytearray(dest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.mfbackup"
    bad.write_bytes(bytes(data))
    vault_files = sorted((launcher.node.paths.vaults).iterdir())
    before = {p.name: p.read_bytes() for p in vault_files if p.is_file()}
    w = launcher.window
    w.main.show_screen("settings")
    w.main.settings.show_tab("backup")
    form = w.main.settings.backup.restore
    form.path.setText(str(bad))
    form.password.setText(PASSWORD)
    form.as_name.setText("copy")
    qtbot.mouseClick(form.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: launcher.ctx.errors.history != [], timeout=WAIT)
    title, message = launcher.ctx.errors.history[-1]
    assert "restore" in title.lower()
    assert message and "unexpected" not in message.lower()
    assert "Nothing was changed" in form.message.text()
    assert [v["name"] for v in run(launcher, launcher.node.call("vault_list"))] == ["main"]
    after = {p.name: p.read_bytes() for p in sorted(launcher.node.paths.vaults.iterdir()) if p.is_file()}
    assert set(after) == set(before)
    box = launcher.ctx.errors.current
    shot(box, tmp_path, "corrupt-backup-error")
    box.close()


def test_delete_vault_needs_typed_name(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    onboard(qtbot, launcher)
    w = launcher.window
    w.main.show_screen("settings")
    tab = w.main.settings.vaults
    qtbot.waitUntil(lambda: tab.list.count() == 1, timeout=WAIT)
    tab.list.item(0).setSelected(True)
    qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: getattr(tab, "delete_dialog", None) is not None and tab.delete_dialog.isVisible(),
        timeout=WAIT,
    )
    dlg = tab.delete_dialog
    assert not dlg.ok.isEnabled()
    qtbot.keyClicks(dlg.field, "mai")
    assert not dlg.ok.isEnabled()
    shot(dlg, tmp_path, "delete-vault")
    qtbot.keyClicks(dlg.field, "n")
    assert dlg.ok.isEnabled()
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    give_vault_password(qtbot)  # deleting is `secret`: the vault's password again
    qtbot.waitUntil(lambda: run(launcher, launcher.node.call("vault_list")) == [], timeout=4 * WAIT)
    qtbot.waitUntil(lambda: w.page == "onboarding", timeout=WAIT)


def test_approval_dialog_rejects_on_escape(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    from mainframe_os.node.context import CallerContext
    from mainframe_os.node.prompter import PromptRequest

    req = PromptRequest(
        "transaction",
        CallerContext.app("payments", "x"),
        "Send 1.5 ETH",
        {"from": "0x" + "1" * 40, "to": "0x" + "2" * 40, "value": "1.5 ETH", "fee": "0.0004 ETH"},
    )
    fut = __import__("asyncio").ensure_future(launcher.prompter.ask(req))
    qtbot.waitUntil(
        lambda: launcher.prompter.current is not None and launcher.prompter.current.isVisible(),
        timeout=WAIT,
    )
    dlg = launcher.prompter.current
    labels = " ".join(lbl.text() for lbl in dlg.findChildren(type(launcher.window.lock_screen.message)))
    assert "payments" in labels and "1.5 ETH" in labels and "0.0004 ETH" in labels
    assert dlg.reject_button.isDefault()
    shot(dlg, tmp_path, "approval-light")
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    qtbot.waitUntil(fut.done, timeout=WAIT)
    assert fut.result().approved is False
    # and Approve approves
    fut2 = __import__("asyncio").ensure_future(launcher.prompter.ask(req))
    qtbot.waitUntil(
        lambda: launcher.prompter.current is not None and launcher.prompter.current.isVisible(),
        timeout=WAIT,
    )
    qtbot.mouseClick(
        launcher.prompter.current.findChild(type(dlg.reject_button), "approveButton"),
        Qt.MouseButton.LeftButton,
    )
    qtbot.waitUntil(fut2.done, timeout=WAIT)
    assert fut2.result().approved is True and fut2.result().choice == "approve"


def test_bad_input_vault_passwords(qtbot: Any, launcher: Any) -> None:
    w = launcher.window
    qtbot.waitUntil(lambda: w.page == "onboarding", timeout=WAIT)
    form = w.onboarding.vault_form
    assert not form.submit.isEnabled()
    form.password.setText("short")
    assert "at least 8" in form.why.text() and not form.submit.isEnabled()
    form.password.setText(PASSWORD)
    form.confirm.setText("different password")
    assert "do not match" in form.why.text() and not form.submit.isEnabled()
