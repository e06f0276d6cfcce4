"""Apps: the active identity's installed apps as a grid; install, open, permissions, uninstall.

The grid follows the node: `AppsChanged` (install, update, uninstall), `ActiveIdentityChanged`
and `VaultOpened` refresh it. `apps_list` installs the bundled apps the first time an identity
lists its apps, so every new identity finds Hello and Payments here. Opening an app goes through
the context's one AppHost, made (and QtWebEngine loaded) when the first app opens.
"""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import ActiveIdentityChanged, AppsChanged, IdentitiesChanged, VaultOpened

from ...context import LauncherContext
from ...dialogs import run_dialog
from ...qt import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ...widgets import button, label
from .common import active_identity, app_icon
from .install import installable, pick_package, review_and_install
from .permissions import show_permissions
from .tile import TILE_WIDTH, AppTile

__all__ = ["AppsScreen", "UninstallDialog"]

GRID_SPACING = 14


class UninstallDialog(QDialog):
    """Confirm an uninstall; the app's data (storage, files, grants) goes only when ticked."""

    def __init__(self, app: dict[str, Any], parent: QWidget | None) -> None:
        super().__init__(parent)
        name = str(app.get("name") or "this app")
        self.setObjectName("uninstallDialog")
        self.setWindowTitle(f"Uninstall {name}")
        self.setMinimumWidth(420)
        lay = QVBoxLayout(self)
        title = label(f"Uninstall {name}?", "dialogTitle")
        title.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(title)
        lay.addWidget(
            label(
                "The app is removed for this identity. Without its data, installing it again starts "
                "afresh; with it kept, a reinstall of the same app picks up where it left off.",
                "caption",
                wrap=True,
            )
        )
        self.delete_data = QCheckBox("Also delete its data (storage and files kept in your vault)")
        self.delete_data.setObjectName("deleteData")
        lay.addWidget(self.delete_data)
        buttons = QDialogButtonBox()
        self.cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.addButton("Uninstall", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("uninstallButton")
        self.ok.setProperty("danger", True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.cancel.setDefault(True)
        self.cancel.setFocus()


class AppsScreen(QWidget):
    app_opened = Signal(object)  # the AppWindow

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("appsScreen")
        self.setAcceptDrops(True)
        self.identity_id: str | None = None
        self.apps: list[dict[str, Any]] = []
        self.tiles: list[AppTile] = []
        self._loading = False
        self._again = False
        self.pick = pick_package  # tests replace the file picker

        lay = QVBoxLayout(self)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(label("Apps", "screenTitle"))
        self.subtitle = label("Decentralized apps, each in its own sandbox.", "caption", wrap=True)
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        self.install_button = button("Install app…", "primary", "Install a .mfapp package", "download")
        self.install_button.setObjectName("installAppButton")
        self.install_button.setProperty("primary", True)
        self.install_button.clicked.connect(lambda: self.install_dialog(folder=False))
        self.folder_button = button("From folder…", None, "Install a signed app folder")
        self.folder_button.clicked.connect(lambda: self.install_dialog(folder=True))
        head.addWidget(self.folder_button, 0, Qt.AlignmentFlag.AlignBottom)
        head.addWidget(self.install_button, 0, Qt.AlignmentFlag.AlignBottom)
        lay.addLayout(head)
        lay.addSpacing(6)

        self.grid_host = QWidget()
        self.grid_host.setObjectName("appGrid")
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.grid.setSpacing(GRID_SPACING)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.grid_host)
        lay.addWidget(self.scroll, 1)

        self.empty = QWidget()
        self.empty.setObjectName("appsEmpty")
        el = QVBoxLayout(self.empty)
        el.addStretch(1)
        big = label("No apps yet", "sectionTitle")
        big.setAlignment(Qt.AlignmentFlag.AlignCenter)
        el.addWidget(big)
        hint = label("Install an app from a .mfapp file or a signed folder — or drop one here.", "caption", wrap=True)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        el.addWidget(hint)
        el.addStretch(2)
        lay.addWidget(self.empty, 1)
        self.empty.setVisible(False)

        self.drop_hint = label("Drop a .mfapp file or an app folder anywhere here to install it.", "hint")
        lay.addWidget(self.drop_hint)

        for ev in (ActiveIdentityChanged, VaultOpened, IdentitiesChanged):
            ctx.subscribe(self, ev, lambda _e: self.refresh())
        ctx.subscribe(self, AppsChanged, self._apps_changed)

    # -- loading ----------------------------------------------------------------------------------

    def _apps_changed(self, e: AppsChanged) -> None:
        if self.identity_id is None or e.identity_id == self.identity_id:
            self.refresh()

    def refresh(self) -> None:
        """Reload the grid; bursts of events (the bundled apps installing) coalesce to one more load."""
        if self.ctx.node.vault is None:
            return
        if self._loading:
            self._again = True
            return
        self._loading = True
        self.ctx.ops.run(self._load(), quiet=True, title="Apps")

    async def _load(self) -> None:
        try:
            ident = await active_identity(self.ctx)
            if ident is None:
                self._show(None, [])
                return
            apps = list(await self.ctx.call("apps_list", {"identityId": ident["id"]}))
            self._show(ident["id"], apps)
            for tile in list(self.tiles):
                app = tile.app
                pix = await app_icon(self.ctx, ident["id"], app["id"], str(app.get("name") or "?"), 44)
                if tile in self.tiles:
                    tile.set_icon(pix)
        finally:
            self._loading = False
            if self._again:
                self._again = False
                self.refresh()

    def _show(self, identity_id: str | None, apps: list[dict[str, Any]]) -> None:
        self.identity_id = identity_id
        self.apps = apps
        focused = next((t.app["id"] for t in self.tiles if t.hasFocus()), None)
        for t in self.tiles:
            self.grid.removeWidget(t)
            t.deleteLater()
        self.tiles = []
        for app in apps:
            tile = AppTile(app)
            tile.open_requested.connect(self.open_app)
            tile.permissions_requested.connect(self.show_permissions)
            tile.uninstall_requested.connect(self.uninstall)
            tile.move_focus.connect(self._move_focus)
            self.tiles.append(tile)
        self._layout_tiles()
        self.scroll.setVisible(bool(apps))
        self.empty.setVisible(not apps)
        if focused is not None:
            for t in self.tiles:
                if t.app["id"] == focused:
                    t.setFocus()

    def columns(self) -> int:
        width = self.scroll.viewport().width() or self.width()
        return max(1, (width - 4 + GRID_SPACING) // (TILE_WIDTH + GRID_SPACING))

    def _layout_tiles(self) -> None:
        cols = self.columns()
        for i, t in enumerate(self.tiles):
            self.grid.addWidget(t, i // cols, i % cols)
        for i in range(len(self.tiles) - 1):  # Tab follows the reading order
            QWidget.setTabOrder(self.tiles[i], self.tiles[i + 1])

    def resizeEvent(self, e: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(e)
        if self.tiles:
            for t in self.tiles:
                self.grid.removeWidget(t)
            self._layout_tiles()

    def _move_focus(self, tile: AppTile, key: int) -> None:
        i = self.tiles.index(tile)
        cols = self.columns()
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -cols, Qt.Key.Key_Down: cols}
        j = i + step.get(key, 0)
        if 0 <= j < len(self.tiles):
            self.tiles[j].setFocus()
            self.scroll.ensureWidgetVisible(self.tiles[j])

    def tile(self, app_id: str) -> AppTile | None:
        return next((t for t in self.tiles if t.app["id"] == app_id), None)

    # -- actions ----------------------------------------------------------------------------------

    def open_app(self, app: dict[str, Any]) -> None:
        if not app.get("ok", True):
            self.ctx.errors.show_message("Cannot open the app", str(app.get("problem") or "The app is damaged."))
            return
        ident = self.identity_id

        async def run() -> Any:
            window = await self.ctx.app_host().open(app["id"], ident)
            self.app_opened.emit(window)
            return window

        self.ctx.ops.run(run(), title=f"Could not open {app.get('name', 'the app')}")

    def show_permissions(self, app: dict[str, Any]) -> None:
        if self.identity_id is not None:
            self.ctx.ops.run(show_permissions(self.ctx, self.identity_id, app, self.window()))

    def uninstall(self, app: dict[str, Any]) -> None:
        ident = self.identity_id

        async def run() -> None:
            dlg = UninstallDialog(app, self.window())
            self.current_dialog = dlg
            try:
                if await run_dialog(dlg) != QDialog.DialogCode.Accepted:
                    return
                delete = dlg.delete_data.isChecked()
            finally:
                dlg.deleteLater()
            self.ctx.close_apps(ident, app["id"])  # its window goes first: the files go next
            await self.ctx.call("apps_uninstall", {"appId": app["id"], "deleteData": delete, "identityId": ident})

        self.ctx.ops.run(run(), title=f"Could not uninstall {app.get('name', 'the app')}")

    def install_dialog(self, folder: bool = False) -> None:
        path = self.pick(self.window(), folder)
        if path:
            self.install(path)

    def install(self, path: str) -> Any:
        """Install from a path (picker or drop): review dialog, then the node installs it."""
        self.last_install: dict[str, Any] | None = None

        def done(result: dict[str, Any] | None) -> None:
            self.last_install = result

        return self.ctx.ops.run(
            review_and_install(self.ctx, self.window(), path),
            busy=[self.install_button, self.folder_button],
            on_done=done,
            title="Could not install the app",
        )

    # -- drag and drop ------------------------------------------------------------------------------

    @staticmethod
    def _dropped(e: Any) -> list[str]:
        mime = e.mimeData()
        if not mime.hasUrls():
            return []
        return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and installable(u.toLocalFile())]

    def dragEnterEvent(self, e: Any) -> None:  # noqa: N802 - Qt override
        if self._dropped(e):
            e.acceptProposedAction()
            self.drop_hint.setText("Release to install.")

    def dragLeaveEvent(self, e: Any) -> None:  # noqa: N802 - Qt override
        self.drop_hint.setText("Drop a .mfapp file or an app folder anywhere here to install it.")

    def dropEvent(self, e: Any) -> None:  # noqa: N802 - Qt override
        self.dragLeaveEvent(e)
        paths = self._dropped(e)
        if paths:
            e.acceptProposedAction()
            self.install(paths[0])
