"""Back up the open vault to one encrypted file, with a progress bar; restore a backup."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mainframe_os.node.events import BackupProgress
from mainframe_os.node.password_rules import password_problem

from ...context import LauncherContext
from ...dialogs import ask_password
from ...qt import QCheckBox, QFileDialog, QHBoxLayout, QLineEdit, QProgressBar, QVBoxLayout, QWidget
from ...widgets import button, label, set_tone
from ..vault_forms import RestoreForm


def default_backup_path(vault: str) -> str:
    return str(Path.home() / f"{vault}-{time.strftime('%Y%m%d')}.mfbackup")


class BackupTab(QWidget):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.task: Any = None
        self._showing_problem = False
        lay = QVBoxLayout(self)
        lay.addWidget(label("Back up this vault", "sectionTitle"))
        lay.addWidget(
            label(
                "One encrypted file with everything in the vault. Keep it somewhere safe "
                "(another disk, a USB stick): with it and its password you can restore "
                "the vault on any computer.",
                "caption",
                wrap=True,
            )
        )
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setObjectName("backupPath")
        self.path.setPlaceholderText("Where to save the backup")
        browse = button("Choose…", tooltip="Choose where to save the backup")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        lay.addLayout(row)
        self.password = QLineEdit()
        self.password.setObjectName("backupPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password to encrypt the backup (your vault password works)")
        lay.addWidget(self.password)
        self.password_again = QLineEdit()
        self.password_again.setObjectName("backupPasswordAgain")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again.setPlaceholderText("The same password again")
        lay.addWidget(self.password_again)
        # the files' blocks (ciphertext; their keys are in the vault) go beside the backup, by choice
        self.with_blocks = QCheckBox("Also back up the files' blocks")
        self.with_blocks.setObjectName("backupWithBlocks")
        lay.addWidget(self.with_blocks)
        self.progress = QProgressBar()
        self.progress.setObjectName("backupProgress")
        self.progress.setVisible(False)
        lay.addWidget(self.progress)
        self.status = label("", "hint", wrap=True)
        lay.addWidget(self.status)
        self.backup_button = button("Back up now", "primary")
        self.backup_button.setObjectName("backupButton")
        self.backup_button.clicked.connect(self.backup)
        lay.addWidget(self.backup_button)
        self.path.textChanged.connect(self._validate)
        self.password.textChanged.connect(self._validate)
        self.password_again.textChanged.connect(self._validate)
        lay.addSpacing(18)
        lay.addWidget(label("Restore a backup", "sectionTitle"))
        lay.addWidget(
            label(
                "Restored vaults appear next to this one; an existing vault is never replaced.",
                "caption",
                wrap=True,
            )
        )
        self.restore = RestoreForm(ctx)
        self.restore.restored.connect(
            lambda name: self.restore.message.setText(
                f"Restored as the vault “{name}”. Switch to it in Settings ▸ Vaults."
            )
        )
        lay.addWidget(self.restore)
        lay.addStretch(1)
        ctx.subscribe(self, BackupProgress, self._progress)
        self._validate()

    def showEvent(self, e: Any) -> None:  # noqa: N802
        super().showEvent(e)
        if not self.path.text() and self.ctx.node.vault is not None:
            self.path.setText(default_backup_path(self.ctx.node.vault.name))
        if self.ctx.node.vault is not None and self.ctx.has("files_blocksSize"):
            self.ctx.ops.run(self.ctx.call("files_blocksSize"), on_done=self._blocks_size, quiet=True)

    def _blocks_size(self, need: dict[str, Any]) -> None:
        """The size, shown before anything starts: blocks can be far larger than the vault."""
        mib = need["bytes"] / (1024 * 1024)
        self.with_blocks.setText(f"Also back up the files' blocks ({mib:,.1f} MiB, to a .blocks.car file beside it)")
        self.with_blocks.setEnabled(need["blocks"] > 0)

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def _validate(self) -> None:
        # the node holds the rule for backup passwords; this form shows it and confirms the typing
        pw, again = self.password.text(), self.password_again.text()
        problem = password_problem(pw, "backup password") if pw else None
        if problem is None and again and again != pw:
            problem = "The two passwords differ"
        if problem and not self.running:
            set_tone(self.status, "error")
            self.status.setText(problem + ".")
            self._showing_problem = True
        elif self._showing_problem:  # only ever clears its own message, never "Backed up to …"
            self.status.setText("")
            self._showing_problem = False
        ready = bool(self.path.text().strip() and pw and again == pw) and problem is None
        self.backup_button.setEnabled(ready and not self.running)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the backup as", self.path.text(), "Mainframe backups (*.mfbackup)"
        )
        if path:
            self.path.setText(path if path.endswith(".mfbackup") else path + ".mfbackup")

    def _progress(self, e: BackupProgress) -> None:
        if e.operation != "backup" or not self.running:
            return
        self.progress.setRange(0, max(1, e.total))
        self.progress.setValue(e.done)

    def backup(self) -> None:
        path, pw = self.path.text().strip(), self.password.text()
        if not path or not pw or pw != self.password_again.text():
            return
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)  # busy until the first progress event
        set_tone(self.status, None)
        self.status.setText("Backing up…")
        self._showing_problem = False

        cancelled = {"why": ""}

        async def run() -> dict[str, Any] | None:
            overwrite = False
            if Path(path).expanduser().is_file():
                from ...dialogs import confirm

                question = f"{path} already exists. Replace it with this backup?"
                if not await confirm(self, "Replace the file?", question, "Replace", destructive=True):
                    cancelled["why"] = "Not backed up: the file there was kept."
                    return None
                overwrite = True
            # a backup lets the whole vault leave: the node wants the vault password again
            vault_pw = await ask_password(self.window(), "Vault password", "Enter this vault's password to back it up.")
            if vault_pw is None:
                return None
            done = await self.ctx.call(
                "vault_backup", {"path": path, "password": pw, "vaultPassword": vault_pw, "overwrite": overwrite}
            )
            if self.with_blocks.isChecked() and self.with_blocks.isEnabled():
                car = {"path": f"{done['path']}.blocks.car", "overwrite": overwrite}
                done["blocks"] = await self.ctx.call("files_exportBlocks", car)
            return done  # type: ignore[no-any-return]

        def done(r: dict[str, Any] | None) -> None:
            if r is None:
                self.progress.setVisible(False)
                self.status.setText(cancelled["why"])
                return
            self.progress.setRange(0, 1)
            self.progress.setValue(1)
            self.password.clear()
            self.password_again.clear()
            set_tone(self.status, "ok")
            text = f"Backed up to {r['path']} ({r['size'] // 1024 + 1} KiB)."
            if "blocks" in r:
                text += f" File blocks: {r['blocks']['path']} ({r['blocks']['size'] // 1024 + 1} KiB)."
            self.status.setText(text)

        def failed(_e: BaseException) -> bool:
            self.progress.setVisible(False)
            set_tone(self.status, "error")
            self.status.setText("The backup was not written.")
            return False

        self.task = self.ctx.ops.run(
            run(),
            busy=[self.backup_button, self.path, self.password, self.password_again],
            on_done=done,
            on_error=failed,
            title="Could not back up the vault",
        )
        self.task.add_done_callback(lambda _t: self._validate())
