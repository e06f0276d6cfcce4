"""`mfos files share|shared|get` in real processes: Alice's home served by `mfos node`, Bob a real
node in this process; Alice shares a folder from the terminal and Bob downloads it; Bob shares a
file and Alice lists it with `files shared` and writes it out with `files get SHARE OUT`."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.comms.conftest import Net, wait_for

PW = "correct horse battery"


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    e["MFOS_PASSWORD"] = PW
    return e


async def mfos(home: Path, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(  # not subprocess.run: Bob's node must keep serving
        sys.executable, "-m", "mainframe_os.cli", "--home", str(home), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode == 0, f"mfos {' '.join(args)}: exit {proc.returncode}\n{out.decode()}\n{err.decode()}"
    return out.decode()


@pytest.fixture
async def alice(tmp_path: Path) -> AsyncIterator[Path]:
    """Alice's home, served by `mfos node --vault main` and online."""
    home = tmp_path / "alice-home"
    await mfos(home, "vault", "create", "main")
    await mfos(home, "identity", "create", "--vault", "main", "Alice")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mainframe_os.cli", "--home", str(home), "node", "--vault", "main",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        env=env(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (home / "run" / "node.json").exists():
            assert proc.returncode is None and time.monotonic() < deadline, "mfos node did not start"
            await asyncio.sleep(0.1)
        await mfos(home, "peer", "start", "--vault", "main")
        yield home
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.communicate(), 60)


@pytest.mark.slow
async def test_share_and_get_from_the_terminal(peers: Net, alice: Path, tmp_path: Path) -> None:
    bob = await peers("Bob")
    card = (await mfos(alice, "peer", "card", "--vault", "main")).strip()
    await bob.call("contacts_add", {"card": card})
    await mfos(alice, "contact", "add", "--vault", "main", bob.card)

    folder = tmp_path / "Plans"
    (folder / "2027").mkdir(parents=True)
    (folder / "2027" / "q1.txt").write_text("grow")
    (folder / "cover.png").write_bytes(os.urandom(400_000))
    await mfos(alice, "files", "add", "--vault", "main", str(folder))
    out = await mfos(alice, "files", "share", "--vault", "main", "/Plans", "Bob")
    assert out.startswith("Shared Plans (2 file(s)")
    # the conversation shows the share in words; its capabilities (each file's key) stay off the screen
    history = await mfos(alice, "msg", "list", "--vault", "main", "Bob")
    assert "shared folder 'Plans': 2 file(s)" in history and "mfshare1." not in history, history

    (got,) = await wait_for(lambda: bob.call("files_shared"), what="the share at Bob")
    assert (got["name"], got["from"], got["count"]) == ("Plans", "Alice", 2)
    await bob.call("files_download", {"share": got["id"]})
    saved = tmp_path / "bob-q1.txt"
    await bob.call("files_get", {"file": "/Shared with me/Plans/2027/q1.txt", "out": str(saved)})
    assert saved.read_text() == "grow"

    # the other way: Bob shares, Alice lists and gets it from the terminal
    src = tmp_path / "minutes.md"
    src.write_bytes(os.urandom(300_000))
    await bob.call("files_add", {"path": str(src)})
    alice_at_bob = (await bob.call("contacts_list"))[0]["id"]
    await bob.call("files_share", {"file": "/minutes.md", "contact": alice_at_bob})

    async def listed() -> list[dict[str, str]]:
        return json.loads(await mfos(alice, "--json", "files", "shared", "--vault", "main"))

    (share,) = await wait_for(listed, what="the share at Alice")
    assert "minutes.md" in await mfos(alice, "files", "shared", "--vault", "main")
    out_dir = tmp_path / "alice-out"
    out_dir.mkdir()
    text = await mfos(alice, "files", "get", "--vault", "main", share["id"], str(out_dir))
    assert text.startswith("Wrote") and (out_dir / "minutes.md").read_bytes() == src.read_bytes()
