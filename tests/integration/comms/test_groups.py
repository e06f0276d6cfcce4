"""Groups with Megolm between three real nodes: everyone reads everyone; a removed member reads
nothing that follows (every member rotates its group key)."""

from __future__ import annotations

import pytest

from mainframe_os.node import events as ev

from .conftest import befriend, wait_for


async def _group_bodies(p, gid: str) -> list[str]:
    return [m["body"] for m in await p.call("comms_list", {"group": gid})]


@pytest.mark.slow
async def test_group_messages_and_removal_rotates_the_key(peers) -> None:
    alice, bob, carol = await peers("Alice"), await peers("Bob"), await peers("Carol")
    await befriend(alice, bob)
    await befriend(alice, carol)  # Bob and Carol do not know each other
    made = await alice.call("groups_create", {"name": "Trip", "contacts": ["Bob", "Carol"]})
    gid = made["id"]
    for p in (bob, carol):
        await wait_for(lambda p=p: p.got(ev.GroupsChanged, group_id=gid), what=f"{p.name} in the group")
        (g,) = await p.call("groups_list")
        assert g["name"] == "Trip" and len(g["members"]) == 3

    await alice.call("groups_send", {"group": gid, "text": "hello all"})
    await bob.call("groups_send", {"group": "Trip", "text": "hi from Bob"})  # to Carol, a stranger to him

    async def everyone_has(texts: list[str], who=(alice, bob, carol)) -> bool:
        for p in who:
            if sorted(await _group_bodies(p, gid)) != sorted(texts):
                return False
        return True

    await wait_for(lambda: everyone_has(["hello all", "hi from Bob"]), what="both messages everywhere")
    got = bob.got(ev.MessageReceived, group_id=gid)
    assert len(got) == 1 and got[0].kind == "text"

    await alice.call("groups_remove", {"group": gid, "member": "Carol"})
    await wait_for(lambda: carol.got(ev.GroupsChanged, group_id=gid) and _state(carol), what="Carol removed")
    await wait_for(lambda: _members(bob, 2), what="Bob's roster without Carol")
    await alice.call("groups_send", {"group": gid, "text": "without Carol"})
    await bob.call("groups_send", {"group": gid, "text": "Bob, after"})
    after = ["hello all", "hi from Bob", "without Carol", "Bob, after"]
    await wait_for(lambda: everyone_has(after, (alice, bob)), what="the later messages at Alice and Bob")
    assert sorted(await _group_bodies(carol, gid)) == ["hello all", "hi from Bob"]
    with pytest.raises(Exception, match="no longer in this group"):
        await carol.call("groups_send", {"group": gid, "text": "can I?"})


async def _state(p) -> bool:
    (g,) = await p.call("groups_list")
    return g["state"] == "removed"


async def _members(p, n: int) -> bool:
    (g,) = await p.call("groups_list")
    return len(g["members"]) == n


@pytest.mark.slow
async def test_leaving_a_group_drops_you_from_every_roster(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    gid = (await alice.call("groups_create", {"name": "Pair", "contacts": ["Bob"]}))["id"]
    await wait_for(lambda: bob.got(ev.GroupsChanged, group_id=gid), what="Bob in the group")
    assert (await bob.call("groups_leave", {"group": gid}))["state"] == "left"
    await wait_for(lambda: _members(alice, 1), what="Alice's roster without Bob")
    await alice.call("groups_send", {"group": gid, "text": "anyone?"})
    await alice.call("comms_sync")
    assert await _group_bodies(bob, gid) == []
