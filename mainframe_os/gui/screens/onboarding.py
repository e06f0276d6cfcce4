"""First start: create a vault, the first identity and (when the wallet is there) a wallet —
or restore a vault from a backup file."""

from __future__ import annotations

import random
from typing import Any

from ..context import LauncherContext
from ..qt import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ..style import pixmap
from ..widgets import button, centered, label
from .vault_forms import NewVaultForm, PhraseGrid, RestoreForm, step_title


class Onboarding(QWidget):
    """The first-start wizard. `finished` when the user is set up; `restored(name)` after a
    restore (the lock screen then asks for that vault's password); `cancelled` to go back."""

    finished = Signal()
    restored = Signal(str)
    cancelled = Signal()

    def __init__(self, ctx: LauncherContext, start: str = "welcome", can_cancel: bool = False) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("onboarding")
        self.phrase: list[str] = []
        self.identity_id: str | None = None
        self.stack = QStackedWidget()
        lay = QVBoxLayout(self)
        lay.addWidget(self.stack)
        self.pages: dict[str, QWidget] = {}
        self._add("welcome", self._welcome_page(can_cancel))
        self._add("vault", self._vault_page())
        self._add("identity", self._identity_page())
        self._add("wallet", self._wallet_page())
        self._add("phrase", self._phrase_page())
        self._add("confirm", self._confirm_page())
        self._add("import", self._import_page())
        self._add("restore", self._restore_page())
        self.go(start)

    def _add(self, name: str, page: QWidget) -> None:
        self.pages[name] = page
        self.stack.addWidget(page)

    def go(self, name: str) -> None:
        self.stack.setCurrentWidget(self.pages[name])
        self.current = name
        focus = {
            "vault": getattr(self, "vault_form", None) and self.vault_form.password,
            "identity": getattr(self, "display_name", None),
        }.get(name)
        if focus is not None:
            focus.setFocus()

    # -- pages ----------------------------------------------------------------------------------

    def _welcome_page(self, can_cancel: bool) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        logo = QLabel()
        logo.setPixmap(pixmap("logo", 72))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(logo)
        t = label("Welcome to Mainframe OS", "title", wrap=True)
        t.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(t)
        sub = label(
            "Your vaults, wallets, contacts and apps — encrypted on this computer, under your control.",
            "caption",
            wrap=True,
        )
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(sub)
        lay.addSpacing(14)
        create = button("Create a new vault", "primary")
        create.setObjectName("createVaultButton")
        create.clicked.connect(lambda: self.go("vault"))
        restore = button("Restore from a backup")
        restore.setObjectName("restoreFromBackup")
        restore.clicked.connect(lambda: self.go("restore"))
        lay.addWidget(create)
        lay.addWidget(restore)
        if self.ctx.prefs.update_check is None:
            # asked once, here; off unless ticked; Settings -> About changes it later
            self.update_check = QCheckBox("Tell me when a new version is out")
            self.update_check.setObjectName("updateCheckOptIn")
            lay.addSpacing(6)
            lay.addWidget(self.update_check, 0, Qt.AlignmentFlag.AlignCenter)
            note = label("Checks the project's signed release list once a day; downloads nothing.", "hint", True)
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(note)
            for b in (create, restore):
                b.clicked.connect(self._save_update_choice)
        if can_cancel:
            back = button("Back to unlock", "link")
            back.clicked.connect(self.cancelled.emit)
            lay.addWidget(back, 0, Qt.AlignmentFlag.AlignCenter)
        return centered(w)

    def _vault_page(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(
            step_title(
                "Create your vault",
                "Step 1 · Everything you own is kept in this encrypted vault, unlocked with its password.",
            )
        )
        self.vault_form = NewVaultForm(self.ctx)
        self.vault_form.submitted.connect(self._create_vault)
        lay.addWidget(self.vault_form)
        back = button("Back", "link")
        back.clicked.connect(lambda: self.go("welcome"))
        lay.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        return centered(w)

    def _identity_page(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(
            step_title(
                "Who are you here?",
                "Step 2 · Your first identity. Contacts see this name; you can add more identities later.",
            )
        )
        self.display_name = QLineEdit()
        self.display_name.setObjectName("displayName")
        self.display_name.setPlaceholderText("Display name, e.g. Alice")
        self.display_name.setMaxLength(64)
        lay.addWidget(self.display_name)
        self.identity_button = button("Continue", "primary")
        self.identity_button.setObjectName("createIdentityButton")
        self.identity_button.setEnabled(False)
        self.display_name.textChanged.connect(lambda t: self.identity_button.setEnabled(bool(t.strip())))
        self.display_name.returnPressed.connect(self._create_identity)
        self.identity_button.clicked.connect(self._create_identity)
        lay.addWidget(self.identity_button)
        return centered(w)

    def _wallet_page(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(step_title("Your wallet", "Step 3 · Hold ETH and tokens, send, swap and buy."))
        self.wallet_new = QRadioButton("Create a new wallet (a 12-word recovery phrase)")
        self.wallet_new.setChecked(True)
        self.wallet_import = QRadioButton("Import a recovery phrase or a private key")
        self.wallet_skip = QRadioButton("Skip for now")
        for r in (self.wallet_new, self.wallet_import, self.wallet_skip):
            lay.addWidget(r)
        go = button("Continue", "primary")
        go.setObjectName("walletContinue")
        go.clicked.connect(self._wallet_choice)
        lay.addWidget(go)
        return centered(w)

    def _phrase_page(self) -> QWidget:
        w = QWidget()
        self._phrase_lay = QVBoxLayout(w)
        self._phrase_lay.setContentsMargins(0, 0, 0, 0)
        self._phrase_lay.addWidget(
            step_title(
                "Write down your recovery phrase",
                "Shown once. Anyone with these words controls your funds; without them a lost vault "
                "means lost funds. Write them on paper, in order.",
            )
        )
        self._phrase_holder = QVBoxLayout()
        self._phrase_lay.addLayout(self._phrase_holder)
        done = button("I wrote it down", "primary")
        done.setObjectName("phraseWritten")
        done.clicked.connect(self._start_confirm)
        self._phrase_lay.addWidget(done)
        return centered(w, 520)

    def _confirm_page(self) -> QWidget:
        w = QWidget()
        self._confirm_lay = QVBoxLayout(w)
        self._confirm_lay.setContentsMargins(0, 0, 0, 0)
        self._confirm_lay.addWidget(step_title("Confirm your phrase", "Pick the right word for each position."))
        self._confirm_holder = QVBoxLayout()
        self._confirm_lay.addLayout(self._confirm_holder)
        self.confirm_message = label("", "error", wrap=True)
        self._confirm_lay.addWidget(self.confirm_message)
        back = button("Show the phrase again", "link")
        back.clicked.connect(lambda: self.go("phrase"))
        self._confirm_lay.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        return centered(w, 520)

    def _import_page(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(step_title("Import a wallet", "Paste a 12/24-word recovery phrase, or a private key (0x…)."))
        self.import_text = QPlainTextEdit()
        self.import_text.setObjectName("importSecret")
        self.import_text.setTabChangesFocus(True)
        self.import_text.setMaximumHeight(90)
        lay.addWidget(self.import_text)
        self.import_button = button("Import", "primary")
        self.import_button.clicked.connect(self._import_wallet)
        lay.addWidget(self.import_button)
        back = button("Back", "link")
        back.clicked.connect(lambda: self.go("wallet"))
        lay.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        return centered(w)

    def _restore_page(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(
            step_title(
                "Restore from a backup",
                "The backup is checked completely before anything is written; an existing vault is never replaced.",
            )
        )
        self.restore_form = RestoreForm(self.ctx)
        self.restore_form.restored.connect(self.restored.emit)
        lay.addWidget(self.restore_form)
        back = button("Back", "link")
        back.clicked.connect(lambda: self.go("welcome"))
        lay.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        return centered(w)

    # -- actions --------------------------------------------------------------------------------

    def _save_update_choice(self) -> None:
        self.ctx.prefs.update_check = self.update_check.isChecked()

    def _create_vault(self, name: str, password: str, remember: bool) -> None:
        def done(result: dict[str, Any]) -> None:
            self.ctx.prefs.last_vault = result["name"]
            self.ctx.prefs.set_remembered(result["name"], remember)
            self.vault_form.password.clear()
            self.vault_form.confirm.clear()
            self.go("identity")

        self.ctx.ops.run(
            self.ctx.call("vault_create", {"name": name, "password": password, "remember": remember}),
            busy=self.vault_form,
            on_done=done,
            title="Could not create the vault",
        )

    def _create_identity(self) -> None:
        name = self.display_name.text().strip()
        if not name:
            return

        def done(result: dict[str, Any]) -> None:
            self.identity_id = result["id"]
            if self.ctx.has_wallet:
                self.go("wallet")
            else:
                self.finished.emit()

        self.ctx.ops.run(
            self.ctx.call("identity_create", {"displayName": name}),
            busy=self.identity_button,
            on_done=done,
            title="Could not create the identity",
        )

    def _wallet_choice(self) -> None:
        if self.wallet_skip.isChecked():
            self.finished.emit()
        elif self.wallet_import.isChecked():
            self.go("import")
        else:

            async def make() -> None:
                out = await self.ctx.call("wallet_generatePhrase")
                self._show_phrase(out["phrase"].split())

            self.ctx.ops.run(make(), title="Could not create a recovery phrase")

    def _show_phrase(self, words: list[str]) -> None:
        self.phrase = words
        while self._phrase_holder.count():
            item = self._phrase_holder.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self._phrase_holder.addWidget(PhraseGrid(words))
        self.go("phrase")

    def _start_confirm(self) -> None:
        while self._confirm_holder.count():
            item = self._confirm_holder.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        rng = random.SystemRandom()
        self.quiz = sorted(rng.sample(range(len(self.phrase)), 3))
        self.answers: dict[int, str] = {}
        self.quiz_buttons: dict[int, list[QPushButton]] = {}
        for pos in self.quiz:
            row = QWidget()
            rl = QHBoxLayout(row)
            rl.setContentsMargins(0, 0, 0, 0)
            rl.addWidget(label(f"Word #{pos + 1}"), 0)
            others = [w for i, w in enumerate(self.phrase) if w != self.phrase[pos]]
            options = rng.sample(others, 3) + [self.phrase[pos]]
            rng.shuffle(options)
            self.quiz_buttons[pos] = []
            for word in options:
                b = QPushButton(word)
                b.setCheckable(True)
                b.setObjectName("quizWord")
                b.clicked.connect(lambda _=False, p=pos, w=word: self._pick(p, w))
                rl.addWidget(b)
                self.quiz_buttons[pos].append(b)
            self._confirm_holder.addWidget(row)
        self.confirm_message.setText("")
        self.go("confirm")

    def _pick(self, pos: int, word: str) -> None:
        self.answers[pos] = word
        for b in self.quiz_buttons[pos]:
            b.setChecked(b.text() == word)
        if len(self.answers) < len(self.quiz):
            return
        if all(self.answers[p] == self.phrase[p] for p in self.quiz):
            self._create_wallet({"phrase": " ".join(self.phrase), "identityId": self.identity_id})
        else:
            self.confirm_message.setText(
                "That is not the right word for every position. Check your paper and try again."
            )

    def _import_wallet(self) -> None:
        secret = " ".join(self.import_text.toPlainText().split())
        if not secret:
            return
        if len(secret.split()) == 1:
            self.ctx.ops.run(
                self.ctx.call("wallet_importKey", {"privateKey": secret}),
                busy=self.import_button,
                on_done=lambda _r: self.finished.emit(),
                title="Could not import the key",
            )
        else:
            self._create_wallet({"phrase": secret, "identityId": self.identity_id})

    def _create_wallet(self, params: dict[str, Any]) -> None:
        params = {k: v for k, v in params.items() if v is not None}

        def done(_r: Any) -> None:
            self.phrase = []  # shown once: do not keep it around
            self.finished.emit()

        self.ctx.ops.run(
            self.ctx.call("wallet_create", params),
            on_done=done,
            title="Could not create the wallet",
        )
