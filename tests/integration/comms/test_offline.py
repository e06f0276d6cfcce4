"""Offline delivery through a holder: A writes while B is offline, A goes offline too, B comes
back and reads everything exactly once; the holder keeps nothing after B's acknowledgement."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mainframe_os.node import events as ev
from vault.models import CommsHeld

from .conftest import befriend, wait_for


async def _held(p) -> int:
    return await p.node.db(lambda s: s.scalar(select(func.count()).select_from(CommsHeld)))


async def _queued(p) -> int:
    return (await p.call("comms_sync"))["queued"]


@pytest.mark.slow
async def test_messages_reach_a_returning_peer_through_its_holder(peers) -> None:
    alice, bob, holder = await peers("Alice"), await peers("Bob"), await peers("Holder")
    bob_at_alice, _ = await befriend(alice, bob)
    await befriend(holder, bob)
    await holder.call("contacts_setHolding", {"id": "Bob", "holdForThem": True})
    await bob.call("contacts_setHolding", {"id": "Holder", "holdsForMe": True})
    # Bob's new card (naming his holder) reaches his contacts
    await wait_for(lambda: _is_zero(bob), what="Bob's card update sent")

    await bob.node.close()  # Bob closes the app
    texts = [f"message {i}" for i in range(3)]
    for t in texts:
        sent = await alice.call("comms_send", {"contact": bob_at_alice, "text": t})
        assert sent["state"] == "sent"  # the holder has it; Bob does not yet
    assert await _held(holder) == 3
    await alice.node.close()  # the sender is gone too

    bob = await peers.reopen(bob)  # messaging resumes at unlock, then fetches from the holder
    got = await wait_for(lambda: len(bob.got(ev.MessageReceived)) >= 3 and bob.got(ev.MessageReceived), what="all 3")
    await bob.call("comms_sync")  # one more round: nothing is delivered twice
    assert len(bob.got(ev.MessageReceived)) == 3 == len({e.message_id for e in got})
    history = await bob.call("comms_list", {"contact": "Alice"})
    assert [m["body"] for m in history] == texts
    await wait_for(lambda: _zero(holder), what="the holder to delete what Bob acknowledged")

    # Alice comes back: Bob's delivery receipts (held for her nowhere) reach her directly
    alice = await peers.reopen(alice)
    await wait_for(lambda: alice.got(ev.PeerStatusChanged, online=True), what="Alice back online")
    await bob.call("comms_sync")

    async def all_delivered() -> bool:
        return [m["state"] for m in await alice.call("comms_list")] == ["delivered"] * 3

    await wait_for(all_delivered, what="delivered receipts at Alice")


async def _zero(p) -> bool:
    return await _held(p) == 0


async def _is_zero(p) -> bool:
    return await _queued(p) == 0
