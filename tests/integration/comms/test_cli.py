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


async def test_commands_online_leave_the_terminal_clean(tmp_path: Path) -> None:
    """A short command on a vault whose messaging is on goes online for its run and closes: the
    files exchange attached to the host on the way must not print an internal error (it did on
    every such command: the vault closed under it) and nothing else may either."""
    home = tmp_path / "home"
    await mfos(home, "vault", "create", "main")
    await mfos(home, "identity", "create", "--vault", "main", "Carol")
    out, _ = await mfos_err(home, "peer", "start", "--vault", "main")
    assert "Listening: /ip4/127.0.0.1/tcp/" in out
    for args in (("msg", "list"), ("contact", "requests")):
        out, err = await mfos_err(home, *args, "--vault", "main")
        assert out.strip() in ("No messages.", "No requests.")
        assert err == "", f"mfos {' '.join(args)} wrote to the terminal:\n{err}"
