"""Contacts of the active identity: search, add from a pasted card, my card (text + QR),
rename, remove; their requests (Requests tab), conversations with them and with groups, the
verified mark, unread counts and the warning when a contact's keys changed."""

from __future__ import annotations

from typing import Any

from mainframe_os.node.errors import RpcError
from mainframe_os.node.events import (
    ActiveIdentityChanged,
    ContactKeysChanged,
    ContactsChanged,
    ContactVerification,
    GroupsChanged,
    VaultLocked,
    VaultOpened,
)

from ..context import LauncherContext
from ..dialogs import ask_text, confirm
from ..qt import (
    QHBoxLayout,
    QIcon,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSize,
    QStackedWidget,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ..style import icon
from ..widgets import avatar_pixmap, button, label, screen_header
from .apps.common import fingerprint
from .contacts_cards import AddContactDialog, MyCardDialog
from .contacts_conversation import ConversationView, Peer
from .contacts_groups import NewGroupDialog
from .contacts_requests import RequestsView
from .contacts_unread import UnreadCounts
from .contacts_verify import VerifyDialog

EMPTY = "No contacts yet. Ask a friend for their card and add it, or share yours with “My card”."


class ContactsScreen(QWidget):
    """Two pages: the contacts (with Requests as a second tab), and a conversation."""

    requests_count = Signal(int)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("contactsScreen")
        self.contacts: list[dict[str, Any]] = []
        self.groups: list[dict[str, Any]] = []
        self.verified: set[str] = set()  # keys (hex) of verified contacts
        self.keys_changed: set[str] = set()  # keys whose owner's keys changed since the launcher started
        self.verify_dialogs: dict[str, VerifyDialog] = {}
        self._loads = 0  # refreshes started: only the latest one's answer is shown
        self.unread = UnreadCounts(ctx)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(screen_header("Contacts", "People you exchange messages, files and payments with."))
        self.pages = QStackedWidget()
        lay.addWidget(self.pages, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("contactTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setDrawBase(False)  # the theme underlines the current tab; no light line across
        self.tabs.addTab(self._people_page(), "Contacts")
        self.requests = RequestsView(ctx)
        self.tabs.addTab(self.requests, "Requests")
        self.pages.addWidget(self.tabs)
        self.conversation = ConversationView(ctx)
        self.pages.addWidget(self.conversation)

        self.search.textChanged.connect(lambda _t: self._fill())
        self.add_button.clicked.connect(self.add_contact)
        self.my_card_button.clicked.connect(self.show_my_card)
        self.group_button.clicked.connect(self.new_group)
        self.message_button.clicked.connect(self.open_selected)
        self.verify_button.clicked.connect(lambda: self.verify((self.selected() or {}).get("id", "")))
        self.rename_button.clicked.connect(self.rename_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.itemActivated.connect(lambda _i: self.open_selected())  # Enter or double-click
        self.conversation.left.connect(self.close_conversation)
        self.conversation.verify_requested.connect(self.verify)
        self.requests.count_changed.connect(self._requests_counted)
        self.unread.changed.connect(lambda _n: self._fill())
        for etype in (ContactsChanged, ActiveIdentityChanged, VaultOpened, GroupsChanged):
            ctx.subscribe(self, etype, lambda _e: self.refresh())
        # Another identity or a locked vault: no conversation of the previous one stays on screen.
        ctx.subscribe(self, ActiveIdentityChanged, lambda _e: self.forget_conversation())
        ctx.subscribe(self, VaultLocked, lambda _e: self.forget_conversation())
        ctx.subscribe(self, ContactKeysChanged, self._keys_changed)
        ctx.subscribe(self, ContactVerification, self._verification)
        self._selection_changed()

    def _people_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("contactSearch")
        self.search.setPlaceholderText("Search contacts")
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.add_button = button("Add contact", "primary", "Add a contact from their card", "plus")
        self.add_button.setIcon(icon("plus", "#ffffff"))
        self.add_button.setProperty("iconName", None)  # white on the accent colour in both themes
        self.add_button.setObjectName("addContactButton")
        self.my_card_button = button("My card", None, "Show the card others use to add you", "qr")
        self.group_button = button("New group", None, "A group conversation with some of your contacts", "contacts")
        self.group_button.setObjectName("newGroupButton")
        bar.addWidget(self.add_button)
        bar.addWidget(self.group_button)
        bar.addWidget(self.my_card_button)
        lay.addLayout(bar)
        self.list = QListWidget()
        self.list.setObjectName("contactList")
        self.list.setIconSize(QSize(32, 32))
        lay.addWidget(self.list, 1)
        self.empty = label(EMPTY, "caption", wrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.empty)
        actions = QHBoxLayout()
        self.message_button = button("Message", None, "Open the conversation (Enter)", "send")
        self.message_button.setObjectName("messageButton")
        self.verify_button = button("Verify", None, "Compare 7 emoji with them in person", "shield")
        self.verify_button.setObjectName("verifyContact")
        self.rename_button = button("Rename", None, "Rename the selected contact", "edit")
        self.remove_button = button("Remove", "danger", "Remove the selected contact", "trash")
        for b in (self.message_button, self.verify_button, self.rename_button, self.remove_button):
            actions.addWidget(b)
        actions.addStretch(1)
        lay.addLayout(actions)
        return page

    # -- the list --------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.ctx.node.vault is None:
            return
        self.requests.refresh()
        self.unread.refresh()
        self._loads += 1
        generation = self._loads

        async def load() -> None:
            contacts = await self.ctx.call("contacts_list")
            try:  # messaging's view of them; a vault without messaging keys still lists contacts
                peers = await self.ctx.call("contacts_peers")
                groups = await self.ctx.call("groups_list")
            except RpcError:
                peers, groups = [], []
            if generation != self._loads:
                return  # a later refresh started (events come in bursts): its answer is the newer one
            self.contacts, self.groups = contacts, [g for g in groups if g["state"] == "active"]
            self.verified = {p["id"] for p in peers if p["verified"]}
            # the node remembers changed keys across restarts, until the contact's card is replaced
            self.keys_changed = {p["id"] for p in peers if p.get("keysChanged")}
            self._fill()
            if self.conversation.peer is not None and self.conversation.peer.contact:
                key = self.conversation.peer.key
                self.conversation.set_trust(key in self.verified, key in self.keys_changed)

        self.ctx.ops.run(load(), quiet=True, title="Could not list contacts")

    def _fill(self) -> None:
        selected = self.selected()
        query = self.search.text().strip().lower()
        self.list.clear()
        contacts = [c for c in self.contacts if query in c["displayName"].lower()]
        groups = [g for g in self.groups if query in g["name"].lower()]
        for c in contacts:
            self._add_item(c, c["displayName"], self._contact_line(c), self.unread.contacts.get(c["id"], 0), selected)
        for g in groups:
            names = ", ".join(m["displayName"] for m in g["members"] if not m["you"])
            self._add_item(g, g["name"], f"Group · {names}", self.unread.groups.get(g["id"], 0), selected)
        self.empty.setVisible(not contacts and not groups)
        self.empty.setText("No contact matches your search." if query else EMPTY)
        self._selection_changed()

    def _contact_line(self, c: dict[str, Any]) -> str:
        key = c["signPublicKey"]
        line = f"Key {fingerprint(key)}"
        if key in self.keys_changed:
            return line + "   ⚠ keys changed: check with them"
        if key in self.verified:
            line += "   ✔ verified"
        if c.get("lookalike"):
            line += "   ⚠ looks like another contact: check the key"
        return line

    def _add_item(self, data: dict[str, Any], name: str, line: str, unread: int, selected: Any) -> None:
        badge = f"   ● {unread} new" if unread else ""
        item = QListWidgetItem(QIcon(avatar_pixmap(name, 64)), f"{name}{badge}\n{line}")
        item.setData(Qt.ItemDataRole.UserRole, data)
        if unread:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        item.setToolTip(data.get("card", f"{len(data.get('members', []))} members"))
        self.list.addItem(item)
        if selected and data["id"] == selected["id"]:
            item.setSelected(True)

    def selected(self) -> dict[str, Any] | None:
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        sel = self.selected()
        contact = sel is not None and "signPublicKey" in sel
        self.message_button.setEnabled(sel is not None)
        self.group_button.setEnabled(bool(self.contacts))
        for b in (self.rename_button, self.remove_button):
            b.setEnabled(contact)
        # after a key change the emoji could never match: the card must be replaced first
        self.verify_button.setEnabled(contact and sel is not None and sel["signPublicKey"] not in self.keys_changed)

    def _requests_counted(self, n: int) -> None:
        self.tabs.setTabText(1, f"Requests ({n})" if n else "Requests")
        self.requests_count.emit(n)

    # -- conversations ---------------------------------------------------------------------------

    def open_selected(self) -> None:
        sel = self.selected()
        if sel is None:
            return
        if "signPublicKey" in sel:
            self.open_conversation(contact_id=sel["id"])
        else:
            self.open_conversation(group_id=sel["id"])

    def open_conversation(self, contact_id: str | None = None, group_id: str | None = None) -> None:
        """Show the conversation (what a notification's click and Enter in the list do)."""
        if contact_id:
            c = next((c for c in self.contacts if c["id"] == contact_id), None)
            if c is None:
                return
            key = c["signPublicKey"]
            peer = Peer(c["displayName"], contact=c["id"], key=key, verified=key in self.verified)
        else:
            g = next((g for g in self.groups if g["id"] == group_id), None)
            if g is None:
                return
            members = {m["id"]: m["displayName"] for m in g["members"]}
            peer = Peer(g["name"], group=g["id"], members=members)
        self.conversation.open(peer, keys_changed=peer.key in self.keys_changed)
        self.pages.setCurrentWidget(self.conversation)

    def new_group(self) -> None:
        dlg = NewGroupDialog(self.ctx, self.contacts, self.window())

        def made(_code: int) -> None:
            if dlg.created is not None:  # straight into it, once the list knows it
                self.groups = [*self.groups, dlg.created]
                self.open_conversation(group_id=dlg.created["id"])

        dlg.finished.connect(made)
        self.group_dialog = dlg
        dlg.open()

    def forget_conversation(self) -> None:
        for dlg in list(self.verify_dialogs.values()):
            dlg.reject()
        self.conversation.close_peer()
        self.keys_changed.clear()
        self.close_conversation()

    def close_conversation(self) -> None:
        self.pages.setCurrentWidget(self.tabs)
        self.tabs.setCurrentIndex(0)
        self.list.setFocus()

    def open_requests(self) -> None:
        self.pages.setCurrentWidget(self.tabs)
        self.tabs.setCurrentWidget(self.requests)

    def is_showing(self, contact_id: str | None, group_id: str | None) -> bool:
        """Whether that conversation is on screen now (its new messages need no notification)."""
        p = self.conversation.peer
        if p is None or not self.conversation.isVisible():
            return False
        return (group_id is not None and p.group == group_id) or (group_id is None and p.contact == contact_id)

    # -- trust -----------------------------------------------------------------------------------

    def _keys_changed(self, e: ContactKeysChanged) -> None:
        self.keys_changed.add(e.peer)
        self.verified.discard(e.peer)
        self._fill()
        p = self.conversation.peer
        if p is not None and p.key == e.peer:
            self.conversation.set_trust(e.peer in self.verified, True)

    def verify(self, contact_id: str) -> None:
        c = next((c for c in self.contacts if c["id"] == contact_id), None)
        if c is not None:
            self._open_verify(c["signPublicKey"], c["displayName"], asked=False)

    def _open_verify(self, key: str, name: str, asked: bool) -> None:
        dlg = self.verify_dialogs.get(key)
        if dlg is not None and dlg.isVisible():
            dlg.raise_()
            return
        dlg = VerifyDialog(self.ctx, key, name, self.window(), asked=asked)
        dlg.verified.connect(self._verified)
        dlg.finished.connect(lambda _code, k=key, d=dlg: self.verify_dialogs.get(k) is d and self.verify_dialogs.pop(k))
        self.verify_dialogs[key] = dlg
        dlg.open()

    def _verification(self, e: ContactVerification) -> None:
        if e.state == "compare" and e.peer not in self.verify_dialogs:
            # they started it: show the emoji here too (the dialog asks the node for them)
            name = next((c["displayName"] for c in self.contacts if c["signPublicKey"] == e.peer), "Your contact")
            self._open_verify(e.peer, name, asked=True)
        elif e.state in ("verified", "mismatch"):
            self.verify_dialogs.pop(e.peer, None)
            self.refresh()

    def _verified(self, key: str) -> None:
        self.verified.add(key)
        self.keys_changed.discard(key)
        self._fill()
        p = self.conversation.peer
        if p is not None and p.key == key:
            self.conversation.set_trust(True, False)

    # -- contacts --------------------------------------------------------------------------------

    def add_contact(self) -> None:
        dlg = AddContactDialog(self.ctx, self.window())
        dlg.open()
        self.add_dialog = dlg

    def show_my_card(self) -> None:
        async def run() -> None:
            ident = await self.ctx.call("identity_get")
            online = "peer_info" in self.ctx.methods and (await self.ctx.call("peer_info"))["online"]
            if online:  # the card with where to reach us, that contact requests need
                card_text = (await self.ctx.call("peer_card"))["card"]
            else:  # going online is the user's choice (the dialog offers it)
                card_text = (await self.ctx.call("identity_getCard", {"id": ident["id"]}))["card"]
            self.card_dialog = MyCardDialog(self.ctx, ident["displayName"], card_text, online, self.window())
            self.card_dialog.open()

        self.ctx.ops.run(run(), title="Could not show your card")

    def rename_selected(self) -> None:
        c = self.selected()
        if c is None or "signPublicKey" not in c:
            return

        async def run() -> None:
            name = await ask_text(self.window(), "Rename contact", "New name:", c["displayName"])
            if name and name != c["displayName"]:
                await self.ctx.call("contacts_rename", {"id": c["id"], "displayName": name})

        self.ctx.ops.run(run(), title="Could not rename the contact")

    def remove_selected(self) -> None:
        c = self.selected()
        if c is None or "signPublicKey" not in c:
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
