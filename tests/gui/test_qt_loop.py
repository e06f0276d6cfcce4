"""gui/qt_loop.py: call_soon's ready queue keeps asyncio's order and rules, and never starves Qt."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mainframe_os.gui.qt import QTimer
from mainframe_os.gui.qt_loop import QtLoop


@pytest.fixture
def loop(qapp: Any) -> Iterator[QtLoop]:
    lp = QtLoop(qapp)
    yield lp
    lp.close()


def run(loop: QtLoop, coro: Any) -> Any:
    fut = asyncio.ensure_future(coro, loop=loop)
    fut.add_done_callback(lambda _f: loop.stop())
    loop.run_forever()
    return fut.result()


def test_callbacks_run_in_the_order_they_were_scheduled(loop: QtLoop) -> None:
    order: list[int] = []

    async def main() -> None:
        lp = asyncio.get_running_loop()
        for i in range(500):
            lp.call_soon(order.append, i)
        cancelled = lp.call_soon(order.append, -1)
        cancelled.cancel()
        await asyncio.sleep(0.05)

    run(loop, main())
    assert order == list(range(500))  # the cancelled one never ran


def test_a_callback_that_keeps_rescheduling_itself_does_not_starve_qt(loop: QtLoop) -> None:
    spins = 0
    fired: list[float] = []

    async def main() -> None:
        lp = asyncio.get_running_loop()
        stop = lp.create_future()

        def spin() -> None:
            nonlocal spins
            spins += 1
            if not stop.done():
                lp.call_soon(spin)

        lp.call_soon(spin)
        t0 = time.perf_counter()
        # a Qt timer and a Qt event must still come in while the chain runs
        QTimer.singleShot(20, lambda: (fired.append(time.perf_counter() - t0), stop.set_result(None)))
        await asyncio.wait_for(stop, 5)

    run(loop, main())
    assert fired and fired[0] < 1.0, fired
    assert spins > 10


def test_an_error_in_one_callback_reaches_the_handler_and_the_rest_run(loop: QtLoop) -> None:
    errors: list[Any] = []
    ran: list[str] = []
    loop.set_exception_handler(lambda _lp, ctx: errors.append(ctx.get("exception")))

    async def main() -> None:
        lp = asyncio.get_running_loop()
        lp.call_soon(lambda: 1 / 0)
        lp.call_soon(ran.append, "after")
        await asyncio.sleep(0.05)

    run(loop, main())
    assert ran == ["after"] and isinstance(errors[0], ZeroDivisionError)


def test_threads_hand_work_to_the_loop(loop: QtLoop) -> None:
    async def main() -> list[str]:
        lp = asyncio.get_running_loop()
        got: list[str] = []
        done = lp.create_future()

        def worker() -> None:
            for i in range(50):
                lp.call_soon_threadsafe(got.append, f"w{i}")
            lp.call_soon_threadsafe(done.set_result, None)

        threading.Thread(target=worker).start()
        await asyncio.wait_for(done, 5)
        # and run_in_executor, whose result comes back the same way
        assert await lp.run_in_executor(None, lambda: "from a thread") == "from a thread"
        return got

    assert run(loop, main()) == [f"w{i}" for i in range(50)]


def test_a_closed_loop_takes_no_more_callbacks(qapp: Any) -> None:
    lp = QtLoop(qapp)
    lp.close()
    with pytest.raises(RuntimeError, match="closed"):
        lp.call_soon(print)
