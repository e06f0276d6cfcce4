"""Dispatcher throughput and local-socket latency.

Prints human lines and, last, one JSON line: in-process `node_version` calls per second through
the dispatcher next to a bare call of the same handler, and the round trip over the local socket
(p50/p99), measured in the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds vault.py: keep it from shadowing the `vault` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import asyncio
import json
import statistics
import tempfile
import time

from mainframe_os.node.context import CallerContext
from mainframe_os.node.methods.system import node_version
from mainframe_os.node.node import Node
from mainframe_os.node.transport.local_socket import SocketClient, SocketServer

N = 20_000


async def main() -> dict[str, float]:
    home = Path(tempfile.mkdtemp())
    node = Node(home)
    ctx = CallerContext.cli()
    msg = '{"jsonrpc":"2.0","id":1,"method":"node_version"}'
    await node.call("node_version", None, ctx)  # warm-up: loads the registry's modules once

    t = time.perf_counter()
    for _ in range(N):
        await node_version(node, ctx)
    bare = N / (time.perf_counter() - t)

    t = time.perf_counter()
    for _ in range(N):
        await node.call("node_version", None, ctx)
    direct = N / (time.perf_counter() - t)

    t = time.perf_counter()
    for _ in range(N):
        await node.handle_text(msg, ctx)
    wire = N / (time.perf_counter() - t)

    server = SocketServer(node, home / "run" / "bench.sock")
    await server.start()
    loop = asyncio.get_running_loop()

    def socket_round_trips() -> list[float]:
        lat = []
        with SocketClient(home / "run" / "bench.sock") as c:
            for _ in range(3000):
                t0 = time.perf_counter()
                c.call("node_version")
                lat.append((time.perf_counter() - t0) * 1e3)
        return lat

    lat = await loop.run_in_executor(None, socket_round_trips)
    await server.stop()
    await node.close()
    q = statistics.quantiles(lat, n=100)
    return {
        "bare_handler_calls_per_s": round(bare),
        "dispatcher_calls_per_s": round(direct),
        "dispatcher_json_calls_per_s": round(wire),
        "socket_p50_ms": round(q[49], 3),
        "socket_p99_ms": round(q[98], 3),
    }


if __name__ == "__main__":
    r = asyncio.run(main())
    print(f"bare handler:           {r['bare_handler_calls_per_s']:>10,} calls/s (reference)")
    print(f"dispatcher (in-proc):   {r['dispatcher_calls_per_s']:>10,} calls/s")
    print(f"dispatcher (JSON text): {r['dispatcher_json_calls_per_s']:>10,} calls/s")
    print(f"local socket round trip: p50 {r['socket_p50_ms']} ms, p99 {r['socket_p99_ms']} ms")
    print(json.dumps(r))
