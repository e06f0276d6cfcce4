"""The libp2p host, run by trio in its own thread beside the node's asyncio loop.

Only two doors cross between the threads: asyncio -> trio through `TrioToken.run_sync_soon`
(start a task in the host's nursery), trio -> asyncio through `loop.call_soon_threadsafe`
(start a task on the node's loop). Results come back the same way. Nothing else is shared.

Security: noise is the only security transport offered (never plaintext, secio or TLS), yamux
the only muxer; identify and ping come with the host. Our own protocols are request/response
over one stream: each request frame gets exactly one reply frame.

    host = P2PHost(seed, ["/ip4/127.0.0.1/tcp/0"], {MSG_PROTOCOL: handler})
    await host.start()
    replies = await host.request(peer_id, addrs, MSG_PROTOCOL, [payload])
    await host.stop()   # always: closes the listener and every connection
"""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, cast

import trio

from .errors import PeerUnreachable
from .frames import FrameError, RateLimiter, read_frame, write_frame

log = logging.getLogger("mainframe_os.comms.host")

MSG_PROTOCOL = "/mainframe/msg/1.0.0"
HOLD_PROTOCOL = "/mainframe/hold/1.0.0"
MAX_FRAME_BYTES = 128 * 1024  # one envelope (64 KiB) in base64 and its JSON wrapping
MAX_FRAMES_PER_STREAM = 256
STREAM_IDLE_S = 30.0

# handler(peer_id, request bytes) -> reply bytes, run on the asyncio loop
Handler = Callable[[str, bytes], Awaitable[bytes]]


class _NothingAnswered(Exception):
    """A stream ended before its first reply; `connection_closed`: its connection too."""

    def __init__(self, message: str, connection_closed: bool) -> None:
        super().__init__(message)
        self.connection_closed = connection_closed


@dataclass
class OverlayConfig:
    """Dark routing and peer discovery for the host (see routing_p2p): `on_packet(topic, packet)`
    runs on the asyncio loop for each gossipsub message on a topic we subscribed to."""

    on_packet: Callable[[str, bytes], Awaitable[None]]
    bootstrap: list[str] = field(default_factory=list)
    mdns: bool = False


class P2PHost:
    def __init__(
        self,
        seed: bytes,
        listen: Sequence[str],
        handlers: dict[str, Handler],
        rate: float = 50.0,
        burst: float = 200.0,
        overlay: OverlayConfig | None = None,
    ) -> None:
        self._seed, self._listen, self._handlers = seed, list(listen), handlers
        self._overlay_config = overlay
        self.overlay: Any = None  # routing_p2p.Overlay once running
        self._packet_tasks: set[asyncio.Future[None]] = set()
        self.limiter = RateLimiter(rate, burst)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._nursery: trio.Nursery | None = None
        self._stop: trio.Event | None = None
        self._thread: threading.Thread | None = None
        self._host: Any = None
        self.peer_id = ""
        self.addresses: list[str] = []
        self.refused = 0  # frames dropped: over the rate limit, too long, not a frame
        self._dial_locks: dict[str, trio.Lock] = {}
        self._raw_handlers: dict[str, Callable[[Any], Awaitable[None]]] = {}  # add_stream_handler

    # -- lifecycle (asyncio side) ---------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._loop.run_in_executor(None, import_libp2p)  # a second of imports, off the loop
        ready: asyncio.Future[None] = self._loop.create_future()
        self._thread = threading.Thread(target=self._run_trio, args=(ready,), name="mfos-p2p", daemon=True)
        self._thread.start()
        await ready

    async def stop(self) -> None:
        if self._thread is None:
            return
        token, stop = self._token, self._stop
        if token is not None and stop is not None:
            try:
                token.run_sync_soon(stop.set)
            except trio.RunFinishedError:
                pass
        thread, self._thread = self._thread, None
        await asyncio.get_running_loop().run_in_executor(None, thread.join)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._token is not None

    def _run_trio(self, ready: asyncio.Future[None]) -> None:
        loop = self._loop
        assert loop is not None
        try:
            trio.run(self._main, ready)
        except BaseException as exc:  # noqa: BLE001 - reported to the starter, or logged
            log.exception("the libp2p host stopped with an error")
            _post(loop, _settle, ready, None, exc)
        finally:
            self._token = None

    async def _main(self, ready: asyncio.Future[None]) -> None:
        import multiaddr

        self._tcp = _tracked_tcp()
        config = self._overlay_config
        host = self._host = _new_host(self._seed, self._tcp, mdns=bool(config and config.mdns))
        for protocol in self._handlers:
            host.set_stream_handler(protocol, self._make_stream_handler(protocol))
        for protocol, serve in self._raw_handlers.items():
            host.set_stream_handler(protocol, serve)
        self._stop = trio.Event()
        try:
            async with host.run([multiaddr.Multiaddr(a) for a in self._listen]), trio.open_nursery() as nursery:
                self._nursery = nursery
                self._token = trio.lowlevel.current_trio_token()
                self.peer_id = host.get_id().to_base58()
                self.addresses = [_without_p2p(str(a)) for a in host.get_addrs()]
                async with AsyncExitStack() as services:
                    if config is not None:
                        await self._start_overlay(config, services, nursery)
                    assert self._loop is not None
                    _post(self._loop, _settle, ready, None, None)
                    await self._stop.wait()
                    if self.overlay is not None:
                        await self.overlay.set_topics([])
                nursery.cancel_scope.cancel()
        finally:
            # leaving run() alone leaks the listener and connections: close explicitly
            with trio.CancelScope(shield=True):
                await host.close()
                await self._tcp.close_dialled()

    async def _start_overlay(self, config: OverlayConfig, services: AsyncExitStack, nursery: trio.Nursery) -> None:
        from .routing_p2p import Overlay

        loop = self._loop
        assert loop is not None

        def sink(topic: str, packet: bytes) -> None:  # trio -> asyncio, fire and forget
            def begin() -> None:
                task = asyncio.ensure_future(config.on_packet(topic, packet))
                self._packet_tasks.add(task)
                task.add_done_callback(self._packet_tasks.discard)

            _post(loop, begin)

        self.overlay = Overlay(self._host, self.limiter, sink, config.mdns)
        await self.overlay.start(services, nursery)
        if config.bootstrap:
            nursery.start_soon(self.overlay.dial_all, list(config.bootstrap))

    # -- calls from asyncio into trio ----------------------------------------------------------

    def _to_trio(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        if self._token is None or self._nursery is None:
            fut.set_exception(PeerUnreachable("messaging is offline"))
            return fut
        nursery = self._nursery

        async def run() -> None:
            try:
                result = await fn(*args)
            except Exception as exc:  # noqa: BLE001 - handed to the awaiting asyncio side
                _post(loop, _settle, fut, None, exc)
            else:
                _post(loop, _settle, fut, result, None)

        try:
            self._token.run_sync_soon(nursery.start_soon, run)
        except trio.RunFinishedError:
            fut.set_exception(PeerUnreachable("messaging is offline"))
        return fut

    async def request(
        self, peer_id: str, addresses: Sequence[str], protocol: str, payloads: Sequence[bytes], timeout: float = 10.0
    ) -> list[bytes]:
        """Send each payload as a frame on one new stream and return the reply to each."""
        return await self._to_trio(self._request, peer_id, list(addresses), protocol, list(payloads), timeout)

    async def set_topics(self, topics: Sequence[str]) -> None:
        await self._to_trio(self._require_overlay().set_topics, list(topics))

    async def publish(self, topic: str, packet: bytes) -> int:
        """Publish on a dark topic; returns how many peers we know on it (0: nobody heard it)."""
        return await self._to_trio(self._require_overlay().publish, topic, packet)

    async def find_peer(self, peer_id: str, timeout: float = 10.0, fresh: bool = False) -> list[str]:
        """A peer's listen addresses through the DHT (empty when nobody knows it); `fresh`: ask
        the network, not what we knew (those addresses just failed)."""

        async def find() -> list[str]:
            with trio.move_on_after(timeout):
                return await self._require_overlay().find_peer(peer_id, fresh)
            return []

        return await self._to_trio(find)

    async def dial(self, addresses: Sequence[str]) -> int:
        return await self._to_trio(self._require_overlay().dial_all, list(addresses))

    def overlay_stats(self) -> dict[str, Any]:
        o = self.overlay
        if o is None:
            return {}
        return {"published": dict(o.published), "received": dict(o.received), "refused": o.refused}

    def _require_overlay(self) -> Any:
        if self.overlay is None:
            raise PeerUnreachable("dark routing is off on this host")
        return self.overlay

    async def connected_peers(self) -> list[str]:
        return await self._to_trio(self._connected)

    async def _connected(self) -> list[str]:
        return sorted(p.to_base58() for p in self._host.get_connected_peers())

    async def _request(
        self, peer_id: str, addresses: list[str], protocol: str, payloads: list[bytes], timeout: float
    ) -> list[bytes]:
        import multiaddr
        from libp2p.custom_types import TProtocol
        from libp2p.peer.id import ID
        from libp2p.peer.peerinfo import PeerInfo

        try:
            pid = ID.from_base58(peer_id)
            info = PeerInfo(pid, [multiaddr.Multiaddr(a) for a in addresses])
            with trio.fail_after(timeout):
                try:
                    return await self._exchange(pid, info, TProtocol(protocol), payloads)
                except _NothingAnswered as cut:
                    # the stream ended before any reply: a connection the peer had already
                    # dropped (a restart, a connection it pruned) that our swarm still listed, or
                    # a reset. Requests are idempotent (envelope ids): once more, on a fresh
                    # connection when that one is gone, else on a new stream beside the others
                    # (a file transfer on the same connection goes on)
                    if cut.connection_closed:
                        await self._host.disconnect(pid)
                    return await self._exchange(pid, info, TProtocol(protocol), payloads)
        except trio.TooSlowError:
            raise PeerUnreachable(f"peer {peer_id[:16]}… did not answer in {timeout:g} s") from None
        except Exception as exc:  # noqa: BLE001 - dial/negotiation/stream errors of every kind
            raise PeerUnreachable(f"peer {peer_id[:16]}… unreachable: {type(exc).__name__} {exc}") from None

    async def _exchange(self, pid: Any, info: Any, protocol: Any, payloads: list[bytes]) -> list[bytes]:
        """One stream: each payload, then its reply. `_NothingAnswered` when the stream ends or
        resets before the first reply."""
        stream = await self._open(pid, info, protocol)
        replies: list[bytes] = []
        try:
            for payload in payloads:
                await write_frame(stream, payload)
                replies.append(await read_frame(stream, MAX_FRAME_BYTES))
            return replies
        except Exception as exc:  # noqa: BLE001 - EOF, reset, "stream ended": libp2p's or ours
            if replies or (isinstance(exc, FrameError) and not str(exc).startswith("stream ended")):
                raise
            closed = bool(getattr(getattr(stream, "muxed_conn", None), "is_closed", True))
            raise _NothingAnswered(f"{type(exc).__name__} {exc}", closed) from exc
        finally:
            with trio.move_on_after(2):
                await stream.close()

    async def _open(self, pid: Any, info: Any, protocol: Any) -> Any:
        """A new stream to a peer, dialling it first when not connected (trio side)."""
        # one dial at a time per peer: two racing dials make two connections, and the
        # swarm forgets (without closing) the one it does not keep
        async with self._dial_locks.setdefault(pid.to_base58(), trio.Lock()):
            # our outbox has its own back-off; the swarm's 60 s "recently failed" cache
            # would refuse a peer that just came back
            self._host.get_network().unblock_peer(pid)
            if pid not in self._host.get_connected_peers():
                await self._host.connect(info)
            try:
                return await self._host.new_stream(pid, [protocol])
            except Exception:  # noqa: BLE001 - a connection the peer left long ago
                # the swarm still lists a connection whose peer went away: drop it, redial
                await self._host.disconnect(pid)
                self._host.get_network().unblock_peer(pid)
                await self._host.connect(info)
                return await self._host.new_stream(pid, [protocol])

    # -- protocols with their own wire format (files: bitswap), for other services -------------

    def add_stream_handler(self, protocol: str, serve: Callable[[Any], Awaitable[None]]) -> None:
        """Hand every incoming stream of `protocol` to `serve` (a trio function that owns the
        stream). Registered with the others at start, or at once when already running."""
        self._raw_handlers[protocol] = serve
        if self._token is not None and self._host is not None:
            from libp2p.custom_types import TProtocol

            self._token.run_sync_soon(self._host.set_stream_handler, TProtocol(protocol), serve)

    def in_trio(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> asyncio.Future[Any]:
        """Run the trio function `fn(*args)` in the host's nursery; await its result (asyncio side)."""
        return self._to_trio(fn, *args)

    async def open_stream(self, peer_id: str, addresses: Sequence[str], protocol: str) -> Any:
        """A new stream of `protocol` to a peer (trio side); addresses help only when not connected."""
        import multiaddr
        from libp2p.custom_types import TProtocol
        from libp2p.peer.id import ID
        from libp2p.peer.peerinfo import PeerInfo

        pid = ID.from_base58(peer_id)
        known = list(addresses)
        if not known:
            try:  # where we last met it
                known = [str(a) for a in self._host.get_peerstore().addrs(pid)]
            except Exception:  # noqa: BLE001 - PeerStoreError: never met
                known = []
        return await self._open(pid, PeerInfo(pid, [multiaddr.Multiaddr(a) for a in known]), TProtocol(protocol))

    async def in_asyncio(self, fn: Handler, peer: str, payload: bytes) -> bytes:
        """Run `fn(peer, payload)` on the node's loop and wait for it (trio side)."""
        return await self._to_asyncio(fn, peer, payload)

    # -- calls from trio into asyncio ----------------------------------------------------------

    async def _to_asyncio(self, fn: Handler, peer: str, payload: bytes) -> bytes:
        loop, token = self._loop, self._token
        assert loop is not None and token is not None
        done = trio.Event()
        box: dict[str, Any] = {}

        def finished(task: asyncio.Future[bytes]) -> None:
            def deliver() -> None:
                box["task"] = task
                done.set()

            try:
                token.run_sync_soon(deliver)
            except trio.RunFinishedError:
                pass  # the host stopped meanwhile: nobody waits for this reply

        def begin() -> None:
            asyncio.ensure_future(fn(peer, payload)).add_done_callback(finished)

        _post(loop, begin)
        await done.wait()
        task = box["task"]
        if task.cancelled():
            raise FrameError("handler cancelled")
        return task.result()

    def _make_stream_handler(self, protocol: str) -> Callable[[Any], Awaitable[None]]:
        handler = self._handlers[protocol]

        async def serve(stream: Any) -> None:
            peer = stream.muxed_conn.peer_id.to_base58()
            try:
                with trio.move_on_after(STREAM_IDLE_S):
                    for _ in range(MAX_FRAMES_PER_STREAM):
                        payload = await read_frame(stream, MAX_FRAME_BYTES)
                        if not self.limiter.allow(peer):
                            self.refused += 1
                            await stream.reset()
                            return
                        await write_frame(stream, await handler_call(peer, payload))
            except FrameError as exc:
                if "stream ended" != str(exc):
                    self.refused += 1
                    log.info("dropped a stream from %s: %s", peer[:16], exc)
            except Exception as exc:  # noqa: BLE001 - a peer vanishing mid-stream, a reset, ...
                if type(exc).__name__ != "StreamEOF":  # EOF between frames: the normal end
                    log.info("stream from %s ended: %s", peer[:16], type(exc).__name__)
            finally:
                with trio.move_on_after(2):
                    try:
                        await stream.close()
                    except Exception:  # noqa: BLE001 - already gone
                        pass

        async def handler_call(peer: str, payload: bytes) -> bytes:
            return await self._to_asyncio(handler, peer, payload)

        return serve


def import_libp2p() -> None:
    """Import py-libp2p once. Its websocket transport imports `websockets.legacy`, which warns
    on import (DeprecationWarning): not our code's concern, and fatal where warnings are errors."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"websockets\..*")
        import libp2p  # noqa: F401
        import libp2p.transport.tcp.tcp  # noqa: F401


def _new_host(seed: bytes, tcp: Any, mdns: bool = False) -> Any:
    from libp2p import NOISE_PROTOCOL_ID, NoiseTransport, new_host
    from libp2p.crypto.ed25519 import create_new_key_pair
    from libp2p.crypto.x25519 import create_new_key_pair as new_x25519

    key_pair = create_new_key_pair(seed)
    # noise only: the default set also offers TLS, secio and plaintext
    security = {NOISE_PROTOCOL_ID: NoiseTransport(key_pair, noise_privkey=new_x25519().private_key)}
    host = new_host(key_pair=key_pair, sec_opt=security, muxer_preference="YAMUX", transports=[tcp], enable_mDNS=mdns)
    # one dial attempt per request: the outbox retries with its own back-off, and a peer that is
    # offline should cost a refused connect, not three with sleeps in between
    cast(Any, host.get_network()).retry_config.max_retries = 0
    return host


def _tracked_tcp() -> Any:
    """py-libp2p 0.8.1's host.close() leaves the socket of every connection it dialled open
    (measured: one ResourceWarning per dialled peer). This TCP transport remembers what it
    dialled so stop() can close it."""
    from libp2p.transport.tcp.tcp import TCP

    class TrackedTCP(TCP):
        def __init__(self) -> None:
            super().__init__()
            self.dialled: list[Any] = []

        async def dial(self, maddr: Any) -> Any:
            return self._track(await super().dial(maddr))

        async def dial_with_source(self, maddr: Any, source: Any) -> Any:
            return self._track(await super().dial_with_source(maddr, source))

        def _track(self, conn: Any) -> Any:
            self.dialled = [c for c in self.dialled if _socket_open(c)] + [conn]
            return conn

        async def close_dialled(self) -> None:
            for conn in self.dialled:
                with trio.move_on_after(1):
                    try:
                        await conn.close()
                    except Exception:  # noqa: BLE001 - already closed by the swarm
                        pass
            self.dialled.clear()

    return TrackedTCP()


def _socket_open(conn: Any) -> bool:
    sock = getattr(getattr(getattr(conn, "stream", None), "stream", None), "socket", None)
    return sock is None or sock.fileno() != -1


def _without_p2p(addr: str) -> str:
    return addr.split("/p2p/")[0]


def _post(loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any) -> None:
    """trio -> asyncio: run `fn` on the node's loop; nothing when that loop is gone (the node
    closed while the host was still starting or answering: nobody waits for the result)."""
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:  # "Event loop is closed"
        log.debug("the node's loop closed before the host's answer")


def _settle(fut: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(result)
