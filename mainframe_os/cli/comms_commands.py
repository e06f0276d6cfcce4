"""mfos msg sync and msg list (with --follow): the messaging commands that are more than one
call (issue 12). The one-call commands (`peer`, `contact request`, `msg send`, `group`, ...)
are declared in comms_declarations.py."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

from .comms_declarations import message_line, messages_table, synced
from .framework import arg, command
from .session import CliSession

FOLLOW_WAIT_S = 5.0


@command("msg sync", "send what is queued and fetch from holders now", vault="required", formatter=synced)
async def msg_sync(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    await s.call("peer_start")  # sending and fetching need the peer online
    return await s.call("comms_sync")


@command(
    "msg list",
    "message history, of one contact or all; --follow: then each new one as it arrives, until Ctrl-C",
    arg("contact", nargs="?", help="contact id, id prefix or name"),
    arg("--limit", type=int, default=50, help="how many of the latest (default 50)"),
    arg("--before", type=float, help="only older than this time (seconds since 1970)"),
    arg("--group", help="a group's messages"),
    arg("--identity", dest="p_identityId", metavar="IDENTITY", help="identity id, id prefix or name"),
    arg("--follow", action="store_true", help="keep printing new messages as they arrive"),
    vault="required",
    formatter=messages_table,
    method="comms_list",
)
async def msg_list(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    ident = await _identity(s, a.p_identityId)
    scope = {k: v for k, v in {"contact": a.contact, "identityId": ident}.items() if v is not None}
    if a.follow:
        await s.call("peer_start")  # receiving needs the peer online (a serving node already is)
        cursor = (await s.call("comms_follow", {**scope, "wait": 0}))["cursor"]  # before the history: none missed
    given = {"limit": a.limit, "before": a.before, "group": a.group}
    rows = await s.call("comms_list", {**scope, **{k: v for k, v in given.items() if v is not None}})
    if not a.follow:
        return rows
    _emit(rows, a.json, table=True)
    await _follow(s, scope, cursor, {r["id"] for r in rows}, a.json)
    return None


async def _follow(s: CliSession, scope: dict[str, Any], cursor: int, shown: set[str], as_json: bool) -> None:
    """Print what comes until SIGINT/SIGTERM (then return: exit status 0)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            # short waits: over the socket the call holds a thread that Ctrl-C cannot interrupt
            call = asyncio.ensure_future(s.call("comms_follow", {**scope, "cursor": cursor, "wait": FOLLOW_WAIT_S}))
            await asyncio.wait({call, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not call.done():
                call.cancel()
                break
            got = call.result()
            cursor = got["cursor"]
            fresh = [m for m in got["messages"] if m["id"] not in shown]
            shown.update(m["id"] for m in fresh)
            _emit(fresh, as_json, table=False)
    finally:
        stopping.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _emit(rows: list[dict[str, Any]], as_json: bool, table: bool) -> None:
    if as_json:
        for m in rows:
            print(json.dumps(m), flush=True)
    elif table:
        print(messages_table(rows), flush=True)
    else:
        for m in rows:
            print(message_line(m), flush=True)


async def _identity(s: CliSession, value: str | None) -> str | None:
    if value is None:
        return None
    from .from_registry import DEFAULT_REFS, _resolve

    return await _resolve(s, DEFAULT_REFS["identityId"], value)
