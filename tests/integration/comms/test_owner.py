"""Two processes' worth of nodes on one vault (here two nodes in this process: flock locks are
per open file, so they exclude each other like two processes): one serves messaging, the other
follows; going offline on purpose is not undone by the follower; closing hands over."""

from __future__ import annotations

from typing import Any

from mainframe_os.node import events as ev
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


async def _served_elsewhere(p: Peer) -> bool:
    return bool((await _info(p)).get("servedElsewhere"))
