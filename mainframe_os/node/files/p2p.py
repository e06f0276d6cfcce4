"""Bitswap on the libp2p host that messaging runs (node/comms/host.py), so files move over the
same connections as messages and any Kubo or Helia peer could speak to us.

The wire format is the standard one: on ``/ipfs/bitswap/1.2.0`` each message is a protobuf
preceded by its length as an unsigned varint, and a stream carries messages one way only (a
peer answers on a stream it opens itself). We keep one outgoing stream per peer and read every
incoming stream until it ends, handing each message to the `BlockExchange` on the node's loop
and reading the next only when that is done (a fast sender waits for us, it cannot queue).

    net = BitswapNet(comms_host)            # registers the protocol on the host
    net.exchange = await files.attach_host(net)

Whenever messaging goes online, files/online.py does this for the open vault's files.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import trio

from ..comms.frames import FrameError, read_exactly
from .bitswap import MAX_MESSAGE, PROTOCOL, frame

if TYPE_CHECKING:
    from ..comms.host import P2PHost
    from .exchange import BlockExchange
    from .service import FilesService

log = logging.getLogger("mainframe_os.files")
SEND_TIMEOUT = 20.0  # seconds to open a stream and write one message (a stalled peer's window)
IDLE_TIMEOUT = 300.0  # an incoming stream with nothing for this long is closed
# An outgoing stream idle this long is replaced, not reused: Helia aborts an incoming bitswap
# stream after 10 s without a message, and a write racing that reset is lost without an error.
REUSE_WINDOW = 5.0


class BitswapNet:
    """`BitswapHost` on a running `P2PHost`; `addresses` tells where to dial peers we are not
    connected to (filled from contact cards by whoever fetches)."""

    def __init__(self, host: P2PHost) -> None:
        self.host = host
        self.exchange: BlockExchange | None = None
        self.addresses: dict[str, list[str]] = {}
        self.refused = 0  # incoming streams dropped for breaking the framing
        self._out: dict[str, tuple[Any, float]] = {}  # peer -> (its outgoing stream, last write) (trio side)
        self._locks: dict[str, trio.Lock] = {}
        host.add_stream_handler(PROTOCOL, self._serve)

    async def send(self, peer: str, message: bytes) -> None:
        try:
            await self.host.in_trio(self._send, peer, frame(message))
        except Exception as exc:  # noqa: BLE001 - PeerUnreachable, stream errors: the exchange moves on
            raise ConnectionError(f"bitswap to {peer[:16]}… failed: {type(exc).__name__}") from None

    # -- trio side ---------------------------------------------------------------------------------

    async def _send(self, peer: str, data: bytes) -> None:
        async with self._locks.setdefault(peer, trio.Lock()):
            with trio.fail_after(SEND_TIMEOUT):
                stream, last = self._out.pop(peer, (None, 0.0))
                if stream is not None and trio.current_time() - last < REUSE_WINDOW:
                    try:
                        await stream.write(data)
                        self._out[peer] = (stream, trio.current_time())
                        return
                    except Exception:  # noqa: BLE001 - the peer closed it or went away: open another
                        stream = None
                if stream is not None:  # idle too long: the peer may be resetting it right now
                    trio.lowlevel.spawn_system_task(_close_quietly, stream)
                stream = await self.host.open_stream(peer, self.addresses.get(peer, []), PROTOCOL)
                await stream.write(data)
                self._out[peer] = (stream, trio.current_time())

    async def _serve(self, stream: Any) -> None:
        peer = stream.muxed_conn.peer_id.to_base58()
        try:
            while True:
                with trio.move_on_after(IDLE_TIMEOUT) as idle:
                    data = await read_message(stream)
                if idle.cancelled_caught:
                    break
                await self.host.in_asyncio(self._deliver, peer, data)
        except FrameError as exc:
            if str(exc) != "stream ended":
                self.refused += 1
                log.info("bitswap: dropped a stream from %s: %s", peer[:16], exc)
        except Exception as exc:  # noqa: BLE001 - a reset, the peer vanishing mid-message
            if type(exc).__name__ != "StreamEOF":
                log.info("bitswap: stream from %s ended: %s", peer[:16], type(exc).__name__)
        finally:
            with trio.move_on_after(2):
                try:
                    await stream.close()
                except Exception:  # noqa: BLE001 - already gone
                    pass

    # -- asyncio side ------------------------------------------------------------------------------

    async def _deliver(self, peer: str, data: bytes) -> bytes:
        if self.exchange is not None:
            await self.exchange.receive(peer, data)
        return b""


async def read_message(stream: Any, limit: int = MAX_MESSAGE) -> bytes:
    """One varint-length-prefixed message; a longer announced length ends the stream unread."""
    size = 0
    for shift in range(0, 70, 7):
        byte = (await read_exactly(stream, 1))[0]
        size |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
    else:
        raise FrameError("bad length prefix")
    if size > limit:
        raise FrameError(f"message of {size} bytes is over the limit of {limit}")
    return await read_exactly(stream, size) if size else b""


def learn_addresses(files: FilesService, providers: list[str]) -> list[str]:
    """Peer ids of `providers`; the address of each given as ``<multiaddr>/p2p/<id>`` is kept
    for dialling it."""
    ids = []
    for p in providers:
        addr, _, peer = p.rpartition("/p2p/")
        ids.append(peer)
        host = files.exchange.host if files.exchange is not None else None
        if addr and isinstance(host, BitswapNet):
            host.addresses[peer] = [addr]
    return ids


async def _close_quietly(stream: Any) -> None:
    with trio.move_on_after(2):
        try:
            await stream.close()
        except Exception:  # noqa: BLE001 - already reset by the peer
            pass
