"""Per-app contact ids from real pages running the real SDK: the id one app's page was given by
contacts.select pays nobody from another app's page (no dialog opens), while the page it was
given to gets the payment dialog. A page that saw every contact while it held MESSENGER pays none
of them once the user takes MESSENGER back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.apps.conftest import ScriptedPrompter, open_node

pytestmark = pytest.mark.webengine

PAYING = {"required": ["STORAGE", "CONTACTS_READ", "BLOCKCHAIN_SEND"], "optional": []}
CHAT = {"required": ["STORAGE", "BLOCKCHAIN_SEND"], "optional": ["MESSENGER"]}


def test_a_contact_id_pays_only_from_the_app_it_was_given_to(install_app, open_app, world, run, tmp_path: Path) -> None:
    node, prompter = world["node"], world["prompter"]

    async def dora() -> str:  # a real contact with an address: another home's card
        other, _ = await open_node(tmp_path / "dora", ScriptedPrompter())
        try:
            await other.call(
                "identity_rename", {"id": (await other.call("identity_list"))[0]["id"], "displayName": "Dora"}
            )
            card = (await other.call("identity_getCard"))["card"]
        finally:
            await other.close()
        added = await node.call("contacts_add", {"card": card, "identityId": world["identity"]})
        return str(added["id"])

    contact = run(dora(), 60)
    shop, other = (
        open_app(install_app("Shop Ids", permissions=PAYING)),
        open_app(install_app("Other Ids", permissions=PAYING)),
    )
    prompter.will(True, data=[contact])
    (picked,) = shop.ok("mainframe.contacts.select()")
    assert picked["displayName"] == "Dora" and picked["id"] != contact
    pay = "mainframe.payments.payContact({contact: %s, currency: 'ETH', amount: '0.01'})"

    asked = len(prompter.asked)
    assert other.err(pay % json.dumps(picked["id"]))["code"] == 4012  # Shop's id means nothing to Other
    assert other.err(pay % json.dumps(contact))["code"] == 4012  # nor does the real id
    assert len(prompter.asked) == asked  # no dialog opened
    paid = shop.js(pay % json.dumps(picked["id"]), 60)  # the first payment may start the dev chain
    assert paid.get("err", {}).get("code") == 4001, paid  # shown, and refused here
    assert len(prompter.asked) == asked + 1 and "Dora" in str(prompter.asked[-1].details)

    # a chat app saw Dora's id through MESSENGER; the user takes MESSENGER back in the launcher
    chat_id = install_app("Chat Ids", permissions=CHAT, grant=["MESSENGER"])
    chat = open_app(chat_id)
    chats = chat.ok("mainframe.call('messenger_conversations')")["conversations"]
    dora_at_chat = next(c["id"] for c in chats if c["name"] == "Dora")
    run(node.call("apps_setGrant", {"appId": chat_id, "key": "MESSENGER", "decision": "never"}))
    refused = chat.err(pay % json.dumps(dora_at_chat))
    assert refused["code"] == 4100 and "not picked" in refused["message"]
    assert len(prompter.asked) == asked + 1  # no dialog opened
