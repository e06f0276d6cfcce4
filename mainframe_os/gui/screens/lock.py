"""The lock screen: pick one of this machine's vaults and unlock it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..context import LauncherContext
from ..qt import QBoxLayout, QCheckBox, QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget, Signal
from ..style import pixmap
from ..widgets import button, centered, label


class LockScreen(QWidget):
    """Emits `create_requested` / `restore_requested`; a successful unlock is announced by the
    node (VaultOpened), which the window follows."""

    create_requested = Signal()
    restore_requested = Signal()

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("lockScreen")
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        logo = QLabel()
        logo.setPixmap(pixmap("logo", 56))
        # Qt enum values by name, through Qt's meta-object system: a `Qt.*` value from Python would
        # make PySide build its whole Qt namespace before this first paint (see gui/qt.py)
        logo.setProperty("alignment", "AlignCenter")
        lay.addWidget(logo)
        title = label("Unlock your vault", "dialogTitle")
        title.setProperty("alignment", "AlignCenter")
        lay.addWidget(title)
        # "Unlock to install X": a package opened from the file manager waits for the vault
        self.pending_install = label("", "hint", wrap=True)
        self.pending_install.setObjectName("pendingInstall")
        self.pending_install.setProperty("textFormat", "PlainText")
        self.pending_install.setProperty("alignment", "AlignCenter")
        self.pending_install.setVisible(False)
        lay.addWidget(self.pending_install)
        lay.addSpacing(8)
        self.vaults = QComboBox()
        self.vaults.setObjectName("vaultPicker")
        self.vaults.setAccessibleName("Vault")
        lay.addWidget(label("Vault", "caption"))
        lay.addWidget(self.vaults)
        self.password = QLineEdit()
        self.password.setObjectName("unlockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.password.setAccessibleName("Password")
        lay.addWidget(label("Password", "caption"))
        lay.addWidget(self.password)
        self.message = label("", "error", wrap=True)
        self.message.setObjectName("unlockMessage")
        lay.addWidget(self.message)
        self.remember = QCheckBox("Remember on this device")
        self.remember.setObjectName("remember")
        lay.addWidget(self.remember)
        self.unlock_button = button("Unlock", "primary")
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setDefault(True)
        lay.addWidget(self.unlock_button)
        lay.addSpacing(6)
        more = QWidget()
        ml = QVBoxLayout(more)
        ml.setContentsMargins(0, 0, 0, 0)
        create = button("Create another vault", "link")
        create.clicked.connect(self.create_requested.emit)
        restore = button("Restore from a backup", "link")
        restore.clicked.connect(self.restore_requested.emit)
        for link in (create, restore):
            # centred between two stretches, not by a Qt.* alignment; laid out right to left so
            # that an odd spare pixel goes to the right, as Qt's centring puts it
            row = QBoxLayout(QBoxLayout.Direction.RightToLeft)
            row.setSpacing(0)
            row.addStretch(1)
            row.addWidget(link)
            row.addStretch(1)
            ml.addLayout(row)
        lay.addWidget(more)
        outer = QVBoxLayout(self)
        outer.addWidget(centered(w, 400))

        self.password.returnPressed.connect(self.unlock)
        self.unlock_button.clicked.connect(self.unlock)
        self.password.textChanged.connect(self._validate)
        self.vaults.currentTextChanged.connect(self._vault_changed)
        self._validate()
        # Unknown until the node answers (`Launcher.start` calls set_keyring): off meanwhile.
        self.remember.setEnabled(ctx.keyring_available)

    def set_keyring(self, available: bool) -> None:
        from .vault_forms import KEYRING_MISSING

        self.remember.setEnabled(available)
        self.remember.setToolTip(
            "Unlock this vault automatically with the OS keyring" if available else KEYRING_MISSING
        )
        if not available:
            self.remember.setChecked(False)

    def set_pending_install(self, file_name: str | None) -> None:
        """Show (or clear) which package opens for review once the vault is unlocked."""
        self.pending_install.setText(f"Unlock to review and install {file_name}." if file_name else "")
        self.pending_install.setVisible(bool(file_name))

    def set_vaults(self, names: list[str], select: str | None = None) -> None:
        self.vaults.blockSignals(True)
        self.vaults.clear()
        self.vaults.addItems(names)
        pick = select if select in names else self.ctx.prefs.last_vault
        if pick in names:
            self.vaults.setCurrentText(pick)
        self.vaults.blockSignals(False)
        self.vaults.setVisible(True)
        self._vault_changed(self.vaults.currentText())
        self._validate()

    def _vault_changed(self, name: str) -> None:
        if self.remember.isEnabled():
            self.remember.setChecked(self.ctx.prefs.remembered(name))
        self.message.setText("")

    def _validate(self) -> None:
        self.unlock_button.setEnabled(bool(self.password.text()) and self.vaults.count() > 0)
        if self.password.text():
            self.message.setText("")

    def focus_password(self) -> None:
        self.password.setFocus()  # Qt's OtherFocusReason

    def unlock(self) -> None:
        name, pw = self.vaults.currentText(), self.password.text()
        if not name or not pw or not self.unlock_button.isEnabled():
            return
        remember: bool | None = self.remember.isChecked() if self.remember.isEnabled() else None
        self.message.setObjectName("hint")
        self._repolish()
        self.message.setText("Unlocking…")
        from mainframe_os.node.errors import WrongPasswordError
        from vault import prefetch_unlock  # after the first paint: the vault library is not cheap

        if name == Path(name).name and not name.startswith("."):
            # Argon2id starts now on its own thread, while the node may still be loading its
            # libraries; vault_unlock takes the key over (and checks the password as always).
            prefetch_unlock(self.ctx.node.paths.vaults / name, pw)
        # From now until the main window painted, only the unlock and the window's own question
        # reach the vault's thread: the screens' refreshes and the node's background work wait.
        self.ctx.hold_events()

        def remember_choices() -> None:
            self.ctx.prefs.last_vault = name
            if remember is not None:
                self.ctx.prefs.set_remembered(name, remember)

        def done(_r: Any) -> None:
            self.ctx.after_main_window(remember_choices)  # a settings file write: after the paint
            self.password.clear()
            self.message.setText("")

        def failed(exc: BaseException) -> bool:
            self.ctx.release_events()
            self.message.setObjectName("error")
            self._repolish()
            if isinstance(exc, WrongPasswordError):
                self.password.clear()
                self.message.setText("Wrong password. Try again.")
                self.focus_password()
                return True
            self.message.setText("")
            return False

        self.ctx.ops.run(
            self.ctx.call("vault_unlock", {"name": name, "password": pw, "remember": remember}),
            busy=[self.unlock_button, self.password, self.vaults],
            on_done=done,
            on_error=failed,
            title="Could not unlock the vault",
        )

    def _repolish(self) -> None:
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
