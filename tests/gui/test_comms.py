"""Two launchers talking: two homes, two real nodes with real libp2p hosts on 127.0.0.1, in one
test process, driven by clicks and keys as a user would.

Screenshots of each messaging view go to the test's temp folder; with MFOS_SHOTS=1 they replace
the reference ones beside this file (screenshots/comms/, committed): look at them after a change
to these views, and commit them when they look right.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from .conftest import PASSWORD, run
from .helpers import WAIT, click

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SHOTS = Path(__file__).resolve().parent / "screenshots" / "comms"
NET = 30_000  # messages cross two real hosts on a loaded machine


@pytest.fixture
def second(qapp: Any, launcher: Any, tmp_path: Path) -> Iterator[Any]:
    """A second launcher on its own home, on the same Qt app and loop as `launcher`."""
    from mainframe_os.gui.app import Launcher
    from mainframe_os.node.paths import HomePaths

    paths = HomePaths.resolve(tmp_path / "home-b")
    paths.ensure()
    b = Launcher(qapp, paths.root)
    b.show()
    b.start_task = asyncio.ensure_future(b.start())
    yield b
    for w in qapp.topLevelWidgets():
        if w not in (launcher.window, b.window) and w.isVisible():
            w.close()
    run(launcher, b.shutdown(), timeout=60)
    b.window.hide()
    b.window.deleteLater()


def _setup(qtbot: Any, lau: Any, name: str) -> Any:
    node = lau.node
    qtbot.waitUntil(lambda: lau.start_task.done(), timeout=WAIT)
    run(lau, node.call("vault_create", {"name": "main", "password": PASSWORD}))
    run(lau, node.call("identity_create", {"displayName": name}))
    lau.window.show_main()
    qtbot.waitUntil(lambda: lau.window.page == "main", timeout=WAIT)
    main = lau.window.main
    main.show_screen("contacts")
    return main


def _visible(cls: type) -> Any:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, cls) and w.isVisible()), None)


def _shot(widget: Any, folder: Path, name: str) -> Path:
    QApplication.processEvents()
    path = folder / f"{name}.png"
    widget.grab().save(str(path))
    return path


def test_request_accept_chat_unread_badge_and_read_mark(qtbot: Any, launcher: Any, second: Any, tmp_path: Path) -> None:
    from mainframe_os.gui.screens.contacts_cards import MyCardDialog
    from mainframe_os.gui.screens.contacts_groups import NewGroupDialog
    from mainframe_os.gui.screens.contacts_requests import SendRequestDialog

    folder = SHOTS if os.environ.get("MFOS_SHOTS") else tmp_path / "comms"
    folder.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    a, b = _setup(qtbot, launcher, "Alice"), _setup(qtbot, second, "Bob")
    for lau in (launcher, second):
        lau.window.resize(1000, 680)

    # Bob goes online from "My card" and copies the card that carries where to reach him.
    click(qtbot, b.contacts.my_card_button)
    qtbot.waitUntil(lambda: _visible(MyCardDialog) is not None, timeout=WAIT)
    card_dialog = _visible(MyCardDialog)
    assert card_dialog.online_button.isVisible()
    click(qtbot, card_dialog.online_button)
    qtbot.waitUntil(lambda: not card_dialog.online_button.isVisible(), timeout=NET)
    bob_card = card_dialog.card.text()
    card_dialog.close()

    # Alice pastes it in Requests -> Send a request; a bad card first: one clear line, text kept.
    a.contacts.open_requests()
    click(qtbot, a.contacts.requests.send_button)
    qtbot.waitUntil(lambda: _visible(SendRequestDialog) is not None, timeout=WAIT)
    dlg = _visible(SendRequestDialog)
    dlg.card.setPlainText("mfc1.notacard")
    click(qtbot, dlg.send)
    qtbot.waitUntil(lambda: dlg.error.text() != "", timeout=WAIT)
    assert "card" in dlg.error.text().lower() and "\n" not in dlg.error.text()
    assert dlg.isVisible() and dlg.card.toPlainText() == "mfc1.notacard"
    dlg.card.setPlainText(bob_card)
    qtbot.keyClicks(dlg.message, "Hi Bob, it's Alice from the climbing gym")
    shots.append(_shot(dlg, folder, "send-request"))
    click(qtbot, dlg.send)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=NET)

    # Bob: a notification, the Requests tab counts it, the row names Alice and her message.
    reqs = b.contacts.requests
    qtbot.waitUntil(lambda: len(reqs.rows) == 1, timeout=NET)
    row = reqs.rows[0]
    assert row.req["displayName"] == "Alice" and "climbing gym" in row.req["message"]
    assert b.contacts.tabs.tabText(1) == "Requests (1)"
    assert "(1)" in b.nav_buttons["contacts"].text()
    notes = b.notifications.list
    qtbot.waitUntil(lambda: notes.count() >= 1, timeout=WAIT)
    request_note = next(notes.item(i) for i in range(notes.count()) if "Contact request" in notes.item(i).text())
    b.show_screen("notifications")
    b.notifications.list.itemClicked.emit(request_note)  # the click opens Contacts -> Requests
    assert b.current_screen() == "contacts" and b.contacts.tabs.currentWidget() is reqs
    shots.append(_shot(second.window, folder, "requests"))
    click(qtbot, row.accept_button)
    qtbot.waitUntil(lambda: reqs.rows == [] and len(b.contacts.contacts) == 1, timeout=NET)
    qtbot.waitUntil(lambda: len(a.contacts.contacts) == 1, timeout=NET)  # Alice hears the acceptance

    # Alice opens the conversation with Enter in the list and sends with Enter.
    a.contacts.close_conversation()
    a.contacts.list.setCurrentRow(0)
    qtbot.keyClick(a.contacts.list, Qt.Key.Key_Return)
    conv_a = a.contacts.conversation
    qtbot.waitUntil(lambda: conv_a.isVisible() and conv_a.peer is not None, timeout=WAIT)
    for text in ("Hello Bob!", "Are you coming on Saturday?"):
        qtbot.keyClicks(conv_a.composer, text)
        qtbot.keyClick(conv_a.composer, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda t=text: any(x.msg["body"] == t for x in conv_a.bubbles.values()), timeout=NET)
    assert conv_a.composer.text() == ""

    # Bob is elsewhere: the sidebar and the tray count 2 unread; the list shows it on Alice.
    qtbot.waitUntil(lambda: b.contacts.unread.total == 2, timeout=NET)
    assert "(2)" in b.nav_buttons["contacts"].text()
    assert second.tray.unread == 2 and "2 unread" in second.tray.tooltip
    b.contacts.tabs.setCurrentIndex(0)
    assert "2 new" in b.contacts.list.item(0).text() and b.contacts.list.item(0).font().bold()

    def mine() -> list[Any]:  # Alice's messages as her conversation shows them now
        return [x for x in conv_a.bubbles.values() if x.msg["direction"] == "out"]

    qtbot.waitUntil(lambda: [x.msg["state"] for x in mine()] == ["delivered"] * 2, timeout=NET)
    shots.append(_shot(second.window, folder, "contacts-unread"))

    # Bob opens the conversation from the message's notification; showing it marks it read.
    qtbot.waitUntil(
        lambda: any("Message from Alice" in notes.item(i).text() for i in range(notes.count())), timeout=NET
    )
    msg_note = next(notes.item(i) for i in range(notes.count()) if "Message from Alice" in notes.item(i).text())
    b.notifications.list.itemClicked.emit(msg_note)
    conv_b = b.contacts.conversation
    qtbot.waitUntil(lambda: conv_b.isVisible() and len(conv_b.bubbles) == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: b.contacts.unread.total == 0 and second.tray.unread == 0, timeout=NET)
    assert b.nav_buttons["contacts"].text().strip() == "Contacts"
    qtbot.keyClicks(conv_b.composer, "Yes! See you there")
    qtbot.keyClick(conv_b.composer, Qt.Key.Key_Return)

    # Alice sees the read marks on hers, and Bob's answer (read at once: her conversation is open).
    qtbot.waitUntil(lambda: any(x.msg["body"] == "Yes! See you there" for x in conv_a.bubbles.values()), timeout=NET)
    qtbot.waitUntil(lambda: [x.msg["state"] for x in mine()] == ["read"] * 2, timeout=NET)
    assert [x.meta.toolTip() for x in mine()] == ["Read"] * 2
    qtbot.waitUntil(lambda: a.contacts.unread.total == 0, timeout=WAIT)  # Bob's answer, read as it came
    shots.append(_shot(launcher.window, folder, "conversation"))
    launcher.set_theme("dark")
    shots.append(_shot(launcher.window, folder, "conversation-dark"))
    launcher.set_theme("light")
    qtbot.waitUntil(lambda: b.contacts.unread.total == 0, timeout=WAIT)

    # Esc leaves the conversation, back to the list.
    qtbot.keyClick(conv_a.composer, Qt.Key.Key_Escape)
    assert not conv_a.isVisible() and a.contacts.list.isVisible()

    # A group: Alice makes it with Bob and writes; Bob sees it in his list with its own count.
    click(qtbot, a.contacts.group_button)
    qtbot.waitUntil(lambda: _visible(NewGroupDialog) is not None, timeout=WAIT)
    gdlg = _visible(NewGroupDialog)
    qtbot.keyClicks(gdlg.name, "Climbing")
    assert not gdlg.create.isEnabled()  # nobody in it yet
    gdlg.members.item(0).setCheckState(Qt.CheckState.Checked)
    click(qtbot, gdlg.create)
    qtbot.waitUntil(lambda: conv_a.isVisible() and conv_a.peer is not None and bool(conv_a.peer.group), timeout=NET)
    qtbot.keyClicks(conv_a.composer, "Group hello")
    qtbot.keyClick(conv_a.composer, Qt.Key.Key_Return)
    qtbot.keyClick(conv_b.composer, Qt.Key.Key_Escape)  # Bob is back on his list
    qtbot.waitUntil(lambda: b.contacts.unread.total == 1 and len(b.contacts.unread.groups) == 1, timeout=NET)

    def rows() -> list[str]:
        return [b.contacts.list.item(i).text() for i in range(b.contacts.list.count())]

    qtbot.waitUntil(lambda: any(r.startswith("Climbing") and "1 new" in r for r in rows()), timeout=NET)
    b.contacts.list.setCurrentRow(next(i for i, r in enumerate(rows()) if r.startswith("Climbing")))
    qtbot.keyClick(b.contacts.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [x.msg["body"] for x in conv_b.bubbles.values()] == ["Group hello"], timeout=NET)
    assert conv_b.findChild(QLabel, "bubbleSender").text() == "Alice"
    assert not conv_b.verify_button.isVisible()  # groups are not verified, their members are
    qtbot.waitUntil(lambda: b.contacts.unread.total == 0, timeout=NET)
    shots.append(_shot(second.window, folder, "group"))
    assert all(p.stat().st_size > 5000 for p in shots)


def test_verify_both_sides_see_the_emoji_and_a_changed_key_warns(
    qtbot: Any, launcher: Any, second: Any, tmp_path: Path
) -> None:
    from mainframe_os.gui.screens.contacts_verify import VerifyDialog

    folder = SHOTS if os.environ.get("MFOS_SHOTS") else tmp_path / "comms"
    folder.mkdir(parents=True, exist_ok=True)
    a, b = _setup(qtbot, launcher, "Alice"), _setup(qtbot, second, "Bob")
    bob_card = run(second, second.node.call("peer_card"))["card"]
    run(launcher, launcher.node.call("contacts_request", {"card": bob_card}))
    reqs = b.contacts.requests
    qtbot.waitUntil(lambda: len(reqs.rows) == 1, timeout=NET)
    click(qtbot, reqs.rows[0].accept_button)
    qtbot.waitUntil(lambda: len(a.contacts.contacts) == 1 and len(b.contacts.contacts) == 1, timeout=NET)

    # Alice starts; Bob's launcher shows the same emoji without him asking.
    a.contacts.list.setCurrentRow(0)
    click(qtbot, a.contacts.verify_button)

    def dialogs() -> list[Any]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, VerifyDialog) and w.isVisible()]

    qtbot.waitUntil(lambda: len(dialogs()) == 2 and all(len(d.pairs) == 7 for d in dialogs()), timeout=NET)
    da, db = sorted(dialogs(), key=lambda d: d.name != "Bob")  # Alice's dialog is about Bob
    assert da.pairs == db.pairs and all(name for _, name in da.pairs)
    _shot(da, folder, "verify")
    click(qtbot, da.match_button)
    qtbot.waitUntil(lambda: not da.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: "✔ verified" in a.contacts.list.item(0).text(), timeout=WAIT)
    click(qtbot, db.mismatch_button)
    qtbot.waitUntil(lambda: "Not verified" in db.status.text(), timeout=WAIT)
    db.close()
    assert "verified" not in b.contacts.list.item(0).text()

    # Bob loses his messaging keys (as after a reinstall) and writes: Alice's node refuses the
    # message; her launcher shows a warning where the verified mark was, and no message.
    a.contacts.open_conversation(contact_id=a.contacts.contacts[0]["id"])
    conv = a.contacts.conversation
    assert conv.verified.text() == "✔ Verified" and not conv.banner.isVisible()
    run(second, second.node.db(_forget_messaging_keys))
    run(second, second.node.call("comms_send", {"contact": "Alice", "text": "it's me, honest"}), timeout=60)
    qtbot.waitUntil(lambda: conv.banner.isVisible(), timeout=NET)
    assert "keys changed" in conv.banner_text.text() and conv.verified.text() == "Not verified"
    assert not conv.verify_button.isEnabled()
    assert [x.msg["body"] for x in conv.bubbles.values()] == []
    assert run(launcher, launcher.node.call("comms_unread"))["total"] == 0
    _shot(launcher.window, folder, "keys-changed")
    qtbot.keyClick(conv.composer, Qt.Key.Key_Escape)
    assert "keys changed" in a.contacts.list.item(0).text()

    # Locking forgets the open conversation: nothing of it waits behind the lock screen.
    a.contacts.open_conversation(contact_id=a.contacts.contacts[0]["id"])
    qtbot.keyClicks(conv.composer, "half-written")
    run(launcher, launcher.node.call("vault_lock"))
    qtbot.waitUntil(lambda: launcher.window.page == "lock", timeout=WAIT)
    qtbot.waitUntil(lambda: conv.peer is None, timeout=WAIT)
    assert conv.bubbles == {} and conv.composer.text() == "" and not conv.banner.isVisible()


def _forget_messaging_keys(s: Any) -> None:
    from sqlalchemy import delete

    from vault.models import CommsAccount, CommsSession

    s.execute(delete(CommsSession))
    s.execute(delete(CommsAccount))


def test_bad_cards_say_why_and_blocking_asks_first(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QMessageBox

    from mainframe_os.gui.screens.contacts_requests import SendRequestDialog
    from mainframe_os.node.node import Node

    b = _setup(qtbot, launcher, "Bob")
    bob_card = run(launcher, launcher.node.call("peer_card"))["card"]
    mallory = Node(tmp_path / "mallory")  # a headless node: the stranger asking
    try:
        run(launcher, mallory.call("vault_create", {"name": "main", "password": PASSWORD}))
        ident = run(launcher, mallory.call("identity_create", {"displayName": "Mallory"}))
        old_card = run(launcher, mallory.call("identity_getCard", {"id": ident["id"]}))["card"]
        new_card = run(launcher, mallory.call("peer_card"))["card"]

        # Cards that cannot carry a request: each says why in one line, and the text stays.
        b.contacts.open_requests()
        click(qtbot, b.contacts.requests.send_button)
        qtbot.waitUntil(lambda: _visible(SendRequestDialog) is not None, timeout=WAIT)
        dlg = _visible(SendRequestDialog)
        for bad, why in ((old_card, "no messaging keys"), (new_card[:-6], "card")):
            dlg.card.setPlainText(bad)
            click(qtbot, dlg.send)
            qtbot.waitUntil(lambda: dlg.error.text() != "", timeout=WAIT)
            assert why in dlg.error.text() and "\n" not in dlg.error.text(), dlg.error.text()
            assert dlg.isVisible() and dlg.card.toPlainText() == bad
        dlg.close()

        run(launcher, mallory.call("contacts_request", {"card": bob_card, "message": "let me in"}), timeout=60)
        reqs = b.contacts.requests
        qtbot.waitUntil(lambda: len(reqs.rows) == 1, timeout=NET)

        def confirm_box() -> Any:
            return next(
                (w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None
            )

        def answer(text: str) -> None:
            qtbot.waitUntil(lambda: confirm_box() is not None, timeout=WAIT)
            box = confirm_box()
            assert "Block Mallory?" in box.text()
            click(qtbot, next(btn for btn in box.buttons() if btn.text() == text))
            qtbot.waitUntil(lambda: confirm_box() is None, timeout=WAIT)

        click(qtbot, reqs.rows[0].block_button)
        answer("Cancel")
        assert len(reqs.rows) == 1 and reqs.blocked == []
        click(qtbot, reqs.rows[0].block_button)
        answer("Block")
        qtbot.waitUntil(
            lambda: reqs.rows == [] and [p["displayName"] for p in reqs.blocked] == ["Mallory"], timeout=WAIT
        )
        assert b.contacts.tabs.tabText(1) == "Requests" and b.nav_buttons["contacts"].text().strip() == "Contacts"
    finally:
        run(launcher, mallory.close(), timeout=60)
