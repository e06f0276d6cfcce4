"""gui/eager.py: a coroutine's first step runs at once; only one that has to wait becomes a task,
and that task is the coroutine from there on (its result, its errors, its cancellation)."""

from __future__ import annotations

import asyncio

import pytest

from mainframe_os.gui import eager


def test_a_coroutine_that_never_waits_finishes_in_the_call() -> None:
    seen: list[str] = []

    async def quick() -> None:
        seen.append("ran")

    async def main() -> None:
        assert eager.start(quick()) is None
        assert seen == ["ran"]  # before any turn of the loop

    asyncio.run(main())


def test_one_that_waits_carries_on_as_a_task_with_its_result() -> None:
    steps: list[str] = []

    async def slow(fut: asyncio.Future[int]) -> int:
        steps.append("first")
        got = await fut
        steps.append("second")
        await asyncio.sleep(0)  # a bare yield, as asyncio.sleep(0) is
        await asyncio.sleep(0.01)
        return got * 2

    async def main() -> None:
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        task = eager.start(slow(fut))
        assert task is not None and steps == ["first"]
        asyncio.get_running_loop().call_later(0.01, fut.set_result, 21)
        assert await task == 42 and steps == ["first", "second"]

    asyncio.run(main())


def test_an_error_after_the_first_wait_is_the_tasks_error() -> None:
    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise ValueError("boom")

    async def main() -> None:
        task = eager.start(fails())
        assert task is not None
        with pytest.raises(ValueError, match="boom"):
            await task

    asyncio.run(main())


def test_cancelling_the_task_reaches_the_coroutine() -> None:
    log: list[str] = []

    async def waits() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append("cancelled inside")
            raise
        finally:
            log.append("cleaned up")

    async def handled() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return "settled"
        return "slept"

    async def main() -> None:
        task = eager.start(waits())
        assert task is not None
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert log == ["cancelled inside", "cleaned up"]
        # a coroutine that handles the cancellation ends with what it returns (as in a task)
        task2 = eager.start(handled())
        assert task2 is not None
        await asyncio.sleep(0)
        task2.cancel()
        assert await task2 == "settled"

    asyncio.run(main())


def test_a_task_dropped_unfinished_closes_the_coroutine() -> None:
    log: list[str] = []

    async def waits(fut: asyncio.Future[None]) -> None:
        try:
            await fut
        finally:
            log.append("closed")

    loop = asyncio.new_event_loop()
    try:
        fut = loop.create_future()
        coro = waits(fut)
        carried = eager._carry_on(coro, coro.send(None))  # what start() hands its task
        assert next(carried) is fut
        carried.close()  # what the garbage collector does with an abandoned coroutine
        assert log == ["closed"]
    finally:
        loop.close()
