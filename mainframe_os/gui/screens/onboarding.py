"""First start: create a vault, the first identity and (when the wallet is there) a wallet —
or restore a vault from a backup file."""

from __future__ import annotations

import random
from typing import Any

from mainframe_os.node.password_rules import password_problem

from ..context import LauncherContext
from ..qt import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
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
from ..widgets import PasswordStrengthMeter, button, card, form_layout, label

KEYRING_MISSING = "No keyring (secret service) is available on this device, so the password cannot be remembered."


def centered(inner: QWidget, width: int = 460) -> QWidget:
    """`inner` as a card in the middle of the page."""
    outer = QWidget()
    lay = QVBoxLayout(outer)
    lay.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    box = card()
    box.setFixedWidth(width)
    inner_lay = QVBoxLayout(box)
    inner_lay.setContentsMargins(28, 24, 28, 24)
    inner_lay.addWidget(inner)
    row.addWidget(box)
    row.addStretch(1)
    lay.addLayout(row)
    lay.addStretch(2)
    return outer


def step_title(text: str, sub: str | None = None) -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 8)
    lay.addWidget(label(text, "dialogTitle", wrap=True))
    if sub:
        lay.addWidget(label(sub, "caption", wrap=True))
    return w


class NewVaultForm(QWidget):
    """Vault name, password with a strength hint, confirmation; `submit` is enabled when valid."""

    submitted = Signal(str, str, bool)

    def __init__(self, ctx: LauncherContext, submit_text: str = "Create vault", default_name: str = "main") -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        form = form_layout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit(default_name)
        self.name.setObjectName("vaultName")
        self.name.setPlaceholderText("e.g. personal")
        self.password = QLineEdit()
        self.password.setObjectName("newPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setObjectName("confirmPassword")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = PasswordStrengthMeter(self.password)
        form.addRow("Vault name", self.name)
        form.addRow("Password", self.password)
        form.addRow("", self.meter)
        form.addRow("Confirm", self.confirm)
        lay.addLayout(form)
        self.remember = QCheckBox("Remember on this device")
        self.remember.setObjectName("remember")
        if not ctx.keyring_available:
            self.remember.setEnabled(False)
            self.remember.setToolTip(KEYRING_MISSING)
        else:
            self.remember.setToolTip("Unlock this vault automatically with the OS keyring")
        lay.addWidget(self.remember)
        self.why = label("", "hint", wrap=True)
        self.why.setObjectName("why")
        lay.addWidget(self.why)
        self.submit = button(submit_text, "primary")
        self.submit.setDefault(True)
        lay.addWidget(self.submit)
        for f in (self.name, self.password, self.confirm):
            f.textChanged.connect(self.validate)
            f.returnPressed.connect(self._submit)
        self.submit.clicked.connect(self._submit)
        self.validate()

    def problem(self) -> str | None:
        name, pw, confirm = self.name.text().strip(), self.password.text(), self.confirm.text()
        if not name:
            return "Give the vault a name."
        if not pw:
            return "Choose a password."
        if (why := password_problem(pw)) is not None:  # the node's rule, shown as they type
            return why + "."
        if not confirm:
            return "Type the password again to confirm it."
        if pw != confirm:
            return "The passwords do not match."
        return None

    def validate(self) -> None:
        why = self.problem()
        self.submit.setEnabled(why is None)
        self.why.setText(why or "Your password cannot be recovered: keep a backup (Settings ▸ Backup).")
        self.why.setObjectName("hint" if why is None or not self.confirm.text() else "error")
        self.why.style().unpolish(self.why)
        self.why.style().polish(self.why)

    def _submit(self) -> None:
        if self.problem() is None and self.submit.isEnabled():
            self.submitted.emit(self.name.text().strip(), self.password.text(), self.remember.isChecked())


class RestoreForm(QWidget):
    """A backup file and its password; `restored(name)` once the vault is back."""

    restored = Signal(str)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setObjectName("backupPath")
        self.path.setPlaceholderText("Backup file (.mfbackup)")
        browse = button("Choose…", tooltip="Pick the backup file")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        lay.addLayout(row)
        self.password = QLineEdit()
        self.password.setObjectName("restorePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("The password the backup was made with")
        lay.addWidget(self.password)
        self.as_name = QLineEdit()
        self.as_name.setObjectName("restoreAs")
        self.as_name.setPlaceholderText("Restore as (optional: keep the backup's vault name)")
        lay.addWidget(self.as_name)
        self.message = label("", "hint", wrap=True)
        lay.addWidget(self.message)
        self.submit = button("Restore", "primary")
        self.submit.setObjectName("restoreButton")
        self.submit.clicked.connect(self._restore)
        lay.addWidget(self.submit)
        for f in (self.path, self.password):
            f.textChanged.connect(self._validate)
        self.password.returnPressed.connect(self._restore)
        self._validate()

    def _validate(self) -> None:
        self.submit.setEnabled(bool(self.path.text().strip() and self.password.text()))

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a backup", "", "Mainframe backups (*.mfbackup);;All files (*)"
        )
        if path:
            self.path.setText(path)

    def _restore(self) -> None:
        if not self.submit.isEnabled():
            return
        params: dict[str, Any] = {
            "path": self.path.text().strip(),
            "password": self.password.text(),
        }
        if self.as_name.text().strip():
            params["as"] = self.as_name.text().strip()
        self.message.setText("Checking and restoring the backup…")

        def failed(exc: BaseException) -> bool:
            self.message.setText("Nothing was changed.")
            return False  # the error presenter shows the reason

        self.ctx.ops.run(
            self.ctx.call("vault_restore", params),
            busy=self.submit,
            on_done=lambda r: self.restored.emit(r["name"]),
            on_error=failed,
            title="Could not restore the backup",
        )


class PhraseGrid(QWidget):
    def __init__(self, words: list[str]) -> None:
        super().__init__()
        grid = QGridLayout(self)
        for i, w in enumerate(words):
            lab = label(f"<span style='color:gray'>{i + 1}.</span> <b>{w}</b>")
            lab.setObjectName("phraseWord")
            grid.addWidget(lab, i // 3, i % 3)


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
