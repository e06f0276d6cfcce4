"""SIGKILL of the receiving node while messages stream in: nothing the sender saw acknowledged
is lost, and after a restart every message is in the recipient's history exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from mainframe_os.node.node import Node

from .conftest import PW, wait_for

CHILD = Path(__file__).with_name("_child_node.py")


async def _spawn(home: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), str(home),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=os.environ.copy(),
    )  # fmt: skip


async def _restart(home: Path) -> asyncio.subprocess.Process:
    """The child node again on its home, past its first line, told to go on (no new contact)."""
    proc = await _spawn(home)
    await _line(proc)
    assert proc.stdin is not None
    proc.stdin.write(b"\n")
    return proc


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """End the child node the way it ends on its own: stdin closed, then wait."""
    if proc.returncode is None:
        assert proc.stdin is not None
        proc.stdin.close()
        await asyncio.wait_for(proc.wait(), 60)


async def _line(proc: asyncio.subprocess.Process) -> dict:
    assert proc.stdout is not None
    return json.loads(await asyncio.wait_for(proc.stdout.readline(), 120))


@pytest.mark.slow
async def test_sigkill_while_receiving_loses_nothing_acknowledged_and_duplicates_nothing(peers, tmp_path) -> None:
    alice = await peers("Alice")
    home = tmp_path / "bob"
    bob = await _spawn(home)
    try:
        bob_card = (await _line(bob))["card"]
        assert bob.stdin is not None
        bob.stdin.write(alice.card.encode() + b"\n")
        await _line(bob)
        await alice.call("contacts_add", {"card": bob_card})

        texts = [f"m{i}" for i in range(40)]
        results: list[dict] = []

        async def write_all() -> None:  # one after the other, as a person would
            for t in texts:
                results.append(await alice.call("comms_send", {"contact": "Bob", "text": t}))

        writer = asyncio.ensure_future(write_all())
        await wait_for(lambda: len(results) >= 5, what="some messages through")
        bob.send_signal(signal.SIGKILL)  # mid-stream: some acknowledged, one in flight, the rest to come
        await bob.wait()
        await writer
        acked = {r["id"] for r in results if r["state"] == "delivered"}
        assert 5 <= len(acked) < len(texts)

        bob = await _restart(home)  # back: the same vault, messaging resumes at unlock

        async def all_delivered() -> bool:
            await alice.call("comms_sync")
            return all(m["state"] == "delivered" for m in await alice.call("comms_list"))

        await wait_for(all_delivered, timeout=60, what="every message delivered after the restart")
    finally:
        await _stop(bob)

    node = Node(home)  # read Bob's vault directly: what his UI would list
    try:
        await node.call("vault_unlock", {"name": "main", "password": PW})
        got = [m["body"] for m in await node.call("comms_list", {"limit": 1000})]
    finally:
        await node.close()
    assert sorted(got) == sorted(texts)  # every message, none twice
    assert acked <= {m["id"] for m in await alice.call("comms_list")}


@pytest.mark.slow
async def test_sigkill_while_sending_loses_nothing_it_reported_and_delivers_nothing_twice(peers, tmp_path) -> None:
    """SIGKILL of the sending node mid-stream: every message whose send returned (delivered or
    queued) reaches the recipient after the sender restarts, and none arrives twice."""
    alice = await peers("Alice")
    home = tmp_path / "bob"
    bob = await _spawn(home)
    reported: list[dict] = []
    try:
        bob_card = (await _line(bob))["card"]
        await alice.call("contacts_add", {"card": bob_card})
        assert bob.stdin is not None
        bob.stdin.write(alice.card.encode() + b"\nsend 200 Alice\n")
        await _line(bob)  # ready
        while len(reported) < 5:
            reported.append(await _line(bob))
        bob.send_signal(signal.SIGKILL)  # mid-stream: some delivered, one in flight, the rest never sent
        await bob.wait()
        assert bob.stdout is not None
        for raw in (await bob.stdout.read()).splitlines():  # what it printed before it died
            reported.append(json.loads(raw))
        assert len(reported) < 200

        bob = await _restart(home)  # back: the same vault; its outbox resends what is queued

        async def received() -> list[str]:
            return [m["body"] for m in await alice.call("comms_list", {"limit": 1000})]

        async def all_there() -> bool:
            return {r["text"] for r in reported} <= set(await received())

        await wait_for(all_there, timeout=90, what="every reported message at Alice")
    finally:
        await _stop(bob)
    got = await received()
    assert len(got) == len(set(got)), "a message arrived twice"
    assert set(got) <= {f"b{i}" for i in range(200)}
