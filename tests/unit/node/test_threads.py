"""run_on: a worker thread's result, its exception, and a cancelled wait, as run_in_executor."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from mainframe_os.node.threads import run_on


async def test_result_exception_and_cancellation() -> None:
    pool = ThreadPoolExecutor(1)
    try:
        total, where = await run_on(pool, lambda a, b: (a + b, threading.current_thread().name), 2, 3)
        assert total == 5 and where != threading.current_thread().name  # on the pool's thread
        with pytest.raises(KeyError, match="gone"):
            await run_on(pool, lambda: {}["gone"])
        gate, ran = threading.Event(), []
        busy = asyncio.ensure_future(run_on(pool, gate.wait))  # holds the one thread
        queued = asyncio.ensure_future(run_on(pool, lambda: ran.append(1)))
        await asyncio.sleep(0.05)
        queued.cancel()  # cancelled while it waits in the queue: it never runs
        with pytest.raises(asyncio.CancelledError):
            await queued
        gate.set()
        assert await busy is True
        assert await run_on(pool, lambda: len(ran)) == 0
    finally:
        pool.shutdown()
