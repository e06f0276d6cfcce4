"""A call on one of the node's worker threads (the vault's, the chain's), awaited on the loop.

The result comes back with one call_soon_threadsafe straight to an asyncio future:
run_in_executor's concurrent future and its chaining cost ~45 us more a hop, and a send makes
two hops to the chain thread (a swap four), a message several to the vault's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")


async def run_on(executor: Executor, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on `executor`'s thread; its result or its exception here, as run_in_executor."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def job() -> None:
        if done.cancelled():  # cancelled while queued: not run at all, as run_in_executor does
            return
        try:
            result = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, as run_in_executor does
            _hand_over(loop, done, None, exc)
        else:
            _hand_over(loop, done, result, None)

    executor.submit(job)
    return await done


def _hand_over(
    loop: asyncio.AbstractEventLoop, done: asyncio.Future[Any], result: Any, exc: BaseException | None
) -> None:
    def settle() -> None:
        if done.done():  # the caller was cancelled: nobody waits for this result
            return
        if exc is not None:
            done.set_exception(exc)
        else:
            done.set_result(result)

    try:
        loop.call_soon_threadsafe(settle)
    except RuntimeError:  # the loop closed meanwhile (the node is shutting down)
        pass
