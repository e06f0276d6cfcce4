"""The messaging commands through the real `mfos` CLI (a subprocess, its own home) talking to a
real node in this process: cards, contacts both ways, a message sent from the terminal."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from mainframe_os.node import events as ev

from .conftest import wait_for

PW = "correct horse battery"


async def mfos_err(home: Path, *args: str) -> tuple[str, str]:
    """Like `mfos` but also returns what the command wrote to stderr (the user's terminal)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    env["MFOS_PASSWORD"] = PW
    proc = await asyncio.create_subprocess_exec(  # not subprocess.run: Bob's node must keep serving
        sys.executable, "-m", "mainframe_os.cli", "--home", str(home), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, f"mfos {' '.join(args)}: exit {proc.returncode}\n{out.decode()}\n{err.decode()}"
    return out.decode(), err.decode()


async def mfos(home: Path, *args: str) -> str:
    return (await mfos_err(home, *args))[0]


@pytest.mark.slow
async def test_message_from_the_terminal(peers, tmp_path: Path) -> None:
    bob = await peers("Bob")
    home = tmp_path / "cli-home"
    await mfos(home, "vault", "create", "main")
    await mfos(home, "identity", "create", "--vault", "main", "Alice")
    card = (await mfos(home, "peer", "card", "--vault", "main")).strip()
    assert card.startswith("mfc1.") and len(card) > 200  # a v3 card: peer id, addresses, keys
    await bob.call("contacts_add", {"card": card})
    await mfos(home, "contact", "add", "--vault", "main", bob.card)

    out = await mfos(home, "msg", "send", "--vault", "main", "Bob", "hello from the terminal")
    assert out.strip().endswith("delivered.")
    await wait_for(lambda: bob.got(ev.MessageReceived), what="Bob's message")
    (msg,) = await bob.call("comms_list")
    assert msg["body"] == "hello from the terminal"

    (listed,) = json.loads(await mfos(home, "--json", "msg", "list", "--vault", "main", "Bob"))
    assert (listed["body"], listed["state"], listed["direction"]) == ("hello from the terminal", "delivered", "out")


@pytest.mark.slow  # seven CLI processes
async def test_commands_online_leave_the_terminal_clean(tmp_path: Path) -> None:
    """Short commands on a vault whose messaging is on (each goes online for its run) print their
    answer and nothing else: no internal error from the files exchange attaching as the command
    closed (every such command printed one), no py-libp2p log lines because the contact asked is
    offline (the normal case), no 'None' for a request sent without a stored text."""
    home, bob_home = tmp_path / "carol", tmp_path / "bob"
    for h, name in ((home, "Carol"), (bob_home, "Bob")):
        await mfos(h, "vault", "create", "main")
        await mfos(h, "identity", "create", "--vault", "main", name)
    out, _ = await mfos_err(home, "peer", "start", "--vault", "main")
    assert "Listening: /ip4/127.0.0.1/tcp/" in out
    bob_card = (await mfos(bob_home, "peer", "card", "--vault", "main")).strip()  # then Bob is offline

    out, err = await mfos_err(home, "contact", "request", "--vault", "main", bob_card, "--message", "hi Bob")
    assert out.startswith("Request queued: it goes out when they are online") and err == ""
    out, err = await mfos_err(home, "contact", "requests", "--vault", "main")
    assert err == ""
    (row,) = out.strip().splitlines()[1:]
    assert row.split()[0] == "outgoing" and row.split()[2] == "Bob" and "None" not in row
    out, err = await mfos_err(home, "msg", "list", "--vault", "main")
    assert (out.strip(), err) == ("No messages.", "")
    out, err = await mfos_err(home, "peer", "info", "--vault", "main")  # no node serves it: says what would
    assert out.startswith("Offline: no process keeps this vault online. Run 'mfos node") and err == ""
