"""A message from someone we asked, arriving before (or without) their acceptance: it is their
answer, not a stranger's message. It used to be dropped silently (and marked seen, so no resend
could bring it) while the sender saw it "delivered"."""

from __future__ import annotations

import pytest

from mainframe_os.node import events as ev

from .conftest import wait_for


async def test_a_message_from_the_person_we_asked_is_their_acceptance(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    await alice.call("contacts_request", {"card": bob.card, "message": "hi, it's Alice"})
    await wait_for(lambda: bob.got(ev.ContactRequestsChanged), what="the request at Bob")
    # Bob answers by pasting Alice's card (the other way to add someone) and writes at once:
    # no acceptance travels, his first message is the answer
    await bob.call("contacts_add", {"card": alice.card})
    sent = await bob.call("comms_send", {"contact": "Alice", "text": "hello Alice"})

    await wait_for(lambda: alice.got(ev.MessageReceived), timeout=60, what="Bob's message at Alice")
    (msg,) = await alice.call("comms_list")
    assert (msg["id"], msg["body"], msg["direction"]) == (sent["id"], "hello Alice", "in")
    assert [c["displayName"] for c in await alice.call("contacts_list")] == ["Bob"]
    assert (await alice.call("contacts_requests"))["outgoing"] == []


async def test_requests_are_answered_by_the_name_people_see(peers) -> None:
    """`mfos contact accept Alice`: a request is found by the name it shows (any case), not only by
    its key; short names too (peers were matched by name only from 8 characters, lowercased)."""
    alice, bob = await peers("Alice"), await peers("Bob")
    await alice.call("contacts_request", {"card": bob.card})
    await wait_for(lambda: bob.got(ev.ContactRequestsChanged), what="the request at Bob")
    with pytest.raises(Exception, match="Bob is not a contact \\(outgoing\\)"):  # asked, not yet answered
        await alice.call("comms_send", {"contact": "Bob", "text": "too early"})
    await bob.call("contacts_accept", {"id": "alice"})
    assert [c["displayName"] for c in await bob.call("contacts_list")] == ["Alice"]
