"""Contacts of the active identity: search, add from a pasted card, my card (text + QR),
rename, remove."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.errors import RpcError
from mainframe_os.node.events import ActiveIdentityChanged, ContactsChanged, VaultOpened

from ..context import LauncherContext
from ..dialogs import ask_text, confirm
from ..qt import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QIcon,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
)
from ..style import icon
from ..widgets import CopyField, avatar_pixmap, button, label, qr_pixmap, screen_header


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
    def __init__(self, name: str, card_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("myCardDialog")
        self.setWindowTitle("My contact card")
        lay = QVBoxLayout(self)
        lay.addWidget(
            label(
                f"Send this card to people you want to reach you as <b>{name}</b>. It holds only public keys.",
                wrap=True,
            )
        )
        qr = QLabel()
        qr.setObjectName("qr")
        qr.setPixmap(qr_pixmap(card_text, 240))
        qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(qr)
        self.card = CopyField(card_text, "Copy the card")
        self.card.setObjectName("myCard")
        lay.addWidget(self.card)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.setMinimumWidth(480)


class ContactsScreen(QWidget):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("contactsScreen")
        self.contacts: list[dict[str, Any]] = []
        lay = QVBoxLayout(self)
        lay.addWidget(screen_header("Contacts", "People you exchange messages, files and payments with."))
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("contactSearch")
        self.search.setPlaceholderText("Search contacts")
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.add_button = button("Add contact", "primary", "Add a contact from their card", "plus")
        self.add_button.setIcon(icon("plus", "#ffffff"))
        self.add_button.setObjectName("addContactButton")
        self.my_card_button = button("My card", None, "Show the card others use to add you", "qr")
        bar.addWidget(self.add_button)
        bar.addWidget(self.my_card_button)
        lay.addLayout(bar)
        self.list = QListWidget()
        self.list.setObjectName("contactList")
        self.list.setIconSize(QSize(32, 32))
        lay.addWidget(self.list, 1)
        self.empty = label(
            "No contacts yet. Ask a friend for their card and add it, or share yours with “My card”.",
            "caption",
            wrap=True,
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.empty)
        actions = QHBoxLayout()
        self.rename_button = button("Rename", None, "Rename the selected contact", "edit")
        self.remove_button = button("Remove", "danger", "Remove the selected contact", "trash")
        actions.addWidget(self.rename_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        lay.addLayout(actions)

        self.search.textChanged.connect(lambda _t: self.refresh())
        self.add_button.clicked.connect(self.add_contact)
        self.my_card_button.clicked.connect(self.show_my_card)
        self.rename_button.clicked.connect(self.rename_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.itemDoubleClicked.connect(lambda _i: self.rename_selected())
        ctx.subscribe(self, ContactsChanged, lambda _e: self.refresh())
        ctx.subscribe(self, ActiveIdentityChanged, lambda _e: self.refresh())
        ctx.subscribe(self, VaultOpened, lambda _e: self.refresh())
        self._selection_changed()

    def refresh(self) -> None:
        if self.ctx.node.vault is None:
            return
        params = {"query": self.search.text().strip()} if self.search.text().strip() else {}
        self.ctx.ops.run(
            self.ctx.call("contacts_list", params),
            on_done=self._show,
            quiet=True,
            title="Could not list contacts",
        )

    def _show(self, contacts: list[dict[str, Any]]) -> None:
        selected = self.selected()
        self.contacts = contacts
        self.list.clear()
        for c in contacts:
            item = QListWidgetItem(
                QIcon(avatar_pixmap(c["displayName"], 64)),
                f"{c['displayName']}\n{c['signPublicKey'][:16]}…"
                + ("  ⚠ looks like another contact: check the key" if c.get("lookalike") else ""),
            )
            item.setData(Qt.ItemDataRole.UserRole, c)
            item.setToolTip(c["card"])
            self.list.addItem(item)
            if selected and c["id"] == selected["id"]:
                item.setSelected(True)
        self.empty.setVisible(not contacts)
        if not contacts and self.search.text().strip():
            self.empty.setText("No contact matches your search.")
        else:
            self.empty.setText(
                "No contacts yet. Ask a friend for their card and add it, or share yours with “My card”."
            )
        self._selection_changed()

    def selected(self) -> dict[str, Any] | None:
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        has = self.selected() is not None
        self.rename_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def add_contact(self) -> None:
        dlg = AddContactDialog(self.ctx, self.window())
        dlg.open()
        self.add_dialog = dlg

    def show_my_card(self) -> None:
        async def run() -> None:
            ident = await self.ctx.call("identity_get")
            card_text = (await self.ctx.call("identity_getCard", {"id": ident["id"]}))["card"]
            self.card_dialog = MyCardDialog(ident["displayName"], card_text, self.window())
            self.card_dialog.open()

        self.ctx.ops.run(run(), title="Could not show your card")

    def rename_selected(self) -> None:
        c = self.selected()
        if c is None:
            return

        async def run() -> None:
            name = await ask_text(self.window(), "Rename contact", "New name:", c["displayName"])
            if name and name != c["displayName"]:
                await self.ctx.call("contacts_rename", {"id": c["id"], "displayName": name})

        self.ctx.ops.run(run(), title="Could not rename the contact")

    def remove_selected(self) -> None:
        c = self.selected()
        if c is None:
            return

        async def run() -> None:
            if await confirm(
                self.window(),
                "Remove contact",
                f"Remove {c['displayName']} from your contacts? You can add them again from their card.",
                "Remove",
                destructive=True,
            ):
                await self.ctx.call("contacts_remove", {"id": c["id"]})

        self.ctx.ops.run(run(), title="Could not remove the contact")
