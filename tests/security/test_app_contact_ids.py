"""Per-app contact ids, attacked from an app's side: an app addresses only contacts the user picked
for it. Another app's id, a guess, or an id of a contact never picked for it (one it saw while it
held MESSENGER, which the user then took back) is refused before anything is shown: no prompt,
no payment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext
from mainframe_os.node.node import Node
from tests.unit.apps.conftest import ScriptedPrompter, open_node
from tests.unit.apps.test_grants import install

PAYING = {"required": ["STORAGE"], "optional": ["CONTACTS_READ", "BLOCKCHAIN_SEND"]}
MESSENGER_LIKE = {"required": ["STORAGE"], "optional": ["MESSENGER", "BLOCKCHAIN_SEND"]}


async def add_contact(node: Node, tmp_path: Path, name: str) -> str:
    """A real contact: another home's identity card, added the way the launcher adds it."""
    other, _ = await open_node(tmp_path / f"{name}-home", ScriptedPrompter())  # a wallet: an address to pay
    try:
        await other.call("identity_rename", {"id": (await other.call("identity_list"))[0]["id"], "displayName": name})
        card = (await other.call("identity_getCard"))["card"]
    finally:
        await other.close()
    return str((await node.call("contacts_add", {"card": card}))["id"])


async def select(node: Node, prompter: ScriptedPrompter, app: CallerContext, contact: str) -> str:
    prompter.will(True, data=[contact])
    (picked,) = await node.call("contacts_select", {}, app)
    return str(picked["id"])


async def pay(node: Node, app: CallerContext, contact: str) -> None:
    await node.call("payments_payContact", {"contact": contact, "currency": "ETH", "amount": "0.01"}, app)


async def test_an_app_pays_only_contacts_picked_for_it(
    opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path
) -> None:
    node, ident = opened
    bob = await add_contact(node, tmp_path, "Bob")
    await add_contact(node, tmp_path, "Carol")
    grant = ["CONTACTS_READ", "BLOCKCHAIN_SEND"]
    a = CallerContext.app(await install(node, tmp_path, "Shop", permissions=PAYING, grant=grant), ident)
    b = CallerContext.app(await install(node, tmp_path, "Other", permissions=PAYING, grant=grant), ident)
    chat = await install(node, tmp_path, "Chat", permissions=MESSENGER_LIKE, grant=["MESSENGER", "BLOCKCHAIN_SEND"])
    m = CallerContext.app(chat, ident)
    bob_at_a = await select(node, prompter, a, bob)
    before = len(prompter.asked)

    # another app's id, and a guess: no such contact for this app
    for app, contact in ((b, bob_at_a), (b, "0" * 32), (a, bob_at_a[::-1])):
        with pytest.raises(E.ContactNotFound):
            await pay(node, app, contact)
    assert len(prompter.asked) == before  # refused before any dialog

    # the picked contact: the payment is shown to the user (who refuses it here)
    with pytest.raises(E.UserRejected):
        await pay(node, a, bob_at_a)
    assert len(prompter.asked) == before + 1 and "Bob" in str(prompter.asked[-1].details)

    # an app that held MESSENGER saw every contact's id; once the user takes MESSENGER back, those
    # ids pay nobody it was not given through a pick
    chats = (await node.call("messenger_conversations", {}, m))["conversations"]
    carol_at_m = next(c["id"] for c in chats if c.get("name") == "Carol")
    before = len(prompter.asked)
    with pytest.raises(E.UserRejected):  # while it holds MESSENGER: the user's every conversation
        await pay(node, m, carol_at_m)
    assert len(prompter.asked) == before + 1
    await node.call("apps_setGrant", {"appId": m.app_id, "key": "MESSENGER", "decision": "never"})
    with pytest.raises(E.Unauthorized, match="not picked"):
        await pay(node, m, carol_at_m)
    assert len(prompter.asked) == before + 1


async def test_per_app_ids_are_unlinkable_across_apps(
    opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path
) -> None:
    node, ident = opened
    bob = await add_contact(node, tmp_path, "Bob")
    apps = [await install(node, tmp_path, name, permissions=PAYING, grant=["CONTACTS_READ"]) for name in "ABC"]
    ids = [await select(node, prompter, CallerContext.app(app, ident), bob) for app in apps]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)  # 128 bits: not guessable
    assert len({*ids, bob}) == 4  # none is the real id, nor another app's
    again = await select(node, prompter, CallerContext.app(apps[0], ident), bob)
    assert again == ids[0]  # stable for one app: it can recognise the contact it was given
