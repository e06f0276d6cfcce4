"""Who answers a prompt, and in what order (MetaMask's approval queue, in the node).

A prompt belongs to whoever made the request:

- a socket client that said it answers prompts (`node_answerPrompts`) answers the prompts of its
  own calls, on its terminal or with `--yes`;
- everything else (the launcher, apps, socket clients that do not answer) goes to the node's own
  answerer: the launcher's dialogs in the GUI, the terminal or `--yes` of an in-process CLI;
- with nobody to ask (a headless node), the call is refused with `NobodyToApprove`, which says so.

Each answerer sees its prompts one at a time, in the order they were made. Identical pending
requests from one caller share one prompt and one answer (300 concurrent `eth_requestAccounts`
make one dialog), except transactions: approving one payment must never send two. A caller may
have at most `cap` distinct prompts waiting; beyond that a request is refused at once. An answer
may block its caller "for now": its waiting and future prompts are refused until `unblock`
(the launcher unblocks an app when it is opened again; a restart forgets every block).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from . import errors as E
from .context import CallerContext, CallerKind
from .prompter import Prompter, PromptRequest, PromptResult

MAX_WAITING_PER_CALLER = 20
# Kinds whose identical requests must not share an answer: one approval, one payment.
UNSHARED_KINDS = frozenset({"transaction"})


def caller_key(ctx: CallerContext) -> str:
    """The unit of the per-caller cap and of blocking: an app, a socket connection, the launcher."""
    if ctx.kind is CallerKind.APP:
        return f"app:{ctx.app_id}"
    if ctx.session is not None:
        return f"{ctx.kind.value}:{ctx.session}"
    return ctx.kind.value


def _share_key(request: PromptRequest) -> tuple[Any, ...] | None:
    if request.kind in UNSHARED_KINDS:
        return None
    details = json.dumps(request.details, sort_keys=True, default=str)
    return (request.caller, request.kind, request.title, details, request.choices)


@dataclass(eq=False)
class _Pending:
    """One prompt shown (or waiting to be shown) once, awaited by one or more identical requests."""

    request: PromptRequest
    caller: str
    share: tuple[Any, ...] | None
    future: asyncio.Future[PromptResult]
    waiters: int = 1
    asking: asyncio.Task[PromptResult] | None = None


@dataclass(eq=False)
class _Lane:
    """The prompts one answerer sees: one open at a time, the rest in order."""

    answerer: Prompter
    waiting: deque[_Pending] = field(default_factory=deque)
    current: _Pending | None = None
    worker: asyncio.Task[None] | None = None


class PromptQueue:
    """The node's prompter: routes each prompt to its answerer and queues it there."""

    def __init__(self, launcher: Prompter | None = None, cap: int = MAX_WAITING_PER_CALLER) -> None:
        self.launcher = launcher  # the node's own answerer; None on a headless node
        self.cap = cap
        self._sessions: dict[str, Prompter] = {}
        self._offered: dict[str, Prompter] = {}
        self._lanes: dict[int, _Lane] = {}  # by id() of the answerer
        self._shared: dict[tuple[Any, ...], _Pending] = {}
        self._count: dict[str, int] = {}  # distinct prompts waiting or open, per caller
        self._blocked: set[str] = set()

    # -- who answers -----------------------------------------------------------------------------

    def offer(self, session: str, answerer: Prompter) -> None:
        """A transport can carry prompts back to the client of `session`, if the client asks."""
        self._offered[session] = answerer

    def attach(self, session: str) -> bool:
        """The client of `session` answers the prompts of its own calls from now on."""
        answerer = self._offered.get(session)
        if answerer is not None:
            self._sessions[session] = answerer
        return answerer is not None

    def detach(self, session: str) -> None:
        self._offered.pop(session, None)
        self._sessions.pop(session, None)

    def answerer_for(self, ctx: CallerContext) -> Prompter:
        if ctx.session is not None and ctx.session in self._sessions:
            return self._sessions[ctx.session]
        if self.launcher is None:
            raise E.NobodyToApprove()
        return self.launcher

    # -- blocking --------------------------------------------------------------------------------

    def block(self, caller: str) -> None:
        """Refuse `caller`'s waiting prompts and every new one until `unblock`."""
        self._blocked.add(caller)
        for lane in list(self._lanes.values()):
            for p in [p for p in lane.waiting if p.caller == caller]:
                lane.waiting.remove(p)
                self._settle(p, exc=E.CallerBlocked())

    def unblock(self, caller: str) -> None:
        self._blocked.discard(caller)

    def is_blocked(self, caller: str) -> bool:
        return caller in self._blocked

    def waiting(self, caller: str) -> int:
        """How many distinct prompts of `caller` are waiting or open."""
        return self._count.get(caller, 0)

    def queued_behind(self, answerer: Prompter) -> int:
        """How many distinct prompts wait behind the one `answerer` has open (for "3 more waiting")."""
        lane = self._lanes.get(id(answerer))
        return len(lane.waiting) if lane is not None else 0

    def requests_waiting(self, caller: str) -> int:
        """How many requests of `caller` await an answer (identical ones counted each)."""
        pending = [p for lane in self._lanes.values() for p in (lane.current, *lane.waiting) if p is not None]
        return sum(p.waiters for p in pending if p.caller == caller and not p.future.done())

    # -- asking ----------------------------------------------------------------------------------

    async def ask(self, request: PromptRequest) -> PromptResult:
        caller = caller_key(request.caller)
        if caller in self._blocked:
            raise E.CallerBlocked()
        answerer = self.answerer_for(request.caller)
        share = _share_key(request)
        p = self._shared.get(share) if share is not None else None
        if p is not None:
            p.waiters += 1
        else:
            p = self._enqueue(request, caller, share, answerer)
        try:
            return await asyncio.shield(p.future)
        except asyncio.CancelledError:
            p.waiters -= 1
            if p.waiters == 0 and not p.future.done():
                self._abandon(p)
            raise

    def _enqueue(self, request: PromptRequest, caller: str, share: Any, answerer: Prompter) -> _Pending:
        if request.caller.kind is not CallerKind.LAUNCHER and self._count.get(caller, 0) >= self.cap:
            raise E.TooManyPrompts()
        fut: asyncio.Future[PromptResult] = asyncio.get_running_loop().create_future()
        # an answer nobody awaits any more (all its callers went away) must not warn
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        p = _Pending(request, caller, share, fut)
        if share is not None:
            self._shared[share] = p
        self._count[caller] = self._count.get(caller, 0) + 1
        lane = self._lanes.get(id(answerer))
        if lane is None:
            lane = self._lanes[id(answerer)] = _Lane(answerer)
        lane.waiting.append(p)
        if lane.worker is None:
            lane.worker = asyncio.ensure_future(self._run(lane))
        return p

    async def _run(self, lane: _Lane) -> None:
        try:
            while lane.waiting:
                p = lane.current = lane.waiting.popleft()
                await self._show(lane.answerer, p)
                lane.current = None
        finally:
            lane.worker = lane.current = None
            for p in lane.waiting:  # only left when the worker itself was cancelled (shutdown)
                self._settle(p, exc=E.UserRejected("The prompt was closed"))
            lane.waiting.clear()
            if self._lanes.get(id(lane.answerer)) is lane:
                del self._lanes[id(lane.answerer)]

    async def _show(self, answerer: Prompter, p: _Pending) -> None:
        p.asking = asyncio.ensure_future(answerer.ask(p.request))
        try:
            result = await p.asking
        except asyncio.CancelledError:
            self._settle(p, exc=E.UserRejected("The prompt was closed"))
            me = asyncio.current_task()
            if me is not None and me.cancelling():  # the worker itself is cancelled, not just this prompt
                raise
            return
        except Exception as exc:  # noqa: BLE001 - the answerer's error is the callers' error
            self._settle(p, exc=exc)
            return
        self._settle(p, result=result)
        if result.block and p.request.caller.kind is CallerKind.APP:
            self.block(p.caller)

    def _abandon(self, p: _Pending) -> None:
        """Every request waiting on `p` went away: drop it, or close it if it is open."""
        if p.asking is not None:
            p.asking.cancel()
            return
        for lane in self._lanes.values():
            if p in lane.waiting:
                lane.waiting.remove(p)
        self._settle(p, exc=E.UserRejected("The request went away"))

    def _settle(self, p: _Pending, *, result: PromptResult | None = None, exc: BaseException | None = None) -> None:
        if p.share is not None and self._shared.get(p.share) is p:
            del self._shared[p.share]
        if not p.future.done():
            left = self._count.get(p.caller, 1) - 1
            if left:
                self._count[p.caller] = left
            else:
                self._count.pop(p.caller, None)
            if exc is not None:
                p.future.set_exception(exc)
            else:
                assert result is not None
                p.future.set_result(result)
