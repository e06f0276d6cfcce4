"""A conversation with a contact or a group: history, a line to write in (Enter sends, Esc
leaves), sent/delivered/read marks on your messages. Showing it marks it read (the contact gets
a read receipt from the node)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from mainframe_os.node.errors import RpcError
from mainframe_os.node.events import MessageReceived, MessageStateChanged

from ..context import LauncherContext
from ..qt import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ..style import icon
from ..widgets import avatar_pixmap, button, label, set_tone

HISTORY = 200  # messages loaded when a conversation opens
# What each state of a message you sent looks like: a mark, and words for the tooltip.
MARKS = {
    "queued": ("🕓", "Waiting to be sent"),
    "sent": ("✓", "Sent (a holder keeps it until they are online)"),
    "delivered": ("✓✓", "Delivered"),
    "read": ("✓✓", "Read"),
}


@dataclass
class Peer:
    """Who the conversation is with: a contact (`contact` = id) or a group (`group` = id)."""

    name: str
    contact: str | None = None
    group: str | None = None
    key: str = ""  # a contact's key (hex), for the verified mark and changed-key warning
    verified: bool = False
    members: dict[str, str] = field(default_factory=dict)  # a group's member key -> name

    @property
    def ref(self) -> str:
        return self.group or self.contact or ""


class Bubble(QFrame):
    """One message: its text, its time and, for yours, the delivery mark."""

    def __init__(self, msg: dict[str, Any], sender: str | None, max_width: int) -> None:
        super().__init__()
        self.setMaximumWidth(max_width)
        self.msg = msg
        out = msg["direction"] == "out"
        self.setObjectName("bubbleOut" if out else "bubbleIn")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(2)
        if sender:
            lay.addWidget(label(sender, "bubbleSender"))
        body = msg["body"] if isinstance(msg["body"], str) else _describe(msg["body"])
        self.text = label(body, "bubbleText", wrap=True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # what a peer sends is never markup
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A word-wrapped label asks for less width than its text needs: give short messages their line.
        fm = self.text.fontMetrics()
        natural = max((fm.horizontalAdvance(line) for line in body.splitlines()), default=0)
        self.text.setMinimumWidth(min(natural + 4, max_width - 24))
        lay.addWidget(self.text)
        self.meta = label("", "bubbleMeta")
        self.meta.setAlignment(Qt.AlignmentFlag.AlignRight)
        lay.addWidget(self.meta)
        self.set_state(msg["state"])

    def set_state(self, state: str) -> None:
        self.msg["state"] = state
        stamp = _when(self.msg.get("sentAt") or self.msg["createdAt"])
        if self.msg["direction"] != "out":
            self.meta.setText(stamp)
            return
        mark, words = MARKS.get(state, ("", state))
        self.meta.setText(f"{stamp}  {mark}")
        self.meta.setProperty("state", state)  # read marks are coloured by the theme
        self.meta.setToolTip(words)
        self.meta.style().unpolish(self.meta)
        self.meta.style().polish(self.meta)


class ConversationView(QWidget):
    left = Signal()  # Esc or the back button
    verify_requested = Signal(str)  # contact id

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("conversationView")
        self.peer: Peer | None = None
        self.bubbles: dict[str, Bubble] = {}
        self.keys_changed = False
        self._shown_once = False  # open() loads the history; showing it again reloads
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self._header())
        self.banner = self._keys_banner()
        lay.addWidget(self.banner)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("conversationScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("conversationBody")
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(8, 8, 8, 8)
        self.body.setSpacing(6)
        self.scroll.setWidget(body)
        lay.addWidget(self.scroll, 1)
        self.empty = label("No messages yet. Say hello.", "caption")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.empty)
        row = QHBoxLayout()
        self.composer = QLineEdit()
        self.composer.setObjectName("composer")
        self.composer.setPlaceholderText("Write a message. Enter sends, Esc goes back")
        self.composer.setMaxLength(16_000)
        self.send_button = button("Send", "primary", "Send (Enter)", "send")
        self.send_button.setObjectName("sendMessage")
        self.send_button.setProperty("primary", True)
        self.send_button.setIcon(icon("send", "#ffffff"))
        self.send_button.setProperty("iconName", None)  # stays white on the accent colour in both themes
        row.addWidget(self.composer, 1)
        row.addWidget(self.send_button)
        lay.addLayout(row)
        # A burst of messages (or a flood from one peer) reloads the history once, not per message.
        self._reload_soon = QTimer(self)
        self._reload_soon.setSingleShot(True)
        self._reload_soon.setInterval(120)
        self._reload_soon.timeout.connect(self.reload)
        self.composer.returnPressed.connect(self.send)
        self.send_button.clicked.connect(self.send)
        ctx.subscribe(self, MessageReceived, self._received)
        ctx.subscribe(self, MessageStateChanged, self._state_changed)

    def _header(self) -> QHBoxLayout:
        head = QHBoxLayout()
        back = button("‹ Back", "link", "Back to contacts (Esc)")
        back.setObjectName("conversationBack")
        back.clicked.connect(self.left.emit)
        head.addWidget(back)
        self.avatar = QLabel()
        head.addWidget(self.avatar)
        self.title = label("", "sectionTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        head.addWidget(self.title)
        self.verified = label("", "caption")
        self.verified.setObjectName("verifiedMark")
        head.addWidget(self.verified)
        head.addStretch(1)
        self.verify_button = button("Verify", None, "Compare 7 emoji with them in person", "shield")
        self.verify_button.setObjectName("verifyButton")
        self.verify_button.clicked.connect(
            lambda: self.peer and self.peer.contact and self.verify_requested.emit(self.peer.contact)
        )
        head.addWidget(self.verify_button)
        return head

    def _keys_banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("warningBanner")
        banner.setProperty("level", "danger")
        row = QHBoxLayout(banner)
        mark = label("!", "warningMark")
        row.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        self.banner_text = label("", "warningText", wrap=True)
        row.addWidget(self.banner_text, 1)
        banner.setVisible(False)
        return banner

    # -- opening ---------------------------------------------------------------------------------

    def open(self, peer: Peer, keys_changed: bool = False) -> None:
        self.peer = peer
        self._shown_once = self.isVisible()
        self.avatar.setPixmap(avatar_pixmap(peer.name, 32))
        self.title.setText(peer.name)
        self.set_trust(peer.verified, keys_changed)
        self.verify_button.setVisible(peer.group is None)
        self.composer.clear()
        self._clear()
        self.reload()
        QTimer.singleShot(0, self.composer.setFocus)

    def set_trust(self, verified: bool, keys_changed: bool) -> None:
        """The verified mark, or the warning that the contact's keys changed (which wins)."""
        if self.peer is None or self.peer.group is not None:  # a group: who is in it
            self.verified.setText(", ".join(sorted(self.peer.members.values())) if self.peer else "")
            set_tone(self.verified, None)
            self.banner.setVisible(False)
            return
        self.peer.verified, self.keys_changed = verified, keys_changed
        self.verified.setText("✔ Verified" if verified and not keys_changed else "Not verified")
        set_tone(self.verified, "ok" if verified and not keys_changed else None)
        self.verify_button.setText("Verify again" if verified and not keys_changed else "Verify")
        self.verify_button.setEnabled(not keys_changed)  # nothing signed by the new keys gets through
        name = self.peer.name
        self.banner_text.setText(
            f"<b>{_esc(name)}’s keys changed.</b> Messages sent with the new keys are refused, not shown. "
            f"Check with {_esc(name)} in person or on the phone: if they reinstalled, remove them and add "
            "their new card; if not, someone may be pretending to be them."
        )
        self.banner.setVisible(keys_changed)

    def close_peer(self) -> None:
        """Forget the conversation (the vault locked, the identity changed): nothing of it stays."""
        self.peer = None
        self.composer.clear()
        self.banner.setVisible(False)
        self._clear()

    def reload(self) -> None:
        peer = self.peer
        if peer is None:
            return
        params: dict[str, Any] = {"limit": HISTORY}
        params["group" if peer.group else "contact"] = peer.ref

        def show(messages: list[dict[str, Any]]) -> None:
            if self.peer is peer:
                self._show(messages)

        self.ctx.ops.run(self.ctx.call("comms_list", params), on_done=show, quiet=True, title="Could not load messages")

    def _clear(self) -> None:
        self.bubbles = {}
        while self.body.count():
            item = self.body.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()

    def _show(self, messages: list[dict[str, Any]]) -> None:
        self._clear()
        for m in messages:
            out = m["direction"] == "out"
            sender = None if out or self.peer is None or not self.peer.group else self.peer.members.get(m["peer"], "?")
            b = Bubble(m, sender, max(260, int(self.scroll.viewport().width() * 0.7)))
            row = QHBoxLayout()
            if out:
                row.addStretch(1)
            row.addWidget(b)
            if not out:
                row.addStretch(1)
            holder = QWidget()
            holder.setLayout(row)
            row.setContentsMargins(0, 0, 0, 0)
            self.body.addWidget(holder)
            self.bubbles[m["id"]] = b
        self.body.addStretch(1)
        self.empty.setVisible(not messages)
        QTimer.singleShot(0, self._to_bottom)
        if any(m["direction"] == "in" and m["state"] == "received" for m in messages):
            self.mark_read()

    def _to_bottom(self) -> None:
        bar = self.scroll.verticalScrollBar()
        bar.setValue(bar.maximum())

    def showing(self) -> bool:
        return self.peer is not None and self.isVisible()

    # -- events ----------------------------------------------------------------------------------

    def _received(self, e: MessageReceived) -> None:
        p = self.peer
        if p is None or not self.isVisible():
            return
        if (p.group and e.group_id == p.group) or (p.contact and not e.group_id and e.contact_id == p.contact):
            if not self._reload_soon.isActive():  # not restarted: a steady stream still shows
                self._reload_soon.start()  # shows it and, being shown, marks it read

    def _state_changed(self, e: MessageStateChanged) -> None:
        b = self.bubbles.get(e.message_id)
        if b is not None and b.msg["direction"] == "out":
            b.set_state(e.state)

    def mark_read(self) -> None:
        p = self.peer
        if p is None or not self.isVisible():
            return
        method, params = (
            ("groups_markRead", {"group": p.group}) if p.group else ("comms_markRead", {"contact": p.contact})
        )
        self.ctx.ops.run(self.ctx.call(method, params), quiet=True, title="Could not mark the conversation read")

    def showEvent(self, e: Any) -> None:  # noqa: N802
        super().showEvent(e)
        if self.peer is not None and self._shown_once:  # back on screen: what came meanwhile, read now
            self.reload()
        self._shown_once = True

    def keyPressEvent(self, e: Any) -> None:  # noqa: N802
        if e.key() == Qt.Key.Key_Escape:
            self.left.emit()
            return
        super().keyPressEvent(e)

    # -- sending ---------------------------------------------------------------------------------

    def send(self) -> None:
        p = self.peer
        text = self.composer.text()
        if p is None or not text.strip():
            return
        self.composer.clear()
        method, params = ("groups_send", {"group": p.group}) if p.group else ("comms_send", {"contact": p.contact})

        def failed(exc: BaseException) -> bool:
            if not self.composer.text():
                self.composer.setText(text)  # nothing typed is lost
            if isinstance(exc, RpcError) and exc.code != -32603:
                self.ctx.errors.show_message("Could not send the message", exc.message)
                return True
            return False

        self.ctx.ops.run(
            self.ctx.call(method, {**params, "text": text}),
            on_done=lambda _r: self.reload(),
            on_error=failed,
            title="Could not send the message",
        )


def _when(ts: float) -> str:
    t = time.localtime(ts)
    if time.strftime("%Y%m%d", t) == time.strftime("%Y%m%d"):
        return time.strftime("%H:%M", t)
    return time.strftime("%d %b %H:%M", t)


def _describe(body: Any) -> str:
    """A structured message an app sent (a payment notice, an app share): what kind it is."""
    kind = body.get("kind") if isinstance(body, dict) else None
    return f"[{kind}]" if kind else "[a message for an app]"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
