"""The bundled Messenger in a real QtWebEngine page against a real node, talking to a second real
node over libp2p: the conversation list with its unread badge, a chat, a message the other node
receives, and a payment on the dev chain shown as a bubble with its status (screenshots in
/tmp/shots, or MFOS_SHOTS)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import events as ev
from mainframe_os.node.node import Node
from tests.integration.comms.conftest import PW, Peer, befriend, wait_for

from .test_apps import settled, shoot

pytestmark = pytest.mark.webengine


async def bob_with_wallet(home: Path) -> Peer:
    """Bob's node, with a wallet before his card is made (a card carries the address to pay)."""
    bob = Peer(Node(home), "Bob")
    await bob.call("vault_create", {"name": "main", "password": PW})
    bob.identity_id = (await bob.call("identity_create", {"displayName": "Bob"}))["id"]
    phrase = await bob.call("wallet_generatePhrase")
    await bob.call("wallet_create", {"phrase": phrase["phrase"]})
    bob.card = (await bob.call("peer_card"))["card"]
    return bob


async def share_an_app(bob: Peer, tmp: Path) -> str:
    """Bob installs a signed app and shares it with Alice from his Messenger; the app id."""
    from mainframe_os.node.context import CallerContext
    from tests.integration.comms.test_app_comms import package

    staged = await bob.call("apps_install", {"path": str(package(tmp, "Chess"))})
    app_id = staged["manifest"]["id"]
    await bob.call("apps_approveInstall", {"appId": app_id, "version": "1.0.0"})
    apps = await bob.call("apps_list")
    messenger = CallerContext.app(next(a["id"] for a in apps if a["name"] == "Messenger"), bob.identity_id)
    chats = (await bob.node.call("messenger_conversations", {}, messenger))["conversations"]
    (alice,) = [c for c in chats if c["type"] == "contact"]
    await bob.node.call("messenger_shareApp", {"contact": alice["id"], "appId": app_id}, messenger)
    return str(app_id)


def text_of(page: Any, selector: str) -> str:
    return str(page.ok(f"(document.querySelector({selector!r}) || {{}}).textContent || ''"))


def test_messenger_chat_and_pay(world, run, open_app, tmp_path: Path) -> None:
    node, prompter = world["node"], world["prompter"]
    bob = run(bob_with_wallet(tmp_path / "bob"), 90)
    try:
        alice = Peer(node, "Alice")
        alice.identity_id = world["identity"]
        alice.card = run(node.call("peer_card", {"identityId": world["identity"]}))["card"]
        run(befriend(alice, bob), 60)
        run(bob.call("comms_send", {"contact": "Alice", "text": "Lunch on Friday?"}))
        run(wait_for(lambda: alice.got(ev.MessageReceived), what="Bob's message at Alice"))

        apps = {a["name"]: a for a in run(node.call("apps_list", {"identityId": world["identity"]}))}
        page = open_app(apps["Messenger"]["id"])
        page.app.window.resize(980, 640)
        # the list: Bob, with one unread message
        assert settled(page, "document.querySelector('#list li .badge')?.textContent", "v => v") == "1"
        assert text_of(page, "#list li .name") == "Bob"
        assert text_of(page, "#list li .snippet") == "Lunch on Friday?"
        run(asyncio.sleep(0.3))
        shoot(page.app.window, "messenger-list")

        page.ok("document.querySelector('#list li').click(), 1")
        assert "Lunch on Friday?" in settled(page, "document.querySelector('#messages').textContent", "v => v")
        assert settled(page, "document.querySelector('#list li .badge')", "v => !v", 10_000) is None  # read now
        page.ok("document.getElementById('text').value = 'Friday works!', "
                "document.getElementById('composer').requestSubmit(), 1")  # fmt: skip

        async def bob_got() -> Any:
            return [m for m in await bob.call("comms_list") if m["body"] == "Friday works!"]

        (got,) = run(wait_for(bob_got, what="Alice's answer at Bob"))
        assert got["direction"] == "in"

        # a group with Bob, made in the Messenger: Bob's node gets the group and its message
        page.ok("document.getElementById('groupOpen').click(), 1")
        page.ok("[...document.querySelectorAll('#groupPick label')].find(l => l.textContent === 'Bob')"
                ".querySelector('input').click(), document.getElementById('groupName').value = 'Lunch', "
                "document.getElementById('groupForm').requestSubmit(), 1")  # fmt: skip
        assert settled(page, "document.getElementById('title').textContent", "v => v === 'Lunch'") == "Lunch"
        page.ok("document.getElementById('text').value = 'Noon at the usual place', "
                "document.getElementById('composer').requestSubmit(), 1")  # fmt: skip

        async def bob_group() -> Any:
            return [m for m in await bob.call("comms_list") if m["groupId"] and m["body"] == "Noon at the usual place"]

        run(wait_for(bob_group, what="the group message at Bob"))
        assert "Noon at the usual place" in settled(page, "document.getElementById('messages').textContent", "v => v")
        shoot(page.app.window, "messenger-group")
        page.ok("[...document.querySelectorAll('#list li')].find(l => l.querySelector('.name').textContent === 'Bob')"
                ".click(), 1")  # fmt: skip
        assert settled(page, "document.getElementById('title').textContent", "v => v === 'Bob'") == "Bob"

        # a payment inside the chat: pending while the user approves, confirmed once mined
        prompter.will(True)
        page.ok("document.getElementById('payOpen').click(), document.getElementById('amount').value = '0.01', "
                "document.getElementById('pay').click(), 1")  # fmt: skip
        status = settled(
            page, "document.querySelector('.payment .status')?.dataset.status", "v => v && v !== 'pending'", 60_000
        )
        assert status == "confirmed", page.page.console[-10:]
        tx_hash = page.ok("document.querySelector('.payment').dataset.tx")
        receipt = run(node.call("eth_getTransactionReceipt", [tx_hash]))
        assert receipt is not None and int(receipt["status"], 16) == 1

        async def notice() -> Any:
            return [m for m in await bob.call("comms_list") if isinstance(m["body"], dict)]

        (n,) = run(wait_for(notice, what="the payment notice at Bob"))
        assert n["body"]["kind"] == "payment" and n["body"]["txHash"] == tx_hash and n["body"]["amount"] == "0.01"

        # more than the wallet holds: a failed bubble with the reason, nothing sent
        prompter.will(True)
        page.ok("document.getElementById('payOpen').click(), document.getElementById('amount').value = '123456789', "
                "document.getElementById('pay').click(), 1")  # fmt: skip
        assert settled(page, "document.querySelector('.payment .status.failed')?.dataset.status", "v => v") == "failed"
        prompter.answers.clear()  # whether the wallet asked first or not, nothing is left for later tests
        page.ok("document.getElementById('amount').value = '0.01', 1")
        # refused in the launcher: a cancelled bubble, nothing sent
        prompter.will(False)
        page.ok("document.getElementById('payOpen').click(), document.getElementById('pay').click(), 1")
        assert settled(page, "document.querySelector('.payment .status.cancelled')?.dataset.status", "v => v") == (
            "cancelled"
        )
        assert len(run(notice())) == 1

        # Bob shares a signed app: the card shows it, and Alice installs it after checking
        chess = run(share_an_app(bob, tmp_path))
        assert settled(page, "document.querySelector('.share h2')?.textContent", "v => v") == "Chess 1.0.0"
        assert "key " in text_of(page, ".share .fp") and "COMMS_CONTACT" in text_of(page, ".share .perm")
        prompter.will(True)
        page.ok("document.querySelector('.share button').click(), 1")
        done = settled(page, "document.querySelector('.share button').textContent", "v => v === 'Installed'", 40_000)
        assert done == "Installed", text_of(page, "#status")  # verifying and installing is slow on a busy box
        assert prompter.asked[-1].kind == "confirm" and "Chess" in prompter.asked[-1].title
        installed = run(node.call("apps_list", {"identityId": world["identity"]}))
        assert chess in {a["id"] for a in installed}
        run(asyncio.sleep(0.3))
        shoot(page.app.window, "messenger-chat")
    finally:
        run(node.call("peer_stop"))
        run(bob.node.close())
