"""Installing an app: pick a .mfapp file or a folder (or drop it), review what it asks, install.

    await install_from(ctx, parent, path)   # apps_install (verify + stage) -> review -> apps_approveInstall

The review shows who signed the package (name and key fingerprint), the version (or "Update from
vX to vY"), the permissions granted with the install and the optional ones, unchecked until the
user ticks them. An update lists only what the new version adds. A bad package (tampered,
signed by another developer than the installed one) fails in the node with a message that the
error presenter shows as is.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from ...context import LauncherContext
from ...dialogs import run_dialog
from ...qt import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    Qt,
    QVBoxLayout,
    QWidget,
)
from ...widgets import label
from .common import fingerprint, letter_icon, permission_label

PACKAGE_FILTER = "Mainframe apps (*.mfapp);;All files (*)"


def _plain(text: str, name: str | None = None, wrap: bool = True) -> QLabel:
    lab = label(text, name, wrap)
    lab.setTextFormat(Qt.TextFormat.PlainText)  # names and descriptions come from the package
    return lab


class InstallReviewDialog(QDialog):
    """What a package is and asks for; Install grants the required and the ticked optional keys."""

    def __init__(self, staged: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staged = staged
        m = self.summary = staged["manifest"]
        update = staged.get("update")
        self.setObjectName("installReview")
        self.setWindowTitle("Update app" if update else "Install app")
        self.setModal(True)
        self.setMinimumWidth(500)
        lay = QVBoxLayout(self)
        lay.setSpacing(10)
        self._add_header(lay, m, update)
        self._add_developer(lay, m, update)
        self._add_permissions(lay, m, update)
        self.buttons = QDialogButtonBox()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.install_button = self.buttons.addButton(
            "Update" if update else "Install", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.install_button.setObjectName("installButton")
        self.install_button.setProperty("primary", True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.cancel_button.setFocus()

    def _add_header(self, lay: QVBoxLayout, m: dict[str, Any], update: dict[str, Any] | None) -> None:
        """Icon, name, version (or "Update from vX to vY") and the description."""
        head = QHBoxLayout()
        ic = QLabel()
        ic.setPixmap(letter_icon(m["name"], 48))
        self.icon_label = ic
        head.addWidget(ic, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(2)
        title = f"Update {m['name']}" if update else f"Install {m['name']}?"
        self.title = _plain(title, "dialogTitle")
        names.addWidget(self.title)
        if update:
            self.version = _plain(f"Update from v{update['fromVersion']} to v{m['version']}", "caption")
        else:
            self.version = _plain(f"Version {m['version']}", "caption")
        self.version.setObjectName("installVersion")
        names.addWidget(self.version)
        head.addLayout(names, 1)
        lay.addLayout(head)
        if m.get("description"):
            lay.addWidget(_plain(m["description"]))

    def _add_developer(self, lay: QVBoxLayout, m: dict[str, Any], update: dict[str, Any] | None) -> None:
        """Who signed the package: name and key fingerprint."""
        dev = m.get("developer") or {}
        who = QFrame()
        who.setObjectName("card")
        wl = QVBoxLayout(who)
        wl.setSpacing(2)
        wl.addWidget(label("Developer", "caption"))
        self.developer = _plain(dev.get("name") or "Unnamed developer", "sectionTitle")
        wl.addWidget(self.developer)
        self.fingerprint = _plain(f"Key {fingerprint(dev.get('publicKey', ''))}", "mono")
        self.fingerprint.setObjectName("mono")
        self.fingerprint.setToolTip(dev.get("publicKey", ""))
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        wl.addWidget(self.fingerprint)
        wl.addWidget(
            label(
                "Signed with this key. Updates are accepted only when signed by the same key."
                if not update
                else "Signed by the same developer key as the installed version.",
                "hint",
                wrap=True,
            )
        )
        lay.addWidget(who)

    def _add_permissions(self, lay: QVBoxLayout, m: dict[str, Any], update: dict[str, Any] | None) -> None:
        """Required permissions (granted with the install), optional ones (unticked), CSP risks;
        for an update, only what the new version adds."""
        perms = m.get("permissions") or {}
        required = list(perms.get("required") or [])
        optional = list(perms.get("optional") or [])
        if update:
            new = set(update.get("newPermissions") or [])
            required = [k for k in required if k in new]
            optional = [k for k in optional if k in new]
        domains = list(m.get("webDomains") or [])

        self.required_labels: list[QLabel] = []
        if required:
            lay.addWidget(label("New permissions it needs" if update else "It needs to", "sectionTitle"))
            for key in required:
                row = _plain("✓  " + permission_label(m, key) + self._domains_note(key, domains))
                row.setObjectName("requiredPermission")
                row.setProperty("key", key)
                row.setToolTip(f"{key}: granted with the install")
                self.required_labels.append(row)
                lay.addWidget(row)
        self.optional_boxes: dict[str, QCheckBox] = {}
        if optional:
            lay.addWidget(label("It may also ask to (tick to allow now)", "sectionTitle"))
            for key in optional:
                box = QCheckBox(permission_label(m, key) + self._domains_note(key, domains))
                box.setObjectName(f"optional_{key}")
                box.setToolTip(f"{key}: without it, the app asks you when it needs it")
                box.setChecked(False)
                self.optional_boxes[key] = box
                lay.addWidget(box)
        self.csp_risks: list[QLabel] = []
        if m.get("cspRisks"):
            lay.addWidget(label("Risk you accept by installing", "sectionTitle"))
        for risk in m.get("cspRisks") or []:  # relaxations of the sandbox's code policy the app asks for
            row = _plain("⚠  " + str(risk))
            row.setObjectName("cspRisk")
            row.setWordWrap(True)
            row.setToolTip("The app's signed manifest asks to relax its Content-Security-Policy")
            self.csp_risks.append(row)
            lay.addWidget(row)
        if not required and not optional:
            lay.addWidget(
                label("It asks for no new permissions." if update else "It asks for no permissions.", "caption")
            )
        lay.addWidget(
            label(
                "Sending, signing and connecting to your wallet always ask you first, whatever you allow here.",
                "hint",
                wrap=True,
            )
        )

    @staticmethod
    def _domains_note(key: str, domains: list[str]) -> str:
        if key != "WEB_REQUEST" or not domains:
            return ""
        return ": " + ", ".join(domains)

    def granted_optional(self) -> list[str]:
        return [k for k, box in self.optional_boxes.items() if box.isChecked()]


async def review_and_install(ctx: LauncherContext, parent: QWidget | None, path: str) -> dict[str, Any] | None:
    """Verify and stage `path` in the node, show the review, install on approval.

    Returns the node's install result, or None when the user cancelled. Failures raise (the
    caller routes them to the error presenter: the node's message, e.g. a tampered package)."""
    staged = await ctx.call("apps_install", {"path": path})
    dlg = InstallReviewDialog(staged, parent)
    if (icon := await _staged_icon(ctx, staged)) is not None:
        dlg.icon_label.setPixmap(icon)
    try:
        if await run_dialog(dlg) != QDialog.DialogCode.Accepted:
            return None
        m = staged["manifest"]
        return dict(
            await ctx.call(
                "apps_approveInstall",
                {"appId": m["id"], "version": m["version"], "grant": dlg.granted_optional()},
            )
        )
    finally:
        dlg.deleteLater()


async def _staged_icon(ctx: LauncherContext, staged: dict[str, Any]) -> Any:
    """The staged package's own icon (its files are verified already), if it has one."""
    from ...qt import QPixmap

    m = staged["manifest"]
    try:
        data = await ctx.call("apps_getIcon", {"appId": m["id"], "version": m["version"]})
        if not data:
            return None
        pix = QPixmap()
        if pix.loadFromData(base64.b64decode(data)):
            return pix.scaled(48, 48, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    except Exception:  # noqa: BLE001 - the letter icon stays
        return None
    return None


def pick_package(parent: QWidget | None, folder: bool = False) -> str | None:
    """A file picker for a .mfapp package, or a folder picker for a signed app folder."""
    if folder:
        path = QFileDialog.getExistingDirectory(parent, "Install an app folder", str(Path.home()))
    else:
        path, _ = QFileDialog.getOpenFileName(parent, "Install an app", str(Path.home()), PACKAGE_FILTER)
    return path or None


def installable(path: str) -> bool:
    """What the Apps grid accepts when dropped: a .mfapp file or a folder with a manifest."""
    p = Path(path)
    return (p.is_file() and p.suffix == ".mfapp") or (p.is_dir() and (p / "manifest.json").is_file())
