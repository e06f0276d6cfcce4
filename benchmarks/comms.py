"""Messaging benchmark: two nodes in two processes on this machine, next to a bare libp2p
stream round trip between the same two processes in the same run.

    python benchmarks/comms.py [--messages 300] [--burst 200]

Measures:
  - 1:1 latency from the `comms_send` call to the recipient node's MessageReceived event
    (both processes read the same clock), p50/p99; and the `comms_send` call itself, which
    returns once the recipient acknowledged (stored, event emitted) the envelope;
  - a bare libp2p request/response (noise, yamux, one stream, 1 frame) between the same two
    processes: the floor the messaging stack adds to (vault writes, Olm, signatures);
  - sustained messages per second, sequential and with `--burst` concurrent sends;
  - resident memory of the idle recipient process with messaging on.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PW = "benchmark password 1"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))], 3)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def _new_node(home: Path, name: str) -> tuple[Any, str]:
    from mainframe_os.node.node import Node

    node = Node(home)
    await node.call("vault_create", {"name": "main", "password": PW})
    await node.call("identity_create", {"displayName": name})
    return node, (await node.call("peer_card"))["card"]


async def serve(home: Path) -> None:
    """The recipient process: a node, and a bare echo host beside it."""
    from mainframe_os.node import events as ev
    from mainframe_os.node.comms.host import MSG_PROTOCOL, P2PHost

    node, card = await _new_node(home, "Bob")
    seen: dict[str, float] = {}
    node.events.subscribe(ev.MessageReceived, lambda e: seen.setdefault(e.message_id, time.time()))

    async def echo(peer: str, data: bytes) -> bytes:
        return data

    bare = P2PHost(os.urandom(32), ["/ip4/127.0.0.1/tcp/0"], {MSG_PROTOCOL: echo})
    await bare.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(doc: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(doc) + "\n")
        sys.stdout.flush()

    say({"card": card, "echoPeer": bare.peer_id, "echoAddrs": bare.addresses})
    await node.call("contacts_add", {"card": (await reader.readline()).decode().strip()})
    await asyncio.sleep(1.0)  # settle, then measure the idle footprint
    say({"ready": True, "idleRssMb": _rss_mb()})
    await reader.readline()  # "report"
    say({"seen": seen})
    await bare.stop()
    await node.close()


async def measure(n: int, burst: int) -> dict[str, Any]:
    from mainframe_os.node.comms.host import MSG_PROTOCOL, P2PHost

    tmp = Path(tempfile.mkdtemp(prefix="mfos-comms-bench-"))
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", str(tmp / "bob"),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=os.environ.copy(),
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None

    async def hear() -> dict[str, Any]:
        assert child.stdout is not None
        return json.loads(await asyncio.wait_for(child.stdout.readline(), 120))

    hello = await hear()
    alice, alice_card = await _new_node(tmp / "alice", "Alice")
    await alice.call("contacts_add", {"card": hello["card"]})
    child.stdin.write(alice_card.encode() + b"\n")
    ready = await hear()

    for i in range(20):  # warm up: session set up, connection open, code paths hot
        await alice.call("comms_send", {"contact": "Bob", "text": f"warm {i}"})
    starts: dict[str, float] = {}
    call_ms = []
    for i in range(n):
        t0 = time.time()
        sent = await alice.call("comms_send", {"contact": "Bob", "text": f"message {i}"})
        call_ms.append((time.time() - t0) * 1000)
        starts[sent["id"]] = t0
    seq_rate = n / (sum(call_ms) / 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(alice.call("comms_send", {"contact": "Bob", "text": f"b{i}"}) for i in range(burst)))
    burst_rate = burst / (time.perf_counter() - t0)

    async def nothing(peer: str, data: bytes) -> bytes:
        return b""

    bare = P2PHost(os.urandom(32), ["/ip4/127.0.0.1/tcp/0"], {MSG_PROTOCOL: nothing})
    await bare.start()
    payload = b"x" * 600  # about one sealed text envelope
    for _ in range(20):
        await bare.request(hello["echoPeer"], hello["echoAddrs"], MSG_PROTOCOL, [payload])
    bare_ms = []
    for _ in range(n):
        t1 = time.perf_counter()
        await bare.request(hello["echoPeer"], hello["echoAddrs"], MSG_PROTOCOL, [payload])
        bare_ms.append((time.perf_counter() - t1) * 1000)
    await bare.stop()

    child.stdin.write(b"report\n")
    seen = (await hear())["seen"]
    await child.wait()
    await alice.close()
    event_ms = [(seen[mid] - t) * 1000 for mid, t in starts.items() if mid in seen]
    return {
        "messages": n,
        "received": len(event_ms),
        "send_to_event_p50_ms": _pct(event_ms, 0.5),
        "send_to_event_p99_ms": _pct(event_ms, 0.99),
        "send_call_p50_ms": _pct(call_ms, 0.5),
        "send_call_p99_ms": _pct(call_ms, 0.99),
        "bare_stream_rtt_p50_ms": _pct(bare_ms, 0.5),
        "bare_stream_rtt_p99_ms": _pct(bare_ms, 0.99),
        "ratio_p50": round(statistics.median(event_ms) / statistics.median(bare_ms), 1),
        "seq_msgs_per_s": round(seq_rate, 1),
        "burst_msgs_per_s": round(burst_rate, 1),
        "idle_recipient_rss_mb": ready["idleRssMb"],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=300)
    p.add_argument("--burst", type=int, default=200)
    p.add_argument("--serve", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.serve:
        asyncio.run(serve(Path(a.serve)))
        return
    r = asyncio.run(measure(a.messages, a.burst))
    print(f"1:1 send -> recipient event   p50 {r['send_to_event_p50_ms']} ms  p99 {r['send_to_event_p99_ms']} ms")
    print(f"comms_send call (acked)       p50 {r['send_call_p50_ms']} ms  p99 {r['send_call_p99_ms']} ms")
    print(f"bare libp2p stream round trip p50 {r['bare_stream_rtt_p50_ms']} ms  p99 {r['bare_stream_rtt_p99_ms']} ms")
    print(f"sequential {r['seq_msgs_per_s']} msg/s, {a.burst} concurrent {r['burst_msgs_per_s']} msg/s")
    print(f"idle recipient process RSS {r['idle_recipient_rss_mb']} MB")
    print(json.dumps(r))


if __name__ == "__main__":
    main()
