"""Files written and read piece by piece (for apps, whose bytes arrive in RPC calls): the same
encryption, chunking and block store as adding a file from disk, fed by `write` calls.

    up = Upload(store, key)          # then up.write(piece) any number of times
    stored = up.close()              # the root CID and sizes; blocks indexed now
    down = Download(store, root, key)
    while piece := down.read(1 << 20): ...

Blocking code: callers run it on a worker thread. Memory stays at one message plus one chunk.
"""

from __future__ import annotations

from collections.abc import Iterator

from .blockstore import BlockStore, PackWriter
from .crypto import MESSAGE, Decryptor, Encryptor
from .dag import iter_file
from .store import Stored
from .unixfs import Cid, FileDagBuilder


class Upload:
    def __init__(self, store: BlockStore, key: bytes) -> None:
        self._pack: PackWriter = store.writer()
        self._enc = Encryptor(key)
        self._builder = FileDagBuilder(self._put)
        self._builder.write(self._enc.header)
        self._pending = bytearray()  # plaintext not sealed yet: only the last message is FINAL
        self.size = 0

    def _put(self, cid: Cid, block: memoryview) -> None:
        self._pack.put(cid, block)

    @property
    def pack(self) -> str:
        return self._pack.name

    def write(self, data: bytes) -> None:
        self._pending += data
        self.size += len(data)
        # seal every whole message but keep at least one byte back, so close() has a last message
        while len(self._pending) > MESSAGE:
            self._builder.write(self._enc.seal(bytes(self._pending[:MESSAGE]), final=False))
            del self._pending[:MESSAGE]

    def close(self) -> Stored:
        try:
            self._builder.write(self._enc.seal(bytes(self._pending), final=True))
            root = self._builder.finish()
        except BaseException:  # a disk full on the last blocks: close and delete the pack
            self.abort()
            raise
        self._pack.__exit__(None, None, None)  # indexes the blocks
        return Stored(root, self.size, self._builder.size)

    def abort(self) -> None:
        err = RuntimeError("upload aborted")
        self._pack.__exit__(RuntimeError, err, None)  # deletes the pack


class Download:
    def __init__(self, store: BlockStore, root: Cid, key: bytes) -> None:
        self._leaves: Iterator[bytes] = iter_file(store.get, root)
        self._dec = Decryptor(key)
        self._ready = bytearray()
        self._done = False

    def read(self, limit: int) -> bytes:
        """Up to `limit` bytes of plaintext; b"" at the end."""
        while len(self._ready) < limit and not self._done:
            leaf = next(self._leaves, None)
            pieces = self._dec.finish() if leaf is None else self._dec.feed(leaf)
            self._done = leaf is None
            for p in pieces:
                self._ready += p
        out = bytes(self._ready[:limit])
        del self._ready[:limit]
        return out
