"""Clock skew between two real nodes, each with its own clock: minutes off still delivers and
the conversation keeps its order; beyond the window the recipient refuses, and the sender's
message fails with that reason instead of being retried in silence."""

from __future__ import annotations

import time

import pytest

from mainframe_os.node import events as ev
from mainframe_os.node.comms.envelope import MAX_AGE_S, MAX_SKEW_S

from .conftest import befriend, wait_for


def _skew(p, seconds: float) -> None:
    p.node.session.comms.clock = lambda: time.time() + seconds


async def _texts(p) -> list[tuple[str, str]]:
    return [(m["direction"], m["body"]) for m in await p.call("comms_list")]


@pytest.mark.slow
async def test_minutes_of_skew_deliver_in_order_and_beyond_the_window_fails_clearly(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    ahead = MAX_SKEW_S - 120  # Alice's clock runs 8 minutes fast: inside the window
    _skew(alice, ahead)

    assert (await alice.call("comms_send", {"contact": "Bob", "text": "from the future"}))["state"] == "delivered"
    await bob.call("comms_send", {"contact": "Alice", "text": "hello"})  # 8 minutes "old" for Alice
    await wait_for(lambda: alice.got(ev.MessageReceived), what="Bob's answer at Alice")
    assert (await alice.call("comms_send", {"contact": "Bob", "text": "again"}))["state"] == "delivered"
    await wait_for(lambda: len(bob.got(ev.MessageReceived)) == 2, what="both of Alice's messages at Bob")

    # each side orders by its own clock (arrival), not by the sender's claimed time
    assert await _texts(bob) == [("in", "from the future"), ("out", "hello"), ("in", "again")]
    assert await _texts(alice) == [("out", "from the future"), ("in", "hello"), ("out", "again")]
    first = (await bob.call("comms_list"))[0]
    assert first["sentAt"] - first["createdAt"] > ahead - 60  # dated by Alice's own clock

    # 20 minutes fast: Bob refuses it, Alice's message fails with the reason, nothing stays queued
    _skew(alice, 2 * MAX_SKEW_S)
    sent = await alice.call("comms_send", {"contact": "Bob", "text": "too far ahead"})
    await wait_for(lambda: alice.got(ev.MessageStateChanged, message_id=sent["id"], state="failed"), what="failed")
    (failed,) = [m for m in await alice.call("comms_list") if m["id"] == sent["id"]]
    assert failed["state"] == "failed" and "clock" in failed["error"]
    assert (await alice.call("comms_sync"))["queued"] == 0

    # a clock far behind (older than envelopes may be) fails the same way; Bob saw neither
    _skew(alice, -MAX_AGE_S - 3600)
    sent = await alice.call("comms_send", {"contact": "Bob", "text": "from long ago"})
    await wait_for(lambda: alice.got(ev.MessageStateChanged, message_id=sent["id"], state="failed"), what="failed")
    assert len(bob.got(ev.MessageReceived)) == 2
    assert [b for d, b in await _texts(bob) if d == "in"] == ["from the future", "again"]

    # the clock set right, the conversation goes on
    _skew(alice, 0)
    assert (await alice.call("comms_send", {"contact": "Bob", "text": "on time"}))["state"] == "delivered"
    await wait_for(lambda: len(bob.got(ev.MessageReceived)) == 3, what="the message after the clock was fixed")
