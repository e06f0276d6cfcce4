"""Frames: the length limit holds before reading, a cut frame is an error; the rate limiter."""

from __future__ import annotations

import pytest

from mainframe_os.node.comms.frames import FrameError, RateLimiter, encode_frame, read_frame


class Pipe:
    def __init__(self, data: bytes, chunk: int = 3) -> None:
        self.data, self.chunk, self.reads = data, chunk, 0

    async def read(self, n: int | None = None) -> bytes:
        self.reads += 1
        take = min(n or self.chunk, self.chunk)
        out, self.data = self.data[:take], self.data[take:]
        return out

    async def write(self, data: bytes) -> None:
        raise AssertionError("not used")


async def test_frames_in_small_chunks() -> None:
    pipe = Pipe(encode_frame(b"hello world") + encode_frame(b""))
    assert await read_frame(pipe, 100) == b"hello world"
    assert await read_frame(pipe, 100) == b""


async def test_over_limit_is_refused_without_reading_the_body() -> None:
    pipe = Pipe(encode_frame(b"x" * 1000), chunk=4)
    with pytest.raises(FrameError, match="over the limit"):
        await read_frame(pipe, 999)
    assert pipe.reads == 1  # only the length was read


async def test_cut_frame() -> None:
    with pytest.raises(FrameError, match="inside a frame"):
        await read_frame(Pipe(encode_frame(b"hello")[:-2]), 100)


def test_rate_limiter_per_key() -> None:
    rl = RateLimiter(rate=2, burst=3)
    assert [rl.allow("a", now=0) for _ in range(4)] == [True, True, True, False]
    assert rl.allow("b", now=0)  # another peer has its own bucket
    assert rl.allow("a", now=0.5) and not rl.allow("a", now=0.5)  # refills at 2 a second
