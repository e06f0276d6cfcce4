"""Unread message counts for badges: one object the sidebar, the contacts list and the tray read.

The node owns the counts (`comms_unread`); this only asks again when a message arrives or one is
read, and tells its listeners once per change."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import (
    ActiveIdentityChanged,
    MessageReceived,
    MessageStateChanged,
    VaultLocked,
    VaultOpened,
)

from ..context import LauncherContext
from ..qt import QObject, Signal


class UnreadCounts(QObject):
    changed = Signal(int)  # the total

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.total = 0
        self.contacts: dict[str, int] = {}  # contact id -> unread 1:1 messages
        self.groups: dict[str, int] = {}  # group id -> unread group messages
        self._asking = False
        self._again = False
        ctx.subscribe(self, MessageReceived, lambda _e: self.refresh())
        ctx.subscribe(self, MessageStateChanged, lambda e: e.state == "read" and self.refresh())
        ctx.subscribe(self, ActiveIdentityChanged, lambda _e: self.refresh())
        ctx.subscribe(self, VaultOpened, lambda _e: self.refresh())
        ctx.subscribe(self, VaultLocked, lambda _e: self._show({"total": 0, "contacts": [], "groups": []}))

    def refresh(self) -> None:
        """Ask the node again; a burst of messages makes one call at a time, plus one at the end."""
        if self.ctx.node.vault is None:
            return
        if self._asking:
            self._again = True
            return
        self._asking = True

        async def ask() -> None:
            try:
                self._show(await self.ctx.call("comms_unread"))
            finally:
                self._asking = False
                if self._again:
                    self._again = False
                    self.refresh()

        self.ctx.ops.run(ask(), quiet=True, title="Could not count unread messages")

    def _show(self, out: dict[str, Any]) -> None:
        self.contacts = {c["contactId"]: c["unread"] for c in out["contacts"] if c.get("contactId")}
        self.groups = {g["groupId"]: g["unread"] for g in out.get("groups", [])}
        self.total = out["total"]
        self.changed.emit(self.total)  # also when the total stays: the per-contact counts moved
