"""Messaging benchmark: two nodes in two processes on this machine, next to a bare libp2p
stream round trip between the same two processes in the same run.

    python benchmarks/comms.py [--messages 300] [--burst 200] [--members 10] [--queued 1000]

Measures:
  - 1:1 latency from the `comms_send` call to the recipient node's MessageReceived event
    (both processes read the same clock), p50/p99; and the `comms_send` call itself, which
    returns once the recipient acknowledged (stored, event emitted) the envelope;
  - a bare libp2p request/response (noise, yamux, one stream, 1 frame) between the same two
    processes: the floor the messaging stack adds to (vault writes, Olm, signatures);
  - sustained messages per second, sequential and with `--burst` concurrent sends;
  - resident memory of the idle recipient process with messaging on, next to the same process
    before messaging started (vault open, libraries imported);
  - group fan-out: one `groups_send` to `--members` members (all in a second process) until every
    member's event, next to sending the same text 1:1 to each of them;
  - offline delivery through a holder: `--queued` messages left with a holder while the
    recipient is closed; the time from the recipient's start (unlock) until all are received,
    next to the same number delivered straight to it while online.
Each figure has its reference measured in the same run. Last line: JSON.
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
    from mainframe_os.node.comms.host import MSG_PROTOCOL, P2PHost, import_libp2p
    from mainframe_os.node.node import Node

    node = Node(home)
    await node.call("vault_create", {"name": "main", "password": PW})
    await node.call("identity_create", {"displayName": "Bob"})
    import_libp2p()
    await asyncio.sleep(1.0)
    rss_off = _rss_mb()  # the reference: vault open, libraries loaded, messaging not started
    card = (await node.call("peer_card"))["card"]
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
    say({"ready": True, "idleRssMb": _rss_mb(), "offRssMb": rss_off})
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
        "recipient_rss_before_messaging_mb": ready["offRssMb"],
        "bare_stream_requests_per_s": round(1000 / statistics.mean(bare_ms), 1),
    }


# -- group fan-out: members in a second process ---------------------------------------------------


async def serve_members(root: Path, n: int) -> None:
    """N nodes in this process; each event (which node, when, group or not) goes out as a line."""
    from mainframe_os.node import events as ev

    nodes = [await _new_node(root / f"m{i}", f"Member {i}") for i in range(n)]
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(doc: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(doc) + "\n")
        sys.stdout.flush()

    for i, (node, _) in enumerate(nodes):

        def heard(e: Any, i: int = i) -> None:
            say({"member": i, "t": time.time(), "group": e.group_id is not None})

        node.events.subscribe(ev.MessageReceived, heard)
    say({"cards": [card for _, card in nodes]})
    sender = (await reader.readline()).decode().strip()
    for node, _ in nodes:
        await node.call("contacts_add", {"card": sender})
    say({"ready": True})
    await reader.readline()  # "stop"
    for node, _ in nodes:
        await node.close()


async def fanout(tmp: Path, members: int, rounds: int) -> dict[str, Any]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve-members", str(tmp / "members"), "--members", str(members),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=os.environ.copy(),
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None

    async def hear() -> dict[str, Any]:
        assert child.stdout is not None
        return json.loads(await asyncio.wait_for(child.stdout.readline(), 300))

    cards = (await hear())["cards"]
    alice, alice_card = await _new_node(tmp / "fan-alice", "Alice")
    names = []
    for card in cards:
        names.append((await alice.call("contacts_add", {"card": card}))["id"])
    child.stdin.write(alice_card.encode() + b"\n")
    await hear()  # ready
    gid = (await alice.call("groups_create", {"name": "Bench", "contacts": names}))["id"]

    async def all_heard(group: bool) -> float:
        got: set[int] = set()
        while len(got) < members:
            e = await hear()
            if e.get("group") == group:
                got.add(e["member"])
                last = e["t"]
        return last

    for _ in range(2):  # warm up: the group key reaches everyone; connections open
        await alice.call("groups_send", {"group": gid, "text": "warm"})
        await all_heard(True)
    for cid in names:
        await alice.call("comms_send", {"contact": cid, "text": "warm"})
    await all_heard(False)
    group_ms, one_by_one_ms = [], []
    for r in range(rounds):
        t0 = time.time()
        await alice.call("groups_send", {"group": gid, "text": f"group {r}"})
        group_ms.append((await all_heard(True) - t0) * 1000)
        t0 = time.time()
        for cid in names:
            await alice.call("comms_send", {"contact": cid, "text": f"one by one {r}"})
        one_by_one_ms.append((await all_heard(False) - t0) * 1000)
    child.stdin.write(b"stop\n")
    await child.wait()
    await alice.close()
    return {
        "group_members": members,
        "group_fanout_p50_ms": _pct(group_ms, 0.5),
        "group_fanout_p99_ms": _pct(group_ms, 0.99),
        "same_text_1to1_each_p50_ms": _pct(one_by_one_ms, 0.5),
    }


# -- offline delivery through a holder --------------------------------------------------------------


async def offline(tmp: Path, queued: int) -> dict[str, Any]:
    """Alice, a holder and Bob in this process; Bob's node closed while Alice queues, then started."""
    from mainframe_os.node import events as ev
    from mainframe_os.node.node import Node

    alice, a_card = await _new_node(tmp / "off-alice", "Alice")
    holder, h_card = await _new_node(tmp / "off-holder", "Holder")
    bob, b_card = await _new_node(tmp / "off-bob", "Bob")
    await alice.call("contacts_add", {"card": b_card})
    await bob.call("contacts_add", {"card": a_card})
    await holder.call("contacts_add", {"card": b_card})
    await bob.call("contacts_add", {"card": h_card})
    await holder.call("contacts_setHolding", {"id": "Bob", "holdForThem": True})
    await bob.call("contacts_setHolding", {"id": "Holder", "holdsForMe": True})
    while (await bob.call("comms_sync"))["queued"]:  # Bob's card, naming his holder, reaches Alice
        await asyncio.sleep(0.2)

    async def received(node: Any, n: int) -> float:
        times: list[float] = []
        node.events.subscribe(ev.MessageReceived, lambda e: times.append(time.perf_counter()))
        while len(times) < n:
            await asyncio.sleep(0.01)
        return times[n - 1]

    # the reference: the same number straight to Bob while he is online
    waiting = asyncio.ensure_future(received(bob, queued))
    t0 = time.perf_counter()
    for i in range(queued):
        await alice.call("comms_send", {"contact": "Bob", "text": f"online {i}"})
    online_s = await waiting - t0

    await bob.close()
    t0 = time.perf_counter()
    for i in range(queued):
        await alice.call("comms_send", {"contact": "Bob", "text": f"offline {i}"})
    queue_s = time.perf_counter() - t0

    bob = Node(tmp / "off-bob")
    waiting = asyncio.ensure_future(received(bob, queued))
    t0 = time.perf_counter()
    await bob.call("vault_unlock", {"name": "main", "password": PW})  # messaging resumes, then fetches
    unlock_s = time.perf_counter() - t0
    start_to_all_s = await asyncio.wait_for(waiting, 900) - t0
    for node in (alice, holder, bob):
        await node.close()
    return {
        "queued": queued,
        "queue_at_holder_s": round(queue_s, 2),
        "holder_start_to_all_received_s": round(start_to_all_s, 2),
        "holder_of_which_unlock_s": round(unlock_s, 2),
        "same_count_online_straight_s": round(online_s, 2),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=300)
    p.add_argument("--burst", type=int, default=200)
    p.add_argument("--members", type=int, default=10, help="group size for the fan-out")
    p.add_argument("--rounds", type=int, default=10, help="group messages measured")
    p.add_argument("--queued", type=int, default=1000, help="messages left with a holder")
    p.add_argument("--serve", help=argparse.SUPPRESS)
    p.add_argument("--serve-members", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.serve:
        asyncio.run(serve(Path(a.serve)))
        return
    if a.serve_members:
        asyncio.run(serve_members(Path(a.serve_members), a.members))
        return
    r = asyncio.run(measure(a.messages, a.burst))
    tmp = Path(tempfile.mkdtemp(prefix="mfos-comms-bench-"))
    r |= asyncio.run(fanout(tmp, a.members, a.rounds))
    r |= asyncio.run(offline(tmp, a.queued))
    print(f"1:1 send -> recipient event   p50 {r['send_to_event_p50_ms']} ms  p99 {r['send_to_event_p99_ms']} ms")
    print(f"comms_send call (acked)       p50 {r['send_call_p50_ms']} ms  p99 {r['send_call_p99_ms']} ms")
    print(f"bare libp2p stream round trip p50 {r['bare_stream_rtt_p50_ms']} ms  p99 {r['bare_stream_rtt_p99_ms']} ms")
    print(f"sequential {r['seq_msgs_per_s']} msg/s, {a.burst} concurrent {r['burst_msgs_per_s']} msg/s")
    print(
        f"idle recipient process RSS {r['idle_recipient_rss_mb']} MB"
        f"  (before messaging {r['recipient_rss_before_messaging_mb']} MB)"
    )
    print(f"bare stream requests          {r['bare_stream_requests_per_s']} /s")
    print(
        f"group fan-out to {r['group_members']}: p50 {r['group_fanout_p50_ms']} ms  p99 {r['group_fanout_p99_ms']} ms"
        f"  (same text 1:1 to each: p50 {r['same_text_1to1_each_p50_ms']} ms)"
    )
    print(
        f"{r['queued']} held: recipient start -> all received {r['holder_start_to_all_received_s']} s"
        f" (unlock {r['holder_of_which_unlock_s']} s; queued in {r['queue_at_holder_s']} s)"
        f"  (same count straight while online: {r['same_count_online_straight_s']} s)"
    )
    print(json.dumps(r))


if __name__ == "__main__":
    main()
