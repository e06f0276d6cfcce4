"""comms_follow: new messages as they arrive, for `mfos msg list --follow` and scripts (a long
poll: the call returns as soon as something new is stored, or empty after `wait` seconds).

Works the same in the process that serves messaging and in one that follows another (the
launcher while `mfos node` serves): both see new messages as MessageReceived events.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from typing import Any

from ..events import MessageReceived, MessageStateChanged
from ..params import Param
from ..registry import method
from .comms import _contact_key
from .identities import require_identity

MAX_WAIT_S = 60.0
POLL_S = 1.0  # besides the events: a message written by a process we do not follow


@method(
    "comms_follow",
    Param("contact", required=False, max_length=256),
    Param("cursor", "integer", required=False, description="from the previous answer; none: from now"),
    Param("wait", "number", required=False, default=20.0, description="seconds to wait for something new"),
    Param("identityId", required=False),
)
async def comms_follow(
    node: Any, ctx: Any, contact: str | None, cursor: int | None, wait: float, identityId: str | None
) -> dict[str, Any]:
    """New messages (sent or received) after `cursor`; waits up to `wait` seconds for one."""
    from ..comms import conversations

    ident = await require_identity(node, ctx, identityId)
    peer = await _contact_key(node, ident, contact) if contact else None
    deadline = asyncio.get_running_loop().time() + max(0.0, min(float(wait or 0), MAX_WAIT_S))
    news = asyncio.Event()

    def poke(_: Any) -> None:
        news.set()

    stops = [
        node.events.subscribe(MessageReceived, poke),
        node.events.subscribe(MessageStateChanged, poke),  # our own sends (queued -> sent) too
    ]
    try:
        while True:
            news.clear()
            rows, cursor = await node.db(
                functools.partial(conversations.newer, identity_id=ident, peer=peer, cursor=cursor)
            )
            left = deadline - asyncio.get_running_loop().time()
            if rows or left <= 0:
                return {"messages": rows, "cursor": cursor}
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), min(POLL_S, left))
    finally:
        for stop in stops:
            stop()
