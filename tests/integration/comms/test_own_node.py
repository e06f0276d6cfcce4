"""The user's own always-on `mfos node` (a real subprocess) and the launcher's node on the same
home and vault: one of them serves messaging at a time; when the window closes the node keeps
receiving; the window, open again, shows what came, gets events for what comes while it is open,
sends through the node, and takes over when the node stops."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import events as ev
from mainframe_os.node.node import Node

from .conftest import PW, Peer, befriend, wait_for


async def _start_mfos_node(home: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    env["MFOS_PASSWORD"] = PW
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mainframe_os.cli", "--home", str(home), "node", "--vault", "main",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip


async def _bodies(p: Peer, contact: str) -> list[Any]:
    return [m["body"] for m in await p.call("comms_list", {"contact": contact})]


async def _states(p: Peer) -> list[str]:
    return [m["state"] for m in await p.call("comms_list") if m["direction"] == "out"]


@pytest.mark.slow
async def test_the_own_node_receives_while_the_window_is_closed(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    b_at_a, _ = await befriend(alice, bob)
    home = peers.root / "Bob"
    proc = await _start_mfos_node(home)
    try:
        # the window serves; the node waits. The window closes: the node takes over
        await bob.node.close()

        async def sent_delivered(n: int) -> bool:
            return (await _states(alice)).count("delivered") >= n

        for text in ("while you were away", "still away"):
            await alice.call("comms_send", {"contact": b_at_a, "text": text})
        await wait_for(lambda: sent_delivered(2), timeout=60, what="the own node to receive")

        # the window opens again: the node still serves, the window shows what came and follows
        gui = Peer(Node(home), "Bob")
        peers.nodes.append(gui.node)
        gui.identity_id = bob.identity_id
        await gui.call("vault_unlock", {"name": "main", "password": PW})
        await wait_for(lambda: _served_elsewhere(gui), what="the window to follow the node")
        assert await _bodies(gui, "Alice") == ["while you were away", "still away"]
        await alice.call("comms_send", {"contact": b_at_a, "text": "now you are back"})
        await wait_for(lambda: gui.got(ev.MessageReceived), what="the event in the window")
        (event,) = gui.got(ev.MessageReceived)
        assert event.contact_id is not None

        # the window writes: the node sends it
        await gui.call("comms_send", {"contact": "Alice", "text": "hi from the window"})
        await wait_for(lambda: _has(alice, "Bob", "hi from the window"), what="Alice to get the window's message")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 60)
    # the node stopped: the window serves now
    await wait_for(lambda: gui.got(ev.PeerStatusChanged, online=True), what="the window to take over")
    await alice.call("comms_send", {"contact": b_at_a, "text": "straight to the window"})
    await wait_for(lambda: _has(gui, "Alice", "straight to the window"), what="a message at the window")


async def _has(p: Peer, contact: str, text: str) -> bool:
    return text in await _bodies(p, contact)


async def _served_elsewhere(p: Peer) -> bool:
    return bool((await p.call("peer_info")).get("servedElsewhere"))
