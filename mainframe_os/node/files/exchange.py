"""Moving blocks between peers with bitswap, behind a small host interface.

The libp2p host that messaging runs (node/comms) plugs in through `BitswapHost` (p2p.py's
`BitswapNet`): it sends a message to a peer on ``/ipfs/bitswap/1.2.0`` and hands every message
it receives to `BlockExchange.receive`. Nothing here knows about streams, so the exchange is
tested with any host (a loopback one too), and the same code serves and fetches.

    exchange = BlockExchange(store, host, may_serve=lambda peer, cid: ...)
    await exchange.fetch_dag(root, providers=["12D3Koo..."], writer=store.writer())

Serving answers wants for blocks we hold (when `may_serve` allows: a revoked share stops
here); fetching asks providers one after another, refuses blocks nobody asked for (and never
asks their sender again), moves on from a peer that says DONT_HAVE or stays silent past the
timeout (it goes to the back of the line), wants up to WINDOW blocks at once, and walks the DAG
under the same limits as reading one from disk (depth, width, loops, sizes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from .bitswap import DONT_HAVE, Message, Want
from .blockstore import BlockMissing, BlockStore, PackWriter
from .dag import MAX_DEPTH, MAX_WIDTH
from .unixfs import RAW, Cid, UnixFsError, decode_file_node

log = logging.getLogger("mainframe_os.files")
BLOCK_TIMEOUT = 10.0  # seconds a provider has to answer one want before we ask the next
WINDOW = 8  # blocks wanted at once by one fetch (8 x 256 KiB in flight)


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
        self.misbehaving: set[str] = set()  # peers that sent such blocks: never asked again
        self._asked: set[tuple[str, Cid]] = set()  # wants we sent (a late block for one is no lie)

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
                if (peer, cid) not in self._asked:  # a late answer to a want we gave up on is no lie
                    self._refuse(peer)
                continue
            fut.set_result(block)
        for cid, kind in msg.presences:
            fut = self._waiting.get((peer, cid))
            if kind == DONT_HAVE and fut is not None and not fut.done():
                fut.set_result(None)
        reply = await asyncio.to_thread(self._answer, peer, [w for w in msg.wants if not w.cancel])
        if reply.blocks or reply.presences:
            await self.host.send(peer, reply.encode())

    def _refuse(self, peer: str) -> None:
        """A block nobody asked for (wrong bytes under a wanted CID, or unsolicited): that peer
        is not asked again, and what we wait for from it is given up on now, not at the timeout."""
        self.refused += 1
        self.misbehaving.add(peer)
        for (p, _cid), fut in self._waiting.items():
            if p == peer and not fut.done():
                fut.set_result(None)

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
        """The block `cid` from the first provider that gives it, verified by its hash. A provider
        that stays silent goes to the end of `providers` (the list is reordered in place, so the
        rest of a fetch asks the ones that answer first)."""
        for peer in list(providers):
            if peer in self.misbehaving:
                continue
            fut: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
            self._waiting[(peer, cid)] = fut
            if len(self._asked) > 100_000:  # a bound on memory; only late answers lose the benefit
                self._asked.clear()
            self._asked.add((peer, cid))
            try:
                await self.host.send(peer, Message(wants=[Want(cid)]).encode())
                block = await asyncio.wait_for(fut, self.timeout)
            except (TimeoutError, OSError, ConnectionError):
                block = None
                providers.remove(peer)
                providers.append(peer)
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
        closes it); returns the file size the DAG holds. `progress` gets the bytes fetched.
        Up to WINDOW blocks are wanted at once: one at a time, each block costs a round trip."""
        return await _DagFetch(self, list(providers), writer, progress).fetch(root, None, ())


class _DagFetch:
    """One DAG being fetched: its providers (in the order that works), its writer, its progress."""

    def __init__(
        self, ex: BlockExchange, providers: list[str], writer: PackWriter, progress: Callable[[int], None] | None
    ) -> None:
        self.ex, self.providers, self.writer, self.progress = ex, providers, writer, progress
        self.fetched = 0
        self.window = asyncio.Semaphore(WINDOW)
        self.blocks: dict[Cid, asyncio.Future[bytes]] = {}

    async def fetch(self, cid: Cid, expected: int | None, ancestors: tuple[Cid, ...]) -> int:
        if cid in ancestors:
            raise UnixFsError("the file's DAG loops back on itself")
        if len(ancestors) >= MAX_DEPTH:
            raise UnixFsError(f"the file's DAG is deeper than {MAX_DEPTH} levels")
        block = await self.get(cid)
        if cid.codec == RAW:
            size = len(block)
        else:
            node = decode_file_node(block, MAX_WIDTH)
            path = (*ancestors, cid)
            tasks = [asyncio.ensure_future(self.fetch(link.cid, link.file_size, path)) for link in node.links]
            try:
                await asyncio.gather(*tasks)
            except BaseException:  # the first failure ends the fetch: nothing keeps asking behind it
                pending: list[asyncio.Future[Any]] = [*tasks, *self.blocks.values()]
                for t in pending:
                    t.cancel()
                await asyncio.gather(*tasks, *self.blocks.values(), return_exceptions=True)
                raise
            size = node.file_size
        if expected is not None and expected != size:
            raise UnixFsError("a block's size does not match what its parent node declares")
        return size

    async def get(self, cid: Cid) -> bytes:
        """A block, asked for once however often the DAG links it (equal chunks share a CID)."""
        if cid not in self.blocks:
            self.blocks[cid] = asyncio.ensure_future(self._get(cid))
        return await asyncio.shield(self.blocks[cid])

    async def _get(self, cid: Cid) -> bytes:
        async with self.window:
            block = await self.ex.get_block(cid, self.providers)
        self.writer.put(cid, block)
        self.fetched += len(block)
        if self.progress is not None:
            self.progress(self.fetched)
        return block
