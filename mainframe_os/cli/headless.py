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


def drop_secret_env(name: str) -> None:
    """Remove a secret from this process's environment, including the copy the kernel shows
    in /proc/<pid>/environ (unsetenv alone leaves the original bytes in place)."""
    if name not in os.environ:
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        environ = ctypes.POINTER(ctypes.c_void_p).in_dll(libc, "environ")
        prefix = name.encode() + b"="
        i = 0
        while environ[i]:
            addr = environ[i]
            entry = ctypes.string_at(addr)
            if entry.startswith(prefix):
                ctypes.memset(addr + len(prefix), 0, len(entry) - len(prefix))
            i += 1
    except (OSError, AttributeError, ValueError):  # no libc `environ` here: unsetenv is all we have
        pass
    os.environ.pop(name, None)


async def serve(node: Any, vault: str) -> None:
    for name in ("MFOS_PASSWORD", "MFOS_NEW_PASSWORD", "MFOS_BACKUP_PASSWORD"):
        drop_secret_env(name)  # read already; a long-running process must not keep it
    # Nobody sits at a headless node: a socket client answers its own prompts, anything else is
    # refused with a message saying so (never approved by this process's --yes or terminal).
    node.prompter = None
    server = SocketServer(node, node.paths.socket)
    try:
        await server.start()
    except RuntimeError as exc:  # another node won the race for the socket
        from .session import CliError

        raise CliError(f"A node is already running for this home folder ({exc})") from None
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
