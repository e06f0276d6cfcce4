"""`mfos node`: the node without a window, serving the local socket until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from typing import Any

from ..node.transport.local_socket import SocketServer


async def serve(node: Any, vault: str) -> None:
    server = SocketServer(node, node.paths.socket)
    await server.start()
    info = node.paths.run / "node.json"
    info.write_text(json.dumps({"pid": os.getpid(), "vault": vault, "socket": str(node.paths.socket)}))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"Node serving vault '{vault}' on {node.paths.socket} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    # Sends interrupted before their broadcast (a kill) are settled at start, as the launcher
    # does; with nothing pending this reads the vault only and opens no chain connection.
    recheck = loop.create_task(_recheck(node))
    try:
        await stop.wait()
    finally:
        recheck.cancel()
        await server.stop()
        info.unlink(missing_ok=True)


async def _recheck(node: Any) -> None:
    try:
        await node.call("wallet_recheck")
    except Exception as exc:  # noqa: BLE001 - a node without a wallet or network still serves
        logging.getLogger("mainframe_os.node").info("no re-check of pending transactions: %s", exc)
