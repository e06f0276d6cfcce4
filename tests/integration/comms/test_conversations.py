"""What the launcher's conversation views read: a contact's 1:1 history apart from what they
said in groups, a group's own history, unread counts per conversation, and the verified flag."""

from __future__ import annotations

import pytest

from mainframe_os.node import events as ev

from .conftest import befriend, wait_for


async def test_group_and_direct_messages_are_separate_conversations(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    bob_at_alice, _ = await befriend(alice, bob)
    gid = (await alice.call("groups_create", {"name": "Climbing", "contacts": ["Bob"]}))["id"]
    await wait_for(lambda: bob.got(ev.GroupsChanged, group_id=gid), what="Bob in the group")
    await bob.call("groups_send", {"group": gid, "text": "to the group"})
    await bob.call("comms_send", {"contact": "Alice", "text": "just to you"})
    await wait_for(lambda: len(alice.got(ev.MessageReceived)) == 2, what="both messages at Alice")

    direct = await alice.call("comms_list", {"contact": bob_at_alice})
    group = await alice.call("comms_list", {"group": gid})
    assert [m["body"] for m in direct] == ["just to you"]
    assert [(m["body"], m["groupId"]) for m in group] == [("to the group", gid)]
    assert len(await alice.call("comms_list")) == 2  # everything, for the CLI's `msg list`

    unread = await alice.call("comms_unread")
    assert unread["total"] == 2
    assert [c["unread"] for c in unread["contacts"]] == [1] and unread["groups"] == [{"groupId": gid, "unread": 1}]

    assert (await alice.call("groups_markRead", {"group": gid}))["read"] == 1
    after = await alice.call("comms_unread")
    assert after["total"] == 1 and after["groups"] == [] and after["contacts"][0]["unread"] == 1
    assert (await alice.call("comms_markRead", {"contact": bob_at_alice}))["read"] == 1
    assert (await alice.call("comms_unread"))["total"] == 0

    (peer,) = await alice.call("contacts_peers")
    assert peer["displayName"] == "Bob" and peer["state"] == "contact" and peer["verified"] is False


@pytest.mark.slow
async def test_a_changed_key_stays_flagged_across_restarts_until_the_card_is_replaced(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    await bob.node.db(_forget_messaging_keys)  # Bob "reinstalled": new end-to-end keys, same identity
    await bob.call("comms_send", {"contact": "Alice", "text": "it's me, new keys"})
    await wait_for(lambda: alice.got(ev.ContactKeysChanged), what="the changed keys at Alice")
    assert await alice.call("comms_list") == []  # not silently accepted
    (peer,) = await alice.call("contacts_peers")
    assert peer["keysChanged"] is True and peer["verified"] is False

    alice = await peers.reopen(alice)
    (peer,) = await alice.call("contacts_peers")
    assert peer["keysChanged"] is True  # the warning outlives the launcher

    # Alice checked with Bob: she replaces his card with the new one, and the warning goes.
    (bob_at_alice,) = await alice.call("contacts_list")
    await alice.call("contacts_remove", {"id": bob_at_alice["id"]})
    await alice.call("contacts_add", {"card": (await bob.call("peer_card"))["card"]})
    (peer,) = await alice.call("contacts_peers")
    assert peer["keysChanged"] is False
    changed = len(alice.got(ev.ContactKeysChanged))
    await bob.call("comms_send", {"contact": "Alice", "text": "new keys, checked"})

    async def bodies() -> list[str]:
        return [m["body"] for m in await alice.call("comms_list")]

    await wait_for(lambda: alice.got(ev.MessageReceived), what="Bob's message under his new keys")
    await wait_for(lambda: _has(bodies(), "new keys, checked"), what="the checked message")
    # Bob's node may retry the refused one meanwhile: now that Alice holds his new card, it may come too
    assert set(await bodies()) <= {"new keys, checked", "it's me, new keys"}
    assert len(alice.got(ev.ContactKeysChanged)) == changed


async def _has(texts, text: str) -> bool:
    return text in await texts


def _forget_messaging_keys(s) -> None:
    from sqlalchemy import delete

    from vault.models import CommsAccount, CommsSession

    s.execute(delete(CommsSession))
    s.execute(delete(CommsAccount))
