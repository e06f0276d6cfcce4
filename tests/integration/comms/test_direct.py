"""Two real nodes on 127.0.0.1: a contact request, acceptance, and messages both ways."""

from __future__ import annotations

from mainframe_os.node import events as ev
from mainframe_os.node.cards import ContactCard

from .conftest import befriend, wait_for


async def test_request_accept_and_talk_both_ways(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    # online, the identity's card is the messaging card (what the launcher shows to share)
    shown = ContactCard.decode((await alice.call("identity_getCard"))["card"])
    assert shown.peer is not None and shown.peer.peer_id == (await alice.call("peer_info"))["peerId"]
    bob_at_alice, alice_at_bob = await befriend(alice, bob)
    assert bob.got(ev.ContactRequestsChanged) and alice.got(ev.ContactsChanged)

    sent = await alice.call("comms_send", {"contact": bob_at_alice, "text": "hello Bob"})
    assert sent["state"] == "delivered"
    got = await wait_for(lambda: bob.got(ev.MessageReceived), what="Bob's message event")
    assert got[0].contact_id == alice_at_bob and got[0].message_id == sent["id"]
    (msg,) = await bob.call("comms_list", {"contact": alice_at_bob})
    assert (msg["body"], msg["direction"], msg["state"]) == ("hello Bob", "in", "received")

    payload = {"kind": "payment", "txHash": "0x" + "ab" * 32}
    await bob.call("comms_send", {"contact": "Alice", "payload": payload})
    await wait_for(lambda: alice.got(ev.MessageReceived), what="Alice's message event")
    history = await alice.call("comms_list", {"contact": bob_at_alice})
    assert [(m["direction"], m["body"]) for m in history] == [("out", "hello Bob"), ("in", payload)]
    assert (await alice.call("comms_unread"))["total"] == 1

    # reading tells the sender
    assert (await alice.call("comms_markRead", {"contact": bob_at_alice}))["read"] == 1
    assert (await alice.call("comms_unread"))["total"] == 0
    bob_msg_id = history[1]["id"]
    await wait_for(lambda: bob.got(ev.MessageStateChanged, message_id=bob_msg_id, state="read"), what="read receipt")
    (mine,) = [m for m in await bob.call("comms_list") if m["direction"] == "out"]
    assert mine["state"] == "read"


async def test_blocking_a_contact_stops_both_directions(peers) -> None:
    import pytest

    from mainframe_os.node import errors as E

    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    await alice.call("contacts_block", {"id": "Bob"})
    with pytest.raises(E.ContactNotFound, match="not a contact"):
        await alice.call("comms_send", {"contact": "Bob", "text": "you are blocked"})
    sent = await bob.call("comms_send", {"contact": "Alice", "text": "let me in"})
    assert sent["state"] == "delivered"  # Bob cannot tell he is blocked
    assert await alice.call("comms_list") == [] and not alice.got(ev.MessageReceived)
    assert [r["displayName"] for r in (await alice.call("contacts_requests"))["blocked"]] == ["Bob"]


async def test_a_stream_cut_before_its_reply_is_tried_once_more(peers, monkeypatch) -> None:
    """A stream the peer ends before answering (a connection it already dropped, a reset) is
    tried once more on a fresh connection: delivered, and stored once (CI saw 'queued')."""
    alice, bob = await peers("Alice"), await peers("Bob")
    bob_at_alice, _ = await befriend(alice, bob)
    limiter = alice.node.session.comms.host.limiter  # type: ignore[union-attr]
    allow, cut = limiter.allow, []

    def cut_the_first(key: str, now: float | None = None) -> bool:
        if not cut:
            cut.append(key)
            return False  # Alice resets the stream without a reply
        return allow(key, now)

    monkeypatch.setattr(limiter, "allow", cut_the_first)
    sent = await bob.call("comms_send", {"contact": "Alice", "text": "once"})
    assert cut and sent["state"] == "delivered"
    await wait_for(lambda: alice.got(ev.MessageReceived), what="Alice's message event")
    assert [m["body"] for m in await alice.call("comms_list", {"contact": bob_at_alice})] == ["once"]
