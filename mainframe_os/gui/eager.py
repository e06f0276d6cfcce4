"""Run a coroutine's first step now, and make it a task only if it has to wait.

Python 3.12's eager tasks, for 3.11: most of an app's calls (eth_chainId, eth_accounts, a
storage read from a cache) never wait on anything, and a task for each costs more than the call
(a Task, its first step scheduled through the loop, a done callback scheduled again). The first
step runs in the caller's context with no current task, so the code it runs must not need one
before its first await (`asyncio.timeout` does; nothing the node's methods run first does).
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Coroutine, Generator
from typing import Any


def start(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """Run `coro` up to its first real wait: None if it finished (its result is dropped: the
    coroutine keeps what it produced), else the task that carries it on from there."""
    try:
        waiting = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_carry_on(coro, waiting))


@types.coroutine
def _carry_on(coro: Coroutine[Any, Any, Any], waiting: Any) -> Generator[Any, Any, Any]:
    """`yield from coro`, for a coroutine that has already yielded `waiting`."""
    while True:
        try:
            sent = yield waiting
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # noqa: BLE001 - thrown in by the task (cancel): pass it on
            try:
                waiting = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                waiting = coro.send(sent)
            except StopIteration as stop:
                return stop.value
