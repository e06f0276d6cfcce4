"""The local socket started or stopped at any moment leaves no socket behind: a launcher quit
during an unlock cancels the start at whatever step it had reached, and a CLI may connect just as
the node stops. CI once failed on the listening socket outliving its server (ResourceWarning)."""

from __future__ import annotations

import asyncio
import gc
import socket
import warnings
from pathlib import Path

from mainframe_os.node.node import Node
from mainframe_os.node.transport.local_socket import SocketServer, is_alive


def leaked_sockets(caught: list[warnings.WarningMessage], path: Path) -> list[str]:
    gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning) and str(path) in str(w.message)]


async def test_a_start_cancelled_at_every_step_leaves_no_socket(tmp_path: Path) -> None:
    node = Node(tmp_path / "home")
    path = node.paths.socket
    try:
        outcomes = set()
        for steps in range(8):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                server = SocketServer(node, path)
                start = asyncio.ensure_future(server.start())
                for _ in range(steps):
                    await asyncio.sleep(0)
                start.cancel()
                await asyncio.gather(start, return_exceptions=True)
                outcomes.add("cancelled" if start.cancelled() else "started")
                if not start.cancelled():
                    assert await asyncio.get_running_loop().run_in_executor(None, is_alive, path)
                    await server.stop()
                assert not path.exists(), f"socket file left after a cancel at step {steps}"
                assert leaked_sockets(caught, path) == [], f"cancelled at step {steps}"
        assert outcomes == {"cancelled", "started"}  # the sweep reached past the last step
    finally:
        await node.close()


async def test_connections_arriving_as_the_node_stops_are_closed(tmp_path: Path) -> None:
    node = Node(tmp_path / "home")
    path = node.paths.socket
    try:
        for steps in range(4):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                server = SocketServer(node, path)
                await server.start()
                clients = []
                for _ in range(20):  # queued by the kernel: the loop has not accepted them yet
                    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    c.connect(str(path))
                    clients.append(c)
                for _ in range(steps):
                    await asyncio.sleep(0)
                await server.stop()
                for c in clients:
                    c.close()
                assert leaked_sockets(caught, path) == [], f"stopped after {steps} loop steps"
    finally:
        await node.close()
