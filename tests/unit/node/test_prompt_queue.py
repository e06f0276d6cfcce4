"""The node's prompt queue: one prompt open at a time per answerer, identical requests share an
answer, a per-app cap, "block this app for now", and a refusal that says why with nobody to ask."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext
from mainframe_os.node.prompt_queue import PromptQueue
from mainframe_os.node.prompter import PromptRequest, PromptResult


class HeldPrompter:
    """Keeps each prompt open until the test answers it; records how many were open at once."""

    def __init__(self) -> None:
        self.open: list[tuple[PromptRequest, asyncio.Future[PromptResult]]] = []
        self.seen: list[PromptRequest] = []
        self.most_open = 0
        self.changed = asyncio.Event()

    async def ask(self, request: PromptRequest) -> PromptResult:
        fut: asyncio.Future[PromptResult] = asyncio.get_running_loop().create_future()
        self.open.append((request, fut))
        self.seen.append(request)
        self.most_open = max(self.most_open, len(self.open))
        self.changed.set()
        try:
            return await fut
        finally:
            self.open.remove((request, fut))

    async def next_open(self) -> tuple[PromptRequest, asyncio.Future[PromptResult]]:
        while not self.open:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 10)
        return self.open[0]

    async def answer(self, result: PromptResult) -> PromptRequest:
        req, fut = await self.next_open()
        fut.set_result(result)
        await asyncio.sleep(0)
        return req


def app(app_id: str = "a" * 40, identity: str = "id1") -> CallerContext:
    return CallerContext.app(app_id, identity)


def connect_request(ctx: CallerContext, title: str = "Hello wants to connect to your wallet") -> PromptRequest:
    return PromptRequest("permission", ctx, title, {"app": "Hello", "accounts": ["0xabc"]}, ("approve", "reject"))


async def settle(tasks: list[asyncio.Task[Any]]) -> list[Any]:
    return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)


async def test_300_identical_requests_share_one_prompt_and_one_answer() -> None:
    held = HeldPrompter()
    q = PromptQueue(held)
    tasks = [asyncio.ensure_future(q.ask(connect_request(app()))) for _ in range(300)]
    await held.next_open()
    await asyncio.sleep(0.05)
    assert len(held.seen) == 1 and q.waiting("app:" + "a" * 40) == 1
    assert q.requests_waiting("app:" + "a" * 40) == 300
    await held.answer(PromptResult(True, "approve", ["0xabc"]))
    results = await settle(tasks)
    assert results == [PromptResult(True, "approve", ["0xabc"])] * 300
    assert len(held.seen) == 1 and q.waiting("app:" + "a" * 40) == 0
    # once answered, the same request later is a new prompt
    later = asyncio.ensure_future(q.ask(connect_request(app())))
    await held.answer(PromptResult(False))
    assert (await later).approved is False and len(held.seen) == 2


async def test_many_callers_see_one_prompt_at_a_time_in_order() -> None:
    held = HeldPrompter()
    q = PromptQueue(held)
    callers = [app(f"{i:040x}") for i in range(6)] + [CallerContext.launcher()]
    tasks = []
    for n in range(10):
        for c in callers:
            tasks.append(asyncio.ensure_future(q.ask(connect_request(c, f"request {n}"))))
    order = []
    for _ in range(len(tasks)):
        order.append((await held.answer(PromptResult(True, "approve"))).title)
    results = await settle(tasks)
    assert all(r == PromptResult(True, "approve") for r in results)
    assert held.most_open == 1
    assert order == [f"request {n}" for n in range(10) for _ in callers]  # first come, first asked


async def test_identical_transactions_are_never_shared() -> None:
    """Approving one payment must send one payment: each transaction is its own prompt."""
    held = HeldPrompter()
    q = PromptQueue(held)
    tx = PromptRequest("transaction", app(), "Send 1 ETH", {"to": "0xabc", "value": "1 ETH"})
    tasks = [asyncio.ensure_future(q.ask(tx)) for _ in range(3)]
    for _ in range(3):
        await held.answer(PromptResult(True))
    assert len(await settle(tasks)) == 3 and len(held.seen) == 3 and held.most_open == 1


async def test_an_app_over_its_cap_is_refused_at_once_and_others_are_not() -> None:
    held = HeldPrompter()
    q = PromptQueue(held, cap=5)
    flooder, other = app("f" * 40), app("b" * 40)
    tasks = [asyncio.ensure_future(q.ask(connect_request(flooder, f"r{i}"))) for i in range(5)]
    await held.next_open()
    with pytest.raises(E.TooManyPrompts) as err:
        await q.ask(connect_request(flooder, "one too many"))
    assert err.value.code == -32005 and "approval" in err.value.message
    # joining an identical waiting request costs nothing; another app has its own cap
    tasks.append(asyncio.ensure_future(q.ask(connect_request(flooder, "r3"))))
    tasks.append(asyncio.ensure_future(q.ask(connect_request(other, "mine"))))
    await asyncio.sleep(0.01)
    for _ in range(6):  # five of the flooder's, one of the other app's
        await held.answer(PromptResult(True, "approve"))
    assert all(isinstance(r, PromptResult) for r in await settle(tasks))
    assert [r.title for r in held.seen] == ["r0", "r1", "r2", "r3", "r4", "mine"]
    assert q.waiting("app:" + "f" * 40) == 0  # answered prompts free the cap
    again = asyncio.ensure_future(q.ask(connect_request(flooder, "after")))
    await held.answer(PromptResult(False))
    assert (await again).approved is False


async def test_block_this_app_refuses_its_queued_and_new_prompts_until_unblocked() -> None:
    held = HeldPrompter()
    q = PromptQueue(held)
    bad, good = app("d" * 40), app("e" * 40)
    bad_tasks = [asyncio.ensure_future(q.ask(connect_request(bad, f"bad {i}"))) for i in range(8)]
    good_task = asyncio.ensure_future(q.ask(connect_request(good, "good")))
    await held.answer(PromptResult(False, block=True))  # the first of the flood: "block this app"
    await held.answer(PromptResult(True, "approve"))  # the next open prompt is the other app's
    results = await settle(bad_tasks)
    assert results[0] == PromptResult(False, block=True)
    assert all(isinstance(r, E.CallerBlocked) and r.code == 4001 for r in results[1:])
    assert (await good_task).approved
    assert [r.title for r in held.seen] == ["bad 0", "good"]
    with pytest.raises(E.CallerBlocked, match="blocked"):
        await q.ask(connect_request(bad, "new"))
    q.unblock("app:" + "d" * 40)  # the launcher does this when the app is opened again
    again = asyncio.ensure_future(q.ask(connect_request(bad, "new")))
    await held.answer(PromptResult(True, "approve"))
    assert (await again).approved


async def test_nobody_to_ask_refuses_with_a_message_that_says_so() -> None:
    q = PromptQueue(None)
    with pytest.raises(E.NobodyToApprove) as err:
        await q.ask(connect_request(CallerContext.cli()))
    assert err.value.code == 4001
    assert "no one is there to approve" in err.value.message.lower() and "--yes" in err.value.message


async def test_a_socket_session_answers_its_own_prompts() -> None:
    launcher, own = HeldPrompter(), HeldPrompter()
    q = PromptQueue(launcher)
    q.offer("socket-1", own)
    mine = CallerContext.cli("socket-1")
    assert not launcher.seen
    assert q.attach("socket-1") and not q.attach("socket-2")  # only an offered session can attach
    t = asyncio.ensure_future(q.ask(connect_request(mine)))
    await own.answer(PromptResult(True, "approve"))
    assert (await t).approved and not launcher.seen
    q.detach("socket-1")  # gone: its prompts fall back to the node's own answerer
    t = asyncio.ensure_future(q.ask(connect_request(mine)))
    await launcher.answer(PromptResult(False))
    assert not (await t).approved


async def test_a_request_that_goes_away_takes_its_prompt_with_it() -> None:
    held = HeldPrompter()
    q = PromptQueue(held)
    first = asyncio.ensure_future(q.ask(connect_request(app(), "first")))
    gone = asyncio.ensure_future(q.ask(connect_request(app(), "gone")))
    await held.next_open()
    gone.cancel()
    await asyncio.sleep(0)
    await held.answer(PromptResult(True, "approve"))
    assert (await first).approved and gone.cancelled()
    await asyncio.sleep(0.01)
    assert [r.title for r in held.seen] == ["first"] and q.waiting("app:" + "a" * 40) == 0
    # an open prompt whose every request went away is closed
    open_one = asyncio.ensure_future(q.ask(connect_request(app(), "open")))
    await held.next_open()
    open_one.cancel()
    await asyncio.sleep(0.01)
    assert not held.open and q.waiting("app:" + "a" * 40) == 0
