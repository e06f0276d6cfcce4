"""`mfos msg list CONTACT --follow` (a real CLI process) prints the history, then each new
message as it arrives, through the socket of the `mfos node` serving the vault, until Ctrl-C
(exit status 0). The method under it (comms_follow) misses nothing and repeats nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from .conftest import PW, Peer, befriend, wait_for


async def _mfos(home: Path, *args: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    env["MFOS_PASSWORD"] = PW
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mainframe_os.cli", "--home", str(home), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip


async def _line_with(stream: asyncio.StreamReader, text: str, seen: list[str]) -> None:
    while not any(text in line for line in seen):
        line = await asyncio.wait_for(stream.readline(), 60)
        assert line, f"the output ended before {text!r}: {seen}"
        seen.append(line.decode())


@pytest.mark.slow
async def test_follow_prints_new_messages_through_the_serving_node(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    b_at_a, _ = await befriend(alice, bob)
    await alice.call("comms_send", {"contact": b_at_a, "text": "before"})
    await wait_for(lambda: _bodies(bob), what="the first message")
    await bob.node.close()
    home = peers.root / "Bob"
    node = await _mfos(home, "node", "--vault", "main")
    follow = None
    try:
        await wait_for(lambda: (home / "run" / "node.json").exists(), timeout=60, what="mfos node serving")
        follow = await _mfos(home, "msg", "list", "Alice", "--follow", "--vault", "main")
        assert follow.stdout is not None
        seen: list[str] = []
        await _line_with(follow.stdout, "before", seen)  # the history first
        for text in ("live one", "live two"):
            await alice.call("comms_send", {"contact": b_at_a, "text": text})
            await _line_with(follow.stdout, text, seen)
        assert sum("live one" in line for line in seen) == 1
        follow.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(follow.wait(), 60) == 0
    finally:
        for proc in (follow, node):
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGINT)
                await asyncio.wait_for(proc.wait(), 60)


async def test_follow_cursor_misses_nothing_and_repeats_nothing(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    b_at_a, _ = await befriend(alice, bob)
    first = await bob.call("comms_follow", {"wait": 0})
    assert first["messages"] == []
    waiting = asyncio.ensure_future(bob.call("comms_follow", {"cursor": first["cursor"], "wait": 30}))
    await alice.call("comms_send", {"contact": b_at_a, "text": "one"})
    got = await asyncio.wait_for(waiting, 40)
    assert [m["body"] for m in got["messages"]] == ["one"]
    again = await bob.call("comms_follow", {"cursor": got["cursor"], "wait": 0})
    assert again["messages"] == [] and again["cursor"] == got["cursor"]


async def _bodies(p: Peer) -> list[str]:
    return [m["body"] for m in await p.call("comms_list")]
