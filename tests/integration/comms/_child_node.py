"""A node in its own process, for tests that kill it: creates (or unlocks) the vault in HOME,
prints its card as one JSON line, adds the contact card it reads from stdin (if any), then
serves until stdin closes; "send N CONTACT" on the next line makes it send N texts first."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

PW = "a fine long password"


async def main(home: Path) -> None:
    from mainframe_os.node import events as ev
    from mainframe_os.node.node import Node

    node = Node(home)
    online = asyncio.Event()
    node.events.subscribe(ev.PeerStatusChanged, lambda e: online.set() if e.online else None)
    if (home / "vaults" / "main").exists():
        await node.call("vault_unlock", {"name": "main", "password": PW})
        await asyncio.wait_for(online.wait(), 60)
    else:
        await node.call("vault_create", {"name": "main", "password": PW})
        await node.call("identity_create", {"displayName": "Bob"})
    card = (await node.call("peer_card"))["card"]
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps({"card": card}), flush=True)
    line = (await reader.readline()).decode().strip()
    if line:
        await node.call("contacts_add", {"card": line})
        print(json.dumps({"ready": True}), flush=True)
        command = (await reader.readline()).decode().split()
        if command[:1] == ["send"]:  # "send N CONTACT": N texts one after the other, each result printed
            for i in range(int(command[1])):
                sent = await node.call("comms_send", {"contact": command[2], "text": f"b{i}"})
                print(json.dumps({"id": sent["id"], "state": sent["state"], "text": f"b{i}"}), flush=True)
    await reader.read()  # until stdin closes
    await node.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
