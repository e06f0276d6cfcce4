"""mfos msg sync: the messaging command that is more than one call (issue 12). The one-call
commands (`peer`, `contact request`, `msg send`, `group`, ...) are declared in comms_declarations.py."""

from __future__ import annotations

from typing import Any

from .comms_declarations import synced
from .framework import command
from .session import CliSession


@command("msg sync", "send what is queued and fetch from holders now", vault="required", formatter=synced)
async def msg_sync(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    await s.call("peer_start")  # sending and fetching need the peer online
    return await s.call("comms_sync")
