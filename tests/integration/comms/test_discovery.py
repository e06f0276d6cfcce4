"""Finding peers: a node whose only link is one bootstrap peer (from its settings) finds a third
node's addresses through the Kademlia DHT, and a message reaches a contact whose card carries a
stale address because the DHT knows the new one."""

from __future__ import annotations

from typing import Any

import pytest

from mainframe_os.node import errors as E

from .conftest import Peer, befriend, wait_for


def _host(p: Peer) -> Any:
    return p.node.session.comms.host  # type: ignore[union-attr]


def _addr(p: Peer) -> str:
    return f"{_host(p).addresses[0]}/p2p/{_host(p).peer_id}"


async def _connected(p: Peer) -> list[str]:
    return (await p.call("peer_info"))["connected"]


@pytest.mark.slow
async def test_a_node_linked_to_one_peer_finds_another_through_the_dht(peers) -> None:
    a, b, c = await peers("A"), await peers("B"), await peers("C")
    assert (await c.call("peer_getSettings"))["bootstrap"] == []  # empty by default on the dev network
    await b.call("peer_connect", {"address": _addr(a)})
    # C's only link: A, as its bootstrap peer (dialled when messaging starts)
    await c.call("peer_setSettings", {"bootstrap": [_addr(a)]})
    await c.call("peer_stop")
    await c.call("peer_start")
    await wait_for(lambda: _has(c, _host(a).peer_id), what="C connected to its bootstrap peer")
    b_id = _host(b).peer_id
    assert b_id not in await _connected(c)

    async def found() -> list[str]:
        return (await c.call("peer_find", {"peerId": b_id}))["addresses"]

    addresses = await wait_for(found, what="B's addresses in the DHT")
    assert set(_host(b).addresses) <= set(addresses)

    with pytest.raises(E.InvalidParams):
        await c.call("peer_setSettings", {"bootstrap": ["/ip4/127.0.0.1/tcp/1"]})  # no /p2p/: refused
    with pytest.raises(E.InvalidParams):
        await c.call("peer_setSettings", {"luminosity": 17})
    assert (await c.call("peer_getSettings"))["bootstrap"] == [_addr(a)]  # nothing half-applied


@pytest.mark.slow
async def test_a_message_finds_a_contact_that_moved_through_the_dht(peers) -> None:
    from mainframe_os.node.comms import store

    a, b, c = await peers("A"), await peers("B"), await peers("C")
    b_at_a, _ = await befriend(a, b)
    old = list(_host(b).addresses)
    # B goes offline and comes back on another port: the card A holds names the old one
    await b.call("peer_stop")
    await b.node.db(lambda s: store.set_setting(s, store.PORT_SETTING, 0))
    await b.call("peer_start")
    assert set(_host(b).addresses).isdisjoint(old)
    for p in (a, b):
        await p.call("peer_connect", {"address": _addr(c)})  # both know C, not each other
    assert _host(b).peer_id not in await _connected(a)
    sent = await a.call("comms_send", {"contact": b_at_a, "text": "found you"})
    assert sent["state"] == "delivered"
    assert (await b.call("comms_list", {"contact": "A"}))[-1]["body"] == "found you"


async def _has(p: Peer, peer_id: str) -> bool:
    return peer_id in await _connected(p)


@pytest.mark.slow
async def test_mdns_finds_a_node_on_the_local_network_when_turned_on(peers) -> None:
    a, b = await peers("A"), await peers("B")
    assert (await a.call("peer_getSettings"))["mdns"] is False  # off by default
    for p in (a, b):
        changed = await p.call("peer_setSettings", {"mdns": True})
        assert changed["restartForMdns"] is True
        await p.call("peer_stop")
        await p.call("peer_start")
    b_id = _host(b).peer_id
    await wait_for(lambda: _has(a, b_id), timeout=60, what="A to find B by mDNS")
