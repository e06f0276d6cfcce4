"""The network half of dark routing, run inside the libp2p host's trio thread: gossipsub for the
dark topics, the Kademlia DHT for finding peers, bootstrap dials and (optionally) mDNS.

Gossipsub settings, and why (py-libp2p 0.8.1 defaults measured on this machine):
- heartbeat 1 s, adaptive gossip off: the 120 s heartbeat and adaptive gossip let memory grow
  without bound and leave new subscribers out of the mesh for minutes;
- its per-topic spam limit (10 messages/s) and 32-message subscription queues drop a burst of
  messages: both raised; our own per-peer token bucket (the host's RateLimiter, keyed by the peer
  that forwarded the message) is the limit that applies, in a topic validator, so a flood is
  neither delivered nor forwarded;
- anonymous publishing: our packets carry a random origin instead of our peer id and no
  signature (the envelope inside is signed by the identity; the packet is sealed to the
  recipient), so nodes on a topic learn neither who wrote a packet nor for whom it is;
- delivery is not acknowledged by gossipsub: the recipient answers each envelope with a
  "delivered" receipt, and the outbox resends (or hands to a holder) until one comes.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import trio

from .frames import RateLimiter

log = logging.getLogger("mainframe_os.comms.routing")

HEARTBEAT_S = 1
SUBSCRIPTION_QUEUE = 4096  # py-libp2p's 32 drops a burst before our reader gets to it
OUTBOUND_QUEUE = 4096  # per peer, what we send: py-libp2p's 32 dropped 230 of a burst of 500 here
MESH_DEGREE, MESH_LOW, MESH_HIGH = 6, 4, 12
IDENTIFY_WAIT_S = 3.0
BOOTSTRAP_DIAL_S = 5.0

# (topic, packet) -> None, run on the asyncio side by the host
PacketSink = Callable[[str, bytes], None]


class Overlay:
    """Pubsub + gossipsub + KadDHT on one running libp2p host."""

    def __init__(self, host: Any, limiter: RateLimiter, sink: PacketSink, mdns: bool) -> None:
        self.host, self.limiter, self.sink, self.mdns = host, limiter, sink, mdns
        self.pubsub: Any = None
        self.dht: Any = None
        self.published: Counter[str] = Counter()  # packets we wrote, per topic
        self.received: Counter[str] = Counter()  # packets that reached us, per topic
        self.refused = 0  # over a forwarder's rate limit, or too big to be a packet
        self._subs: dict[str, trio.CancelScope] = {}
        self._nursery: trio.Nursery | None = None
        self._mdns_handler: Any = None

    async def start(self, stack: AsyncExitStack, nursery: trio.Nursery) -> None:
        import libp2p.pubsub.pubsub as pubsub_module
        from libp2p.kad_dht.kad_dht import DHTMode, KadDHT
        from libp2p.pubsub.gossipsub import PROTOCOL_ID_V11, PROTOCOL_ID_V12, GossipSub
        from libp2p.pubsub.pubsub import Pubsub
        from libp2p.tools.anyio_service import background_trio_service

        # read by Pubsub.subscribe when it opens a subscription's channel; ours is the only pubsub here
        pubsub_module.SUBSCRIPTION_CHANNEL_SIZE = SUBSCRIPTION_QUEUE
        # what Pubsub makes per peer for what it sends (a class swapped for a roomier subclass)
        pubsub_module.RpcQueue = _roomy_queue()  # type: ignore[misc]
        # peers coming and going (a DHT stream closed mid-read, a GRAFT during back-off) are the
        # normal life of a network, logged by py-libp2p as warnings: not for a user's terminal
        for name in ("libp2p.kad_dht", "libp2p.pubsub.gossipsub"):
            logging.getLogger(name).setLevel(logging.ERROR)
        # a contact who is offline (the normal case: messages queue, holders keep them) is an
        # ERROR for py-libp2p's TCP dialer; the send reports it through its own state
        logging.getLogger("libp2p.transport.tcp.tcp").setLevel(logging.CRITICAL)
        self._nursery = nursery
        router = GossipSub(
            [PROTOCOL_ID_V12, PROTOCOL_ID_V11],
            MESH_DEGREE,
            MESH_LOW,
            MESH_HIGH,
            heartbeat_interval=HEARTBEAT_S,
            heartbeat_initial_delay=0.1,
            adaptive_gossip_enabled=False,
            spam_protection_enabled=False,
            max_messages_per_topic_per_second=1000.0,
            max_pending_messages_per_peer=1000,
        )
        self.pubsub = Pubsub(self.host, router, strict_signing=False)
        self.dht = KadDHT(self.host, DHTMode.SERVER)
        self.host.get_network().register_notifee(_DhtFeeder(self))
        await stack.enter_async_context(background_trio_service(self.pubsub))
        await stack.enter_async_context(background_trio_service(router))
        await stack.enter_async_context(background_trio_service(self.dht))
        await self.pubsub.wait_until_ready()
        if self.mdns:
            self._watch_mdns(stack)

    # -- topics ---------------------------------------------------------------------------------

    async def set_topics(self, topics: list[str]) -> None:
        """Subscribe to exactly these topics (leaving the others)."""
        for topic in set(self._subs) - set(topics):
            self._subs.pop(topic).cancel()
            await self.pubsub.unsubscribe(topic)
        for topic in topics:
            if topic not in self._subs:
                self.pubsub.set_topic_validator(topic, self._validate, False)
                sub = await self.pubsub.subscribe(topic)
                scope = self._subs[topic] = trio.CancelScope()
                assert self._nursery is not None
                self._nursery.start_soon(self._read, topic, sub, scope)

    def _validate(self, forwarder: Any, msg: Any) -> bool:
        # runs before a message is delivered or forwarded: a flooding neighbour's surplus goes nowhere
        from .routing import MAX_PACKET_BYTES

        if forwarder == self.pubsub.my_id:
            return True  # our own packet (the rate limit is for what peers send us)
        if len(msg.data) > MAX_PACKET_BYTES or not self.limiter.allow(forwarder.to_base58()):
            self.refused += 1
            return False
        return True

    async def _read(self, topic: str, sub: Any, scope: trio.CancelScope) -> None:
        with scope:
            while True:
                msg = await sub.get()
                self.received[topic] += 1
                self.sink(topic, bytes(msg.data))

    async def publish(self, topic: str, packet: bytes) -> int:
        """Publish anonymously; returns how many peers we know on the topic (0: it went nowhere)."""
        from libp2p.pubsub.pb import rpc_pb2

        ps = self.pubsub
        # a random origin and sequence number: the message id stays unique, the author unknown
        msg = rpc_pb2.Message(data=packet, topicIDs=[topic], from_id=os.urandom(34), seqno=os.urandom(8))
        await ps.push_msg(ps.my_id, msg)
        self.published[topic] += 1
        return len(ps.peer_topics.get(topic, ()))

    def topic_peers(self, topic: str) -> int:
        return len(self.pubsub.peer_topics.get(topic, ()))

    # -- finding peers --------------------------------------------------------------------------

    async def find_peer(self, peer_id: str, fresh: bool = False) -> list[str]:
        """Its addresses as the DHT knows them. `fresh`: the ones we had failed, so forget them
        and ask the network (py-libp2p answers from the routing table or peerstore first)."""
        from libp2p.peer.id import ID

        pid = ID.from_base58(peer_id)
        if not fresh:
            info = await self.dht.find_peer(pid)
            return [_without_p2p(a) for a in (info.addrs if info else [])]
        self.host.get_peerstore().clear_addrs(pid)
        self.dht.routing_table.remove_peer(pid)
        await self.dht.peer_routing.find_closest_peers_network(pid.to_bytes())
        try:
            return [_without_p2p(a) for a in self.host.get_peerstore().addrs(pid)]
        except Exception:  # noqa: BLE001 - nobody told us about it
            return []

    async def dial_all(self, addresses: list[str]) -> int:
        """Connect to each bootstrap multiaddr (with /p2p/); returns how many answered."""
        import multiaddr
        from libp2p.peer.peerinfo import info_from_p2p_addr

        ok = 0
        for text in addresses:
            with trio.move_on_after(BOOTSTRAP_DIAL_S):
                try:
                    await self.host.connect(info_from_p2p_addr(multiaddr.Multiaddr(text)))
                    ok += 1
                except Exception as exc:  # noqa: BLE001 - a bootstrap peer that is down
                    log.info("bootstrap peer %s unreachable: %s", text[:60], type(exc).__name__)
        return ok

    def _watch_mdns(self, stack: AsyncExitStack) -> None:
        """mDNS tells us about peers on the local network (from zeroconf's thread): dial them."""
        from libp2p.discovery.events.peerDiscovery import peerDiscovery

        token = trio.lowlevel.current_trio_token()
        nursery = self._nursery
        assert nursery is not None

        def found(info: Any) -> None:
            try:
                token.run_sync_soon(nursery.start_soon, self._dial_found, info)
            except trio.RunFinishedError:
                pass

        peerDiscovery.register_peer_discovered_handler(found)
        stack.callback(peerDiscovery.unregister_peer_discovered_handler, found)

    async def _dial_found(self, info: Any) -> None:
        with trio.move_on_after(BOOTSTRAP_DIAL_S):
            try:
                await self.host.connect(info)
            except Exception:  # noqa: BLE001 - a neighbour that went away
                log.info("could not dial a peer found by mDNS")


class _DhtFeeder:
    """Puts every peer we connect to (either direction) into the DHT's routing table, once its
    listen addresses are known (identify runs just after the connection opens)."""

    def __init__(self, overlay: Overlay) -> None:
        self.overlay = overlay

    async def connected(self, network: Any, conn: Any) -> None:
        if self.overlay._nursery is not None:
            self.overlay._nursery.start_soon(self._add, conn.muxed_conn.peer_id)

    async def _add(self, peer: Any) -> None:
        store = self.overlay.host.get_peerstore()
        with trio.move_on_after(IDENTIFY_WAIT_S):
            while not _has_addrs(store, peer):
                await trio.sleep(0.05)
            await self.overlay.dht.add_peer(peer, skip_server_mode_check=True)

    async def disconnected(self, network: Any, conn: Any) -> None:
        pass

    async def opened_stream(self, network: Any, stream: Any) -> None:
        pass

    async def closed_stream(self, network: Any, stream: Any) -> None:
        pass

    async def listen(self, network: Any, multiaddr: Any) -> None:
        pass

    async def listen_close(self, network: Any, multiaddr: Any) -> None:
        pass


def _roomy_queue() -> Any:
    from libp2p.pubsub.rpc_queue import RpcQueue

    class RoomyQueue(RpcQueue):
        def __init__(self, max_size: int = OUTBOUND_QUEUE, **kw: Any) -> None:
            super().__init__(max_size, **kw)

    return RoomyQueue


def _without_p2p(addr: Any) -> str:
    return str(addr).split("/p2p/")[0]


def _has_addrs(store: Any, peer: Any) -> bool:
    try:
        return bool(store.addrs(peer))
    except Exception:  # noqa: BLE001 - "peer not found" until identify has run
        return False
