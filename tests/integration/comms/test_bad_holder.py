"""A holder that answers a returning recipient with tampered, duplicated, replayed and
misaddressed envelopes. The holder is a real node speaking the real hold protocol; its table of
held envelopes is edited by hand, which is all a dishonest holder can do. The recipient shows
each genuine message exactly once, nothing else, and keeps working."""

from __future__ import annotations

import dataclasses
import json
import os
import time

import pytest
from nacl.signing import SigningKey
from sqlalchemy import func, select

from mainframe_os.node import events as ev
from mainframe_os.node.cards import ContactCard
from mainframe_os.node.comms import holding
from mainframe_os.node.comms.envelope import Envelope
from mainframe_os.node.comms.host import HOLD_PROTOCOL
from vault.models import CommsHeld, Identity

from .conftest import befriend, wait_for
from .test_faults import _received, _sealed_by


async def _hold(holder, recipient: bytes, rows: list[bytes]) -> None:
    """Put sealed blobs in the holder's table, in this order (what its next fetch answers)."""

    def put(s) -> None:
        now = time.time()
        for i, data in enumerate(rows):
            s.add(
                CommsHeld(
                    id=os.urandom(16).hex(), recipient=recipient, depositor="test", data=data, size=len(data),
                    expires_at=now + 3600, created_at=now + i / 1000,
                )
            )  # fmt: skip

    await holder.node.db(put)


async def _held(holder) -> int:
    return await holder.node.db(lambda s: s.scalar(select(func.count()).select_from(CommsHeld)))


def _answer_holds(holder, handler) -> None:
    """The holder's host answers the hold protocol with `handler` from now on (same framing)."""
    host = holder.node.session.comms.host
    host._handlers[HOLD_PROTOCOL] = handler
    host.add_stream_handler(HOLD_PROTOCOL, host._make_stream_handler(HOLD_PROTOCOL))


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


@pytest.mark.slow
async def test_a_holders_bad_answers_surface_nothing_and_lose_nothing(peers) -> None:
    alice, bob, holder = await peers("Alice"), await peers("Bob"), await peers("Holder")
    await befriend(alice, bob)
    await befriend(holder, bob)
    await holder.call("contacts_setHolding", {"id": "Bob", "holdForThem": True})
    await bob.call("contacts_setHolding", {"id": "Holder", "holdsForMe": True})
    bob_card = ContactCard.decode(bob.card)
    bob_sign, bob_box = bob_card.sign_public, bob_card.box_public

    def sealed(envelope: bytes) -> bytes:  # anyone can seal to Bob's public box key, a holder too
        return holding.seal_for(bob_box, envelope)

    # an earlier fetch: Bob gets "early" through the holder
    early = sealed(await _sealed_by(alice, bob_sign, "early"))
    await _hold(holder, bob_sign, [early])
    await bob.call("comms_sync")  # (or the pump, woken by the holding change, fetched it already)
    assert await _received(bob) == ["early"] and await _held(holder) == 0

    one, two = await _sealed_by(alice, bob_sign, "one"), await _sealed_by(alice, bob_sign, "two")
    env_one = Envelope.decode(one)
    alice_seed = await alice.node.db(lambda s: s.get(Identity, alice.identity_id).sign_seed)
    # (d) validly signed by Alice, sealed to Bob, but addressed to another identity
    elsewhere = Envelope.seal(alice_seed, SigningKey.generate().verify_key.encode(), 1, env_one.body, None)
    # a changed envelope sealed anew: its date moved, its signature no longer matches
    redated = dataclasses.replace(env_one, id=os.urandom(16).hex(), ts_ms=env_one.ts_ms - 60_000)
    batch = [
        _flip(sealed(one), len(sealed(one)) // 2),  # (a) a flipped byte in the sealed blob
        _flip(sealed(one), 3),  # (a) a flipped byte in the sealing key
        sealed(redated.encode()),  # (a) a flipped field inside the envelope
        sealed(one),
        sealed(one),  # (b) the same envelope twice
        early,  # (c) replayed from the earlier fetch
        sealed(elsewhere.encode()),  # (d) for another identity
        b"\x00" * 64,  # junk
        sealed(two),
    ]
    before = len(bob.got(ev.MessageReceived))
    await _hold(holder, bob_sign, batch)
    await bob.call("comms_sync")

    # each genuine message exactly once, in order, nothing of the rest; the holder deleted all of it
    assert await _received(bob) == ["early", "one", "two"]
    got = bob.got(ev.MessageReceived)[before:]
    assert sorted(e.message_id for e in got) == sorted([env_one.id, Envelope.decode(two).id])
    assert await _held(holder) == 0
    history = await bob.call("comms_list", {"contact": "Alice"})
    assert [m["sentAt"] for m in history if m["body"] == "one"] == [env_one.ts_ms / 1000]

    # a holder that ignores acknowledgements answers the same batch every time: Bob takes the
    # new message once and stops asking within the round (not a thousand fetches)
    honest, fetches = holder.node.session.comms.host._handlers[HOLD_PROTOCOL], []

    async def ignoring_acks(peer: str, payload: bytes) -> bytes:
        op = json.loads(payload)["op"]
        fetches.append(op)
        return b'{"ok":true,"deleted":0}' if op == "ack" else await honest(peer, payload)

    _answer_holds(holder, ignoring_acks)
    await _hold(holder, bob_sign, [*batch, sealed(await _sealed_by(alice, bob_sign, "three"))])
    await bob.call("comms_sync")
    assert await _received(bob) == ["early", "one", "two", "three"]
    assert len(bob.got(ev.MessageReceived)) == before + 3
    assert 1 <= fetches.count("fetch") <= 10, fetches  # two per round (the pump may run one too)

    # a holder answering nonsense: Bob's round still ends normally
    for nonsense in (b"not json", b"[1]", b'{"ok":true,"envs":"x"}', b'{"ok":true,"envs":[1,"x",{"id":[]}]}'):

        async def broken(peer: str, payload: bytes, answer: bytes = nonsense) -> bytes:
            return answer

        _answer_holds(holder, broken)
        assert (await bob.call("comms_sync"))["fetched"] == 0
    _answer_holds(holder, honest)

    # Bob keeps working: both directions
    sent = await alice.call("comms_send", {"contact": "Bob", "text": "after"})
    assert sent["state"] == "delivered"
    await bob.call("comms_send", {"contact": "Alice", "text": "back"})
    await wait_for(lambda: alice.got(ev.MessageReceived), what="Bob's answer at Alice")
    assert await _received(bob) == ["early", "one", "two", "three", "after"]
