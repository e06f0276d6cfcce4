"""Two processes' worth of nodes on one vault (here two nodes in this process: flock locks are
per open file, so they exclude each other like two processes): one serves messaging, the other
follows; going offline on purpose is not undone by the follower; closing hands over."""

from __future__ import annotations

from typing import Any

from mainframe_os.node import events as ev
from mainframe_os.node.comms.owner import OwnerLock
from mainframe_os.node.node import Node

from .conftest import PW, Peer, wait_for


async def _info(p: Peer) -> dict[str, Any]:
    return await p.call("peer_info")


async def test_one_node_serves_the_other_follows_and_takes_over(peers) -> None:
    first = await peers("Bob")
    second = Peer(Node(peers.root / "Bob"), "Bob")
    peers.nodes.append(second.node)
    await second.call("vault_unlock", {"name": "main", "password": PW})
    await wait_for(lambda: _served_elsewhere(second), what="the second node to follow")
    assert (await _info(first))["online"] is True

    await first.call("peer_stop")  # offline on purpose: the follower must not go online instead
    watcher = second.node.session.comms.watcher  # type: ignore[union-attr]
    seen = watcher.rounds
    await wait_for(lambda: watcher.rounds >= seen + 4, what="the follower to look a few times")
    assert (await _info(second))["online"] is False

    await first.call("peer_start")
    await first.node.close()  # the window closes: the follower serves from now on
    await wait_for(lambda: second.got(ev.PeerStatusChanged, online=True), what="the follower to take over")
    assert (await _info(second))["online"] is True


async def test_going_online_while_another_process_holds_the_lock_follows_then_serves(peers) -> None:
    """The user's "go online" while another process holds the vault's messaging lock (a follower
    taking its look, a `mfos node`): no error, the answer says another process serves, and this
    node takes over by itself once the lock is free. (Failed before: an internal error.)"""
    first = await peers("Bob")
    await first.call("peer_stop")
    svc = first.node.session.comms  # type: ignore[union-attr]
    other = OwnerLock(svc.owner.path.parent, b"")
    other.path = svc.owner.path  # the same lock file, opened apart: excluded like another process
    assert other.try_acquire()
    went_online = len(first.got(ev.PeerStatusChanged, online=True))
    try:
        answer = await first.call("peer_start")
        assert answer["online"] is False and answer["servedElsewhere"] is True
    finally:
        other.release()
    await wait_for(
        lambda: len(first.got(ev.PeerStatusChanged, online=True)) > went_online, what="the node to go online"
    )
    assert (await _info(first))["online"] is True


async def _served_elsewhere(p: Peer) -> bool:
    return bool((await _info(p)).get("servedElsewhere"))
