"""Real nodes with real libp2p hosts on 127.0.0.1, each in its own home."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import events as ev
from mainframe_os.node.node import Node

PW = "a fine long password"


class Peer:
    """A node, its identity and the events it emitted (in order)."""

    def __init__(self, node: Node, name: str) -> None:
        self.node, self.name = node, name
        self.events: list[ev.Event] = []
        node.events.subscribe(ev.Event, self.events.append)
        self.identity_id = ""
        self.card = ""

    async def call(self, method: str, params: Any = None) -> Any:
        return await self.node.call(method, params or {})

    def got(self, etype: type[ev.Event], **match: Any) -> list[Any]:
        return [e for e in self.events if isinstance(e, etype) and all(getattr(e, k) == v for k, v in match.items())]


async def make_peer(home: Path, name: str) -> Peer:
    node = Node(home)
    p = Peer(node, name)
    await p.call("vault_create", {"name": "main", "password": PW})
    p.identity_id = (await p.call("identity_create", {"displayName": name}))["id"]
    p.card = (await p.call("peer_card"))["card"]
    return p


async def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll `check` (sync or async) until it returns something truthy; generous for a loaded box."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Net:
    """The nodes of one test; every node it made is closed at the end."""

    def __init__(self, root: Path) -> None:
        self.root, self.nodes = root, []  # type: ignore[var-annotated]

    async def __call__(self, name: str) -> Peer:
        p = await make_peer(self.root / name, name)
        self.nodes.append(p.node)
        return p

    async def reopen(self, p: Peer) -> Peer:
        """Close the peer's node and start a new one on its home (messaging resumes at unlock)."""
        await p.node.close()
        fresh = Peer(Node(self.root / p.name), p.name)
        self.nodes.append(fresh.node)
        fresh.identity_id, fresh.card = p.identity_id, p.card
        await fresh.call("vault_unlock", {"name": "main", "password": PW})
        await wait_for(lambda: fresh.got(ev.PeerStatusChanged, online=True), what=f"{p.name} back online")
        return fresh


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Net]:
    net = Net(tmp_path)
    yield net
    for node in net.nodes:
        await node.close()


async def befriend(a: Peer, b: Peer) -> tuple[str, str]:
    """A asks B, B accepts; returns (B's contact id at A, A's contact id at B)."""
    await a.call("contacts_request", {"card": b.card, "message": f"hi, it's {a.name}"})
    req = await wait_for(lambda: _incoming(b), what="the request at B")
    accepted = await b.call("contacts_accept", {"id": req["id"]})

    async def a_has_b() -> Any:
        return [c for c in await a.call("contacts_list") if c["displayName"] == b.name]

    (b_at_a,) = await wait_for(a_has_b, what="B in A's contacts")
    return b_at_a["id"], accepted["contactId"]


async def _incoming(p: Peer) -> Any:
    reqs = (await p.call("contacts_requests"))["incoming"]
    return reqs[0] if reqs else None
