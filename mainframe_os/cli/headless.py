"""`mfos node`: the node without a window, serving the local socket until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Any

from ..node.transport.local_socket import SocketServer


async def serve(node: Any, vault: str) -> None:
    # Nobody sits at a headless node: a socket client answers its own prompts, anything else is
    # refused with a message saying so (never approved by this process's --yes or terminal).
    node.prompter = None
    server = SocketServer(node, node.paths.socket)
    await server.start()
    info = node.paths.run / "node.json"
    info.write_text(json.dumps({"pid": os.getpid(), "vault": vault, "socket": str(node.paths.socket)}))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"Node serving vault '{vault}' on {node.paths.socket} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop()
        info.unlink(missing_ok=True)
