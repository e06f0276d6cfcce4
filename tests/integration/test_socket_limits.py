"""The node's local socket under abuse by a program of the same user: thousands of idle
connections, a flood of blank lines, a request that never ends. The liveness check the CLI uses
keeps answering fast, the error log stays small and the connections are given back."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mainframe_os.node.node import Node
from mainframe_os.node.transport.local_socket import SocketServer, why_not_alive


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[SocketServer]:
    node = Node(tmp_path / "home")
    # a short socket path: AF_UNIX paths are limited to ~108 bytes
    server = SocketServer(node, node.paths.socket, max_connections=32, idle_timeout=3.0, line_timeout=1.0)
    await server.start()
    # the first call loads the method registry (seconds on a loaded machine): not what we time
    await asyncio.get_running_loop().run_in_executor(None, lambda: why_not_alive(server.path, 60.0))
    try:
        yield server
    finally:
        await server.stop()
        await node.close()


async def probe(server: SocketServer) -> float:
    """Seconds the CLI's liveness check takes (it fails after 2 s)."""
    t0 = time.monotonic()
    problem = await asyncio.get_running_loop().run_in_executor(None, why_not_alive, server.path)
    assert problem is None, problem
    return time.monotonic() - t0


async def wait_for(cond: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def test_thousands_of_idle_connections_do_not_lock_out_the_cli(
    served: SocketServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    baseline = await probe(served)
    idle: list[socket.socket] = []

    def flood() -> None:
        for _ in range(3000):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(served.path))
            idle.append(s)

    try:
        await asyncio.get_running_loop().run_in_executor(None, flood)
        await wait_for(lambda: served.connections >= 3000)
        assert served.open_connections <= served.max_connections
        # the CLI still gets in, pushing out a connection that never said anything
        assert await probe(served) < max(2.0, 20 * baseline)
        logged = [r for r in caplog.records if r.name in ("mainframe_os.socket", "asyncio")]
        assert len(logged) <= 60, f"{len(logged)} log lines for one flood"
    finally:
        for s in idle:
            s.close()
    await wait_for(lambda: served.open_connections == 0)


async def test_a_flood_of_blank_lines_is_cut_off(served: SocketServer) -> None:
    baseline = await probe(served)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(served.path))
    stop = threading.Event()
    sent = [0]

    def flood() -> None:
        try:
            while not stop.is_set():
                s.sendall(b"\n" * 65536)
                sent[0] += 65536
        except OSError:
            pass  # the node hung up on us: what we want

    t = threading.Thread(target=flood, daemon=True)
    t.start()
    try:
        await wait_for(lambda: sent[0] > 0)
        assert await probe(served) < max(2.0, 20 * baseline)
        # wait on the loop, not with join(): the node closes the connection on this same loop
        await wait_for(lambda: not t.is_alive(), timeout=30)
    finally:
        stop.set()
        s.close()
    await wait_for(lambda: served.open_connections == 0)


async def test_idle_and_slow_connections_time_out(served: SocketServer) -> None:
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    idle.connect(str(served.path))
    slow.connect(str(served.path))
    slow.sendall(b'{"jsonrpc": "2.0", "id": 1, "meth')  # and never the rest
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    slow.settimeout(30)
    idle.settimeout(30)
    # (blocking reads go to a thread: the node answers on this test's event loop)
    assert await loop.run_in_executor(None, slow.recv, 100) == b""  # closed after line_timeout (1 s)
    slow_closed = time.monotonic() - t0
    assert await loop.run_in_executor(None, idle.recv, 100) == b""  # closed after idle_timeout (3 s)
    idle_closed = time.monotonic() - t0
    assert slow_closed < idle_closed  # the unfinished request did not get the idle allowance
    await wait_for(lambda: served.open_connections == 0)
    slow.close()
    idle.close()
