"""Dark routing between three real nodes on 127.0.0.1: with direct streams off, A's message to B
travels through gossipsub on B's topic; C, listening on the same topic in full darkness,
receives the packet and surfaces nothing; at luminosity k the traffic moves to B's prefix topic
(and C no longer receives it)."""

from __future__ import annotations

from typing import Any

import pytest

from mainframe_os.node import events as ev
from mainframe_os.node.comms import routing

from .conftest import Peer, befriend, wait_for


def _host(p: Peer) -> Any:
    return p.node.session.comms.host  # type: ignore[union-attr]


async def _routing(p: Peer) -> dict[str, Any]:
    return (await p.call("peer_info"))["routing"]


def _addr(p: Peer) -> str:
    return f"{_host(p).addresses[0]}/p2p/{_host(p).peer_id}"


async def _delivered(a: Peer, msg_id: str) -> bool:
    return any(m["id"] == msg_id and m["state"] == "delivered" for m in await a.call("comms_list"))


async def _history(p: Peer, contact: str) -> list[str]:
    return [m["body"] for m in await p.call("comms_list", {"contact": contact})]


@pytest.mark.slow
async def test_dark_routing_delivers_through_the_topic_and_hides_it_from_others(peers) -> None:
    a, b, c = await peers("A"), await peers("B"), await peers("C")
    b_at_a, _ = await befriend(a, b)
    for p in (a, b):
        await p.call("peer_setSettings", {"directStreams": False})
    await c.call("peer_connect", {"address": _addr(a)})
    await c.call("peer_connect", {"address": _addr(b)})
    dark0 = f"{routing.TOPIC_ROOT}/0"
    assert (await _routing(c))["topics"] == [dark0]
    await wait_for(lambda: _host(a).overlay.topic_peers(dark0) >= 2, what="A to see B and C on the dark topic")
    c_before = await _routing(c)

    sent = await a.call("comms_send", {"contact": b_at_a, "text": "in the dark"})
    await wait_for(lambda: _history(b, "A"), what="the message at B")
    assert await _history(b, "A") == ["in the dark"]
    assert (await _routing(b))["opened"] >= 1  # it came as a dark packet, trial-decrypted
    await wait_for(lambda: _delivered(a, sent["id"]), what="B's receipt at A (through the topic)")

    c_after = await _routing(c)
    assert c_after["received"][dark0] > c_before["received"].get(dark0, 0)  # C got the packets
    assert c_after["opened"] == 0 and c_after["notOurs"] > c_before["notOurs"]  # and opened none
    assert not c.got(ev.MessageReceived) and await c.call("comms_list") == []

    # B turns its luminosity up: its contacts learn the new topic from its card
    await b.call("peer_setSettings", {"luminosity": 3})
    b_topic = (await _routing(b))["topics"][0]
    assert b_topic.startswith(f"{routing.TOPIC_ROOT}/3/") and len(b_topic.rsplit("/", 1)[1]) == 3
    await wait_for(lambda: _host(a).overlay.topic_peers(b_topic) >= 1, what="A to see B on its prefix topic")

    async def a_knows_b_topic() -> bool:
        from mainframe_os.node.comms import store

        def lum(s: Any) -> int:
            peer = store.get_peer(s, a.identity_id, bytes.fromhex(b_at_a_sign))
            card = store.peer_card(peer)  # type: ignore[arg-type]
            return card.peer.luminosity if card.peer else 0

        return await a.node.db(lum) == 3

    b_at_a_sign = (await a.call("contacts_list"))[0]["signPublicKey"]
    await wait_for(a_knows_b_topic, what="B's new card at A")
    c_mid = await _routing(c)
    await a.call("comms_send", {"contact": b_at_a, "text": "on my prefix"})
    await wait_for(lambda: _has(b, "on my prefix"), what="the second message at B")
    a_stats = await _routing(a)
    assert a_stats["published"].get(b_topic, 0) >= 1  # A wrote on B's prefix topic
    c_end = await _routing(c)
    assert c_end["received"].get(b_topic, 0) == 0  # C is not on it
    assert c_end["opened"] == 0 and not c.got(ev.MessageReceived)
    assert c_mid["topics"] == c_end["topics"] == [dark0]

    # a new identity at C listens (and trial-decrypts) at once
    assert c_end["identities"] == 1
    await c.call("identity_create", {"displayName": "C2"})
    await wait_for(lambda: _identities(c, 2), what="C's new identity on its topic")


async def _identities(p: Peer, n: int) -> bool:
    return (await _routing(p))["identities"] == n


async def _has(p: Peer, text: str) -> bool:
    return text in await _history(p, "A")


@pytest.mark.slow
async def test_a_flood_on_a_dark_topic_is_cut_at_the_peer_rate_limit(peers) -> None:
    b, c = await peers("B"), await peers("C")
    await c.call("peer_connect", {"address": _addr(b)})
    dark0 = f"{routing.TOPIC_ROOT}/0"
    await wait_for(lambda: _host(c).overlay.topic_peers(dark0) >= 1, what="C to see B on the dark topic")
    limiter = _host(b).limiter  # the same per-peer bucket as for direct streams, made small here
    limiter.rate, limiter.burst = 2.0, 50.0
    flood = 400
    for i in range(flood):
        await _host(c).publish(dark0, i.to_bytes(4, "big") * 20)

    async def cut() -> bool:
        return (await _routing(b))["refused"] >= flood // 2

    await wait_for(cut, what="B to refuse the flood")
    stats = await _routing(b)
    # what got through: the burst, and what the rate refilled meanwhile; the rest was neither
    # handed to trial decryption nor forwarded
    assert stats["received"][dark0] <= flood - stats["refused"]
    assert stats["received"][dark0] < flood // 2
    assert stats["opened"] == 0 and not b.got(ev.MessageReceived)


@pytest.mark.slow
async def test_a_burst_on_a_dark_topic_arrives_whole() -> None:
    """py-libp2p's 32-entry queues dropped about half of a 500-packet burst; ours keep it all."""
    import os

    from mainframe_os.node.comms.host import MSG_PROTOCOL, OverlayConfig, P2PHost

    got: list[bytes] = []

    async def keep(topic: str, packet: bytes) -> None:
        got.append(packet)

    async def ignore(topic: str, packet: bytes) -> None:
        pass

    async def echo(peer: str, data: bytes) -> bytes:
        return data

    def host(sink: Any) -> P2PHost:
        return P2PHost(os.urandom(32), ["/ip4/127.0.0.1/tcp/0"], {MSG_PROTOCOL: echo}, overlay=OverlayConfig(sink))

    a, b = host(ignore), host(keep)
    await a.start()
    await b.start()
    try:
        await b.set_topics(["/mainframe/dark/1/0"])
        await a.dial([f"{b.addresses[0]}/p2p/{b.peer_id}"])
        await wait_for(lambda: a.overlay.topic_peers("/mainframe/dark/1/0") >= 1, what="A to see B on the topic")
        b.limiter.rate = b.limiter.burst = 1e6  # not the subject here
        packets = [os.urandom(200) for _ in range(500)]
        for p in packets:
            await a.publish("/mainframe/dark/1/0", p)
        await wait_for(lambda: len(got) >= len(packets), what="the whole burst at B")
        assert sorted(got) == sorted(packets)
    finally:
        await a.stop()
        await b.stop()
