"""Contacts → Requests: people who asked to add you (accept, decline, block), the requests you
sent that wait for an answer, the people you blocked, and sending a request from a pasted card.

The node decides everything (who may ask, what a card must hold); this view lists and asks."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.errors import RpcError
from mainframe_os.node.events import ActiveIdentityChanged, ContactRequestsChanged, VaultOpened

from ..context import LauncherContext
from ..dialogs import confirm
from ..qt import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ..style import icon
from ..widgets import avatar_pixmap, button, label
from .apps.common import fingerprint

MAX_MESSAGE = 500  # the node keeps at most this much of a request's message


class SendRequestDialog(QDialog):
    """Paste someone's card (v3: it carries their messaging keys) and an optional message."""

    def __init__(self, ctx: LauncherContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("sendRequestDialog")
        self.setWindowTitle("Send a contact request")
        self.setMinimumWidth(480)
        self.sent: dict[str, Any] | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(
            label(
                "Paste the card of the person you want to add (it starts with “mfc1.”). They see your name, "
                "your key and your message, and decide whether to accept.",
                wrap=True,
            )
        )
        self.card = QPlainTextEdit()
        self.card.setObjectName("requestCard")
        self.card.setTabChangesFocus(True)
        self.card.setPlaceholderText("mfc1.…")
        self.card.setMaximumHeight(100)
        lay.addWidget(self.card)
        self.message = QLineEdit()
        self.message.setObjectName("requestMessage")
        self.message.setMaxLength(MAX_MESSAGE)
        self.message.setPlaceholderText("A message (optional): who you are, where you met")
        lay.addWidget(self.message)
        self.error = label("", "error", wrap=True)
        self.error.setObjectName("requestError")
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send = buttons.addButton("Send request", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send.setObjectName("sendRequestButton")
        self.send.setProperty("primary", True)
        self.send.setEnabled(False)
        buttons.accepted.connect(self._send)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.card.textChanged.connect(self._changed)

    def _changed(self) -> None:
        self.send.setEnabled(bool(self.card.toPlainText().strip()))
        self.error.setText("")

    def _send(self) -> None:
        params: dict[str, Any] = {"card": "".join(self.card.toPlainText().split())}
        if self.message.text().strip():
            params["message"] = self.message.text().strip()

        def done(result: dict[str, Any]) -> None:
            self.sent = result
            self.accept()

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, RpcError) and exc.code != -32603:
                self.error.setText(exc.message)  # the card's fault, said in one line; the text stays
                self.card.setFocus()
                return True
            return False

        self.ctx.ops.run(
            self.ctx.call("contacts_request", params),
            busy=self.send,
            on_done=done,
            on_error=failed,
            title="Could not send the request",
        )


class RequestRow(QFrame):
    """One incoming request: who (name, key fingerprint), their message, and the three answers."""

    def __init__(self, req: dict[str, Any]) -> None:
        super().__init__()
        self.req = req
        self.setObjectName("card")
        self.setProperty("peer", req["id"])
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 10)
        pic = QLabel()
        pic.setPixmap(avatar_pixmap(req["displayName"], 40))
        lay.addWidget(pic, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(label(f"<b>{_escape(req['displayName'])}</b> wants to add you", wrap=True))
        key = label(f"Key {fingerprint(req['id'])}", "caption")
        key.setToolTip(req["id"])
        text.addWidget(key)
        if req.get("message"):
            msg = label(f"“{req['message']}”", "requestText", wrap=True)
            msg.setTextFormat(Qt.TextFormat.PlainText)
            text.addWidget(msg)
        lay.addLayout(text, 1)
        self.accept_button = button("Accept", "primary", "Add them to your contacts")
        self.accept_button.setObjectName("acceptRequest")
        self.accept_button.setProperty("primary", True)
        self.decline_button = button("Decline", None, "Say no: they are not told, and their messages are dropped")
        self.decline_button.setObjectName("declineRequest")
        self.block_button = button("Block", None, "Drop everything from them, now and later")
        self.block_button.setObjectName("blockRequest")
        self.block_button.setProperty("danger", True)
        for b in (self.accept_button, self.decline_button, self.block_button):
            lay.addWidget(b, 0, Qt.AlignmentFlag.AlignVCenter)


class RequestsView(QWidget):
    count_changed = Signal(int)  # incoming requests waiting for an answer

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("requestsView")
        self.incoming: list[dict[str, Any]] = []
        self.outgoing: list[dict[str, Any]] = []
        self.blocked: list[dict[str, Any]] = []
        self.rows: list[RequestRow] = []
        self._loads = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(
            label(
                "People who asked to add you. Nothing they send reaches you before you accept.", "caption", wrap=True
            ),
            1,
        )
        self.send_button = button(" Send a request", "primary", "Ask someone to add you, from their card", "send")
        self.send_button.setObjectName("sendRequestOpen")
        self.send_button.setProperty("primary", True)
        self.send_button.setIcon(icon("send", "#ffffff"))
        self.send_button.setProperty("iconName", None)  # stays white on the accent colour in both themes
        bar.addWidget(self.send_button)
        lay.addLayout(bar)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(0, 4, 4, 4)
        scroll.setWidget(body)
        lay.addWidget(scroll, 1)
        self.send_button.clicked.connect(self.open_send)
        ctx.subscribe(self, ContactRequestsChanged, lambda _e: self.refresh())
        ctx.subscribe(self, ActiveIdentityChanged, lambda _e: self.refresh())
        ctx.subscribe(self, VaultOpened, lambda _e: self.refresh())

    def refresh(self) -> None:
        if self.ctx.node.vault is None:
            return
        self._loads += 1
        generation = self._loads

        def show(out: dict[str, Any]) -> None:
            if generation == self._loads:  # an older answer finishing late shows nothing stale
                self._show(out)

        self.ctx.ops.run(self.ctx.call("contacts_requests"), on_done=show, quiet=True, title="Could not list requests")

    def _show(self, out: dict[str, Any]) -> None:
        self.incoming, self.outgoing, self.blocked = out["incoming"], out["outgoing"], out["blocked"]
        while self.body.count():
            item = self.body.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.rows = []
        self.body.addWidget(label("Waiting for your answer", "sectionTitle"))
        if not self.incoming:
            self.body.addWidget(label("No requests. When someone sends you one, it shows up here.", "caption"))
        for req in self.incoming:
            row = RequestRow(req)
            row.accept_button.clicked.connect(lambda _=False, r=req, w=row: self.accept(r, w))
            row.decline_button.clicked.connect(lambda _=False, r=req, w=row: self.decline(r, w))
            row.block_button.clicked.connect(lambda _=False, r=req: self.block(r))
            self.rows.append(row)
            self.body.addWidget(row)
        if self.outgoing:
            self.body.addSpacing(10)
            self.body.addWidget(label("Sent, waiting for their answer", "sectionTitle"))
            for req in self.outgoing:
                self.body.addWidget(self._line(req, None))
        if self.blocked:
            self.body.addSpacing(10)
            self.body.addWidget(label("Blocked", "sectionTitle"))
            for req in self.blocked:
                self.body.addWidget(self._line(req, "Unblock"))
        self.body.addStretch(1)
        self.count_changed.emit(len(self.incoming))

    def _line(self, req: dict[str, Any], action: str | None) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(4, 2, 4, 2)
        name = label(f"{req['displayName']}   ·   key {fingerprint(req['id'])}", "caption")
        name.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(name, 1)
        if action:
            b = button(action, "link", f"{action} {req['displayName']}")
            b.clicked.connect(lambda _=False, r=req: self._answer("contacts_unblock", r, None))
            row.addWidget(b)
        return w

    def _answer(self, method: str, req: dict[str, Any], row: RequestRow | None) -> None:
        busy = [row.accept_button, row.decline_button, row.block_button] if row is not None else None
        self.ctx.ops.run(self.ctx.call(method, {"id": req["id"]}), busy=busy, title="Could not answer the request")

    def accept(self, req: dict[str, Any], row: RequestRow | None = None) -> None:
        self._answer("contacts_accept", req, row)

    def decline(self, req: dict[str, Any], row: RequestRow | None = None) -> None:
        self._answer("contacts_decline", req, row)

    def block(self, req: dict[str, Any]) -> None:
        async def run() -> None:
            if await confirm(
                self.window(),
                "Block this person",
                f"Block {req['displayName']}? Their request goes away and everything they send is dropped "
                "without telling them. You can unblock them later.",
                "Block",
                destructive=True,
            ):
                await self.ctx.call("contacts_block", {"id": req["id"]})

        self.ctx.ops.run(run(), title="Could not block")

    def open_send(self) -> None:
        self.send_dialog = SendRequestDialog(self.ctx, self.window())
        self.send_dialog.open()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
