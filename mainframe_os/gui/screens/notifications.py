"""Notifications from the node (payments, confirmations, contact requests, …) and one per new
message: a list here, a tray message too. Clicking a request or a message opens where it belongs."""

from __future__ import annotations

import time
from collections.abc import Callable

from mainframe_os.node.events import MessageReceived, Notification

from ..context import LauncherContext
from ..qt import QListWidget, QListWidgetItem, Qt, QTimer, QVBoxLayout, QWidget, Signal
from ..widgets import button, label, screen_header

PREVIEW = 80  # characters of a message shown in its notification


class NotificationsScreen(QWidget):
    unread_changed = Signal(int)
    arrived = Signal(str, str)  # title, body (the tray shows it)
    open_requested = Signal(str, str)  # "requests" | "contact" | "group" | "contacts", id ("" for none)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("notificationsScreen")
        self.unread = 0
        # Set by the main view: whether a conversation is on screen (its messages need no entry).
        self.conversation_shown: Callable[[str | None, str | None], bool] = lambda _c, _g: False
        lay = QVBoxLayout(self)
        lay.addWidget(screen_header("Notifications", "Payments, transactions and messages from your apps."))
        self.list = QListWidget()
        self.list.setObjectName("notificationList")
        lay.addWidget(self.list, 1)
        self.empty = label(
            "Nothing yet. Payments you receive and transactions you send show up here.",
            "caption",
            wrap=True,
        )
        lay.addWidget(self.empty)
        clear = button("Clear all")
        clear.clicked.connect(self.clear)
        lay.addWidget(clear, 0, Qt.AlignmentFlag.AlignRight)
        self._pending: dict[tuple[str, str], list[str]] = {}  # messages not yet in the list, per conversation
        self._flush_soon = QTimer(self)
        self._flush_soon.setSingleShot(True)
        self._flush_soon.setInterval(150)
        self._flush_soon.timeout.connect(self._flush)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        ctx.subscribe(self, Notification, self.add)
        ctx.subscribe(self, MessageReceived, self._message)

    def add(self, event: Notification) -> None:
        # An app's notification names the app (source "app:<name>", set by the node, not the app)
        # so a page cannot pass its message off as the launcher's.
        app = event.source[4:] if event.source.startswith("app:") else None
        target = None
        if event.source == "comms":  # the node's messaging: requests, changed keys, failed verification
            target = ("requests", "") if event.kind == "request" else ("contacts", "")
        self._entry(event.title, event.body, app, event.source, target)

    def _entry(self, title: str, body: str, app: str | None, source: str, target: tuple[str, str] | None) -> None:
        stamp = time.strftime("%H:%M")
        origin = f"{app}  ·  " if app else ""
        item = QListWidgetItem(f"{title}\n{body}   ·  {origin}{stamp}")
        item.setToolTip(f"From the app {app}" if app else "Click to open" if target else f"From {source}")
        item.setData(Qt.ItemDataRole.UserRole, {"source": source, "app": app, "title": title, "target": target})
        self.list.insertItem(0, item)
        self.empty.setVisible(False)
        if not self.isVisible():
            self.unread += 1
            self.unread_changed.emit(self.unread)
        self.arrived.emit(f"{app}: {title}" if app else title, body)

    def _message(self, e: MessageReceived) -> None:
        if self.conversation_shown(e.contact_id, e.group_id):
            return  # read as it arrives
        target = ("group", e.group_id) if e.group_id else ("contact", e.contact_id or "")
        self._pending.setdefault(target, []).append(e.message_id)
        if not self._flush_soon.isActive():  # a burst becomes one entry per conversation
            self._flush_soon.start()

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        for target, ids in pending.items():
            self.ctx.ops.run(self._describe(target, ids), quiet=True, title="Could not show a message notification")

    async def _describe(self, target: tuple[str, str], ids: list[str]) -> None:
        kind, ref = target
        history = await self.ctx.call("comms_list", {"limit": 50, kind: ref})
        mine = [m for m in history if m["id"] in ids]
        if not mine:
            return
        last = mine[-1]
        text = last["body"] if isinstance(last["body"], str) else "A message for an app"
        text = text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"
        if kind == "group":  # the sender may be a member we have no contact for: the roster names them
            group = next((g for g in await self.ctx.call("groups_list") if g["id"] == ref), None)
            members = {m["id"]: m["displayName"] for m in group["members"]} if group else {}
            title = f"{members.get(last['peer'], 'Someone')} in {group['name'] if group else 'a group'}"
        else:
            title = f"Message from {await self._name(last['contactId'])}"
        if len(mine) > 1:
            title += f" ({len(mine)} new)"
        self._entry(title, text, None, "comms", target)

    async def _name(self, contact_id: str | None) -> str:
        contacts = await self.ctx.call("contacts_list")
        return next((c["displayName"] for c in contacts if c["id"] == contact_id), "A contact")

    def _clicked(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole) or {}
        if data.get("target"):
            self.open_requested.emit(*data["target"])

    def clear(self) -> None:
        self.list.clear()
        self.empty.setVisible(True)

    def showEvent(self, e: object) -> None:  # noqa: N802
        super().showEvent(e)  # type: ignore[arg-type]
        if self.unread:
            self.unread = 0
            self.unread_changed.emit(0)
