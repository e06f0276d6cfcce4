"""Moving blocks between peers with bitswap, behind a small host interface.

The libp2p host that messaging runs (node/comms) plugs in through `BitswapHost`: it sends a
message to a peer on ``/ipfs/bitswap/1.2.0`` and hands every message it receives to
`BlockExchange.receive`. Nothing here knows about streams, so the exchange is tested with any
host, and the same code serves and fetches.

    exchange = BlockExchange(store, host, may_serve=lambda peer, cid: ...)
    await exchange.fetch_dag(root, providers=["12D3Koo..."], writer=store.writer())

Serving answers wants for blocks we hold (when `may_serve` allows: a revoked share stops
here); fetching asks providers one after another, refuses blocks nobody asked for, moves on from
a peer that says DONT_HAVE or stays silent past the timeout, and walks the DAG under the same
limits as reading one from disk (depth, width, loops, sizes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from .bitswap import DONT_HAVE, Message, Want
from .blockstore import BlockMissing, BlockStore, PackWriter
from .dag import MAX_DEPTH, MAX_WIDTH
from .unixfs import RAW, Cid, UnixFsError, decode_file_node

log = logging.getLogger("mainframe_os.files")
BLOCK_TIMEOUT = 10.0  # seconds a provider has to answer one want before we ask the next


class BitswapHost(Protocol):
    async def send(self, peer: str, message: bytes) -> None:
        """Deliver one bitswap message (unframed) to `peer`."""


class BlockUnavailable(LookupError):
    def __init__(self, cid: Cid, tried: list[str]) -> None:
        super().__init__(f"no provider gave block {cid} (asked {len(tried)})")
        self.cid, self.tried = cid, tried


class BlockExchange:
    def __init__(
        self,
        store: BlockStore,
        host: BitswapHost,
        may_serve: Callable[[str, Cid], bool] = lambda _peer, _cid: True,
        timeout: float = BLOCK_TIMEOUT,
    ) -> None:
        self.store = store
        self.host = host
        self.may_serve = may_serve
        self.timeout = timeout
        self._waiting: dict[tuple[str, Cid], asyncio.Future[bytes | None]] = {}
        self.refused = 0  # blocks received that nobody here asked for (wrong or unsolicited)

    # -- serving and receiving -------------------------------------------------------------------

    async def receive(self, peer: str, data: bytes) -> None:
        try:
            msg = Message.decode(data)
        except UnixFsError as exc:
            log.info("bitswap: malformed message from %s: %s", peer[:16], exc)
            return
        for cid, block in msg.blocks:
            fut = self._waiting.get((peer, cid))
            if fut is None or fut.done():
                self.refused += 1
                continue
            fut.set_result(block)
        for cid, kind in msg.presences:
            fut = self._waiting.get((peer, cid))
            if kind == DONT_HAVE and fut is not None and not fut.done():
                fut.set_result(None)
        reply = await asyncio.to_thread(self._answer, peer, [w for w in msg.wants if not w.cancel])
        if reply.blocks or reply.presences:
            await self.host.send(peer, reply.encode())

    def _answer(self, peer: str, wants: list[Want]) -> Message:
        reply = Message()
        for w in wants:
            block = None
            if self.may_serve(peer, w.cid):
                try:
                    block = self.store.get(w.cid)  # verified: we never pass on a damaged block
                except (BlockMissing, ValueError):
                    block = None
            if block is not None:
                reply.blocks.append((w.cid, block))
            elif w.send_dont_have:
                reply.presences.append((w.cid, DONT_HAVE))
        return reply

    # -- fetching --------------------------------------------------------------------------------

    async def get_block(self, cid: Cid, providers: list[str]) -> bytes:
        """The block `cid` from the first provider that gives it, verified by its hash."""
        for peer in providers:
            fut: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
            self._waiting[(peer, cid)] = fut
            try:
                await self.host.send(peer, Message(wants=[Want(cid)]).encode())
                block = await asyncio.wait_for(fut, self.timeout)
            except (TimeoutError, OSError, ConnectionError):
                block = None
            finally:
                del self._waiting[(peer, cid)]
            if block is not None:
                return block
            try:  # tell a silent peer to stop looking
                await self.host.send(peer, Message(wants=[Want(cid, cancel=True)]).encode())
            except (OSError, ConnectionError):
                pass
        raise BlockUnavailable(cid, list(providers))

    async def fetch_dag(
        self, root: Cid, providers: list[str], writer: PackWriter, progress: Callable[[int], None] | None = None
    ) -> int:
        """Fetch every block of the file DAG under `root` into `writer` (indexed when the caller
        closes it); returns the file size the DAG holds. `progress` gets the bytes fetched."""
        self._progress, self._fetched = progress, 0
        return await self._fetch(root, None, (), providers, writer)

    _progress: Callable[[int], None] | None = None
    _fetched = 0

    async def _fetch(
        self, cid: Cid, expected: int | None, ancestors: tuple[Cid, ...], providers: list[str], writer: PackWriter
    ) -> int:
        if cid in ancestors:
            raise UnixFsError("the file's DAG loops back on itself")
        if len(ancestors) >= MAX_DEPTH:
            raise UnixFsError(f"the file's DAG is deeper than {MAX_DEPTH} levels")
        block = await self.get_block(cid, providers)
        writer.put(cid, block)
        self._fetched += len(block)
        if self._progress is not None:
            self._progress(self._fetched)
        if cid.codec == RAW:
            size = len(block)
        else:
            node = decode_file_node(block, MAX_WIDTH)
            for link in node.links:
                await self._fetch(link.cid, link.file_size, (*ancestors, cid), providers, writer)
            size = node.file_size
        if expected is not None and expected != size:
            raise UnixFsError("a block's size does not match what its parent node declares")
        return size
