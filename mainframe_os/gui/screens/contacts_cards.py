"""Contact cards: adding a contact from a pasted card, and showing your own (text and QR)."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.errors import RpcError

from ..context import LauncherContext
from ..qt import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPlainTextEdit, Qt, QVBoxLayout, QWidget
from ..widgets import CopyField, button, label, qr_pixmap


class AddContactDialog(QDialog):
    """Paste a card; the node checks it (checksum, not your own, not a duplicate)."""

    def __init__(self, ctx: LauncherContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("addContactDialog")
        self.setWindowTitle("Add a contact")
        self.setMinimumWidth(460)
        self.added: dict[str, Any] | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(label("Paste the contact card they sent you (it starts with “mfc1.”).", wrap=True))
        self.card = QPlainTextEdit()
        self.card.setObjectName("cardField")
        self.card.setTabChangesFocus(True)
        self.card.setPlaceholderText("mfc1.…")
        self.card.setMaximumHeight(100)
        lay.addWidget(self.card)
        self.name = QLineEdit()
        self.name.setObjectName("contactName")
        self.name.setPlaceholderText("Name (optional: the name on the card)")
        lay.addWidget(self.name)
        self.message = label("", "error", wrap=True)
        lay.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add = buttons.addButton("Add contact", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add.setProperty("primary", True)
        self.add.setEnabled(False)
        buttons.accepted.connect(self._add)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.card.textChanged.connect(self._changed)

    def _changed(self) -> None:
        self.add.setEnabled(bool(self.card.toPlainText().strip()))
        self.message.setText("")

    def _add(self) -> None:
        params: dict[str, Any] = {"card": "".join(self.card.toPlainText().split())}
        if self.name.text().strip():
            params["displayName"] = self.name.text().strip()

        def done(result: dict[str, Any]) -> None:
            self.added = result
            self.accept()

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, RpcError) and exc.code != -32603:
                self.message.setText(exc.message)
                self.card.setFocus()
                return True
            return False

        self.ctx.ops.run(
            self.ctx.call("contacts_add", params),
            busy=self.add,
            on_done=done,
            on_error=failed,
            title="Could not add the contact",
        )


class MyCardDialog(QDialog):
    """Your card as text and QR. Online, it is the messaging card (peer id, addresses and the
    keys a contact request needs); offline, the plain card, with a button to go online."""

    def __init__(self, ctx: LauncherContext, name: str, card_text: str, online: bool, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("myCardDialog")
        self.setWindowTitle("My contact card")
        lay = QVBoxLayout(self)
        lay.addWidget(
            label(
                f"Send this card to people you want to reach you as <b>{_esc(name)}</b>. It holds only public keys.",
                wrap=True,
            )
        )
        self.qr = QLabel()
        self.qr.setObjectName("qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.qr)
        self.card = CopyField("", "Copy the card")
        self.card.setObjectName("myCard")
        lay.addWidget(self.card)
        self.offline_note = label(
            "You are offline: with this card people can add you, but not send you a request or a message. "
            "Go online to get the card that carries where to reach you.",
            "caption",
            wrap=True,
        )
        lay.addWidget(self.offline_note)
        self.online_button = button("Go online for messages", None, "Start messaging and show the full card")
        self.online_button.setObjectName("goOnline")
        self.online_button.clicked.connect(self.go_online)
        lay.addWidget(self.online_button, 0, Qt.AlignmentFlag.AlignLeft)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.setMinimumWidth(480)
        self.show_card(card_text, online)

    def show_card(self, card_text: str, online: bool) -> None:
        self.qr.setPixmap(qr_pixmap(card_text, 240))
        self.card.setText(card_text)
        self.offline_note.setVisible(not online)
        self.online_button.setVisible(not online)

    def go_online(self) -> None:
        self.ctx.ops.run(
            self.ctx.call("peer_card"),
            busy=self.online_button,
            on_done=lambda out: self.show_card(out["card"], True),
            title="Could not go online",
        )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
