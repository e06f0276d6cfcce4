"""Verifying a contact in person: both sides see the same 7 emoji, and confirming marks the
contact verified on that side only."""

from __future__ import annotations

import pytest

from mainframe_os.node import events as ev

from .conftest import befriend, wait_for


@pytest.mark.slow
async def test_both_sides_see_the_same_emoji_and_confirm(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    started = await alice.call("contacts_verify", {"id": "Bob"})
    assert started["state"] == "waiting"
    await wait_for(lambda: bob.got(ev.ContactVerification, state="compare"), what="Bob's emoji")
    await wait_for(lambda: alice.got(ev.ContactVerification, state="compare"), what="Alice's emoji")
    a = await alice.call("contacts_verify", {"id": "Bob"})
    b = await bob.call("contacts_verify", {"id": "Alice"})
    assert a["state"] == b["state"] == "compare" and a["tx"] == b["tx"] == started["tx"]
    assert a["emoji"] == b["emoji"] and a["decimals"] == b["decimals"] and len(a["words"]) == 7

    done = await alice.call("contacts_verify", {"id": "Bob", "confirm": True})
    assert done["state"] == "verified" and done["verified"]
    rejected = await bob.call("contacts_verify", {"id": "Alice", "confirm": False})
    assert rejected["state"] == "mismatch"
    assert bob.got(ev.Notification, kind="warning")
    with pytest.raises(Exception, match="no emoji to compare"):
        await bob.call("contacts_verify", {"id": "Alice", "confirm": True})
