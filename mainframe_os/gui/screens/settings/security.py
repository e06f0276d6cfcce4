"""Auto-lock after idle time; remember the open vault on this device."""

from __future__ import annotations

from mainframe_os.node.events import VaultOpened

from ...context import LauncherContext
from ...qt import QCheckBox, QSpinBox, QVBoxLayout, QWidget, Signal
from ...widgets import form_layout, label
from ..vault_forms import KEYRING_MISSING


class SecurityTab(QWidget):
    autolock_changed = Signal(int)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.addWidget(label("Locking", "sectionTitle"))
        form = form_layout()
        self.autolock = QSpinBox()
        self.autolock.setObjectName("autolockMinutes")
        self.autolock.setRange(0, 24 * 60)
        self.autolock.setSuffix(" min")
        self.autolock.setSpecialValueText("Never")
        self.autolock.setValue(ctx.prefs.autolock_minutes)
        self.autolock.setToolTip("Lock the vault after this long without keyboard or mouse use (0: never)")
        self.autolock.valueChanged.connect(self._autolock)
        form.addRow("Lock after idle", self.autolock)
        lay.addLayout(form)
        self.remember = QCheckBox("Remember this vault on this device (unlock without the password)")
        self.remember.setObjectName("rememberSetting")
        if not ctx.keyring_available:
            self.remember.setEnabled(False)
            self.remember.setToolTip(KEYRING_MISSING)
        self.remember.toggled.connect(self._remember)
        lay.addWidget(self.remember)
        lay.addWidget(
            label(
                "Remembering stores the vault's key in the operating system's keyring: "
                "anyone using your desktop session can then open the vault.",
                "hint",
                wrap=True,
            )
        )
        lay.addStretch(1)
        ctx.subscribe(self, VaultOpened, lambda e: self._sync(e.vault))
        if ctx.node.vault is not None:
            self._sync(ctx.node.vault.name)

    def _sync(self, vault: str) -> None:
        self.remember.blockSignals(True)
        self.remember.setChecked(self.ctx.keyring_available and self.ctx.prefs.remembered(vault))
        self.remember.blockSignals(False)

    def _autolock(self, minutes: int) -> None:
        self.ctx.prefs.autolock_minutes = minutes
        self.autolock_changed.emit(minutes)

    def _remember(self, on: bool) -> None:
        vault = self.ctx.node.vault.name if self.ctx.node.vault is not None else None
        if vault is None:
            return

        def done(_r: object) -> None:
            self.ctx.prefs.set_remembered(vault, on)

        def failed(_e: BaseException) -> bool:
            self._sync(vault)
            return False

        self.ctx.ops.run(
            self.ctx.call("vault_setRemember", {"enabled": on}),
            busy=self.remember,
            on_done=done,
            on_error=failed,
            title="Could not change “remember on this device”",
        )
