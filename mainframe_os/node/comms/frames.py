"""Length-prefixed frames on a libp2p stream, and a per-peer rate limit.

A frame is a 4-byte big-endian length then that many bytes. A reader states the largest frame
it accepts: a longer announced length ends the stream before any of it is read, so a peer
cannot make us buffer more than the limit.
"""

from __future__ import annotations

import time
from typing import Protocol

LENGTH_BYTES = 4


class FrameError(Exception):
    """The stream broke the framing rules (too long, cut short): drop the stream."""


class ByteStream(Protocol):
    async def read(self, n: int | None = None) -> bytes: ...

    async def write(self, data: bytes) -> None: ...


def encode_frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(LENGTH_BYTES, "big") + payload


async def read_exactly(stream: ByteStream, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = await stream.read(n - len(buf))
        if not chunk:
            raise FrameError("stream ended inside a frame" if buf else "stream ended")
        buf += chunk
    return bytes(buf)


async def read_frame(stream: ByteStream, limit: int) -> bytes:
    size = int.from_bytes(await read_exactly(stream, LENGTH_BYTES), "big")
    if size > limit:
        raise FrameError(f"frame of {size} bytes is over the limit of {limit}")
    return await read_exactly(stream, size) if size else b""


async def write_frame(stream: ByteStream, payload: bytes) -> None:
    await stream.write(encode_frame(payload))


class RateLimiter:
    """A token bucket per key (peer id): `rate` frames a second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: float, max_keys: int = 10_000) -> None:
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._buckets.clear()  # a crude bound on memory; honest peers refill at once
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True
