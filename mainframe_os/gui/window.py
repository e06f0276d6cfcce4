"""The launcher window: onboarding, lock screen or the main view, following the node's events.

It is made before the node (see `Launcher`): the lock screen paints first, then `attach_node`
subscribes to the node's events. Onboarding, the main view and dialogs load when first shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mainframe_os.datafiles import icon_file

from .context import LauncherContext
from .qt import QIcon, QMainWindow, QProgressBar, QStackedWidget, QVBoxLayout, QWidget, Signal
from .screens.lock import LockScreen

if TYPE_CHECKING:
    import asyncio

    from mainframe_os.node.events import VaultLocked, VaultOpened

    from .screens.onboarding import Onboarding


RELEASE_EVENTS_MS = 500


class LauncherWindow(QMainWindow):
    page_changed = Signal(str)  # "onboarding" | "lock" | "main" | "loading"

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("launcherWindow")
        self.setWindowTitle("Mainframe OS")
        self.setWindowIcon(QIcon(str(icon_file("logo"))))
        self.resize(1100, 720)
        self.setMinimumSize(860, 560)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("busyBar")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedHeight(3)
        self.busy_bar.setVisible(False)
        lay.addWidget(self.busy_bar)
        self.stack = QStackedWidget()
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.lock_screen = LockScreen(ctx)
        self.lock_screen.create_requested.connect(lambda: self.show_onboarding("vault", can_cancel=True))
        self.lock_screen.restore_requested.connect(lambda: self.show_onboarding("restore", can_cancel=True))
        self.stack.addWidget(self.lock_screen)
        self.onboarding: Onboarding | None = None
        self.main: Any = None
        self.page = "loading"
        self._closing_ok = False
        self.shutting_down = False  # the node is closing: its last events change no page
        self.main_shown_at: float | None = None

        # The busy bar appears only for operations that take a moment, so quick calls don't flicker.
        self._busy_handle: asyncio.TimerHandle | None = None
        ctx.ops.busyChanged.connect(self._busy)

    def attach_node(self) -> None:
        """Follow the node's vault events (the context holds the node now)."""
        from mainframe_os.node.events import VaultLocked, VaultOpened, VaultsChanged

        self.ctx.subscribe(self, VaultOpened, self._vault_opened, holdable=False)
        self.ctx.subscribe(self, VaultLocked, self._vault_locked, holdable=False)
        self.ctx.subscribe(self, VaultsChanged, lambda _e: self.refresh_vaults(), holdable=False)

    # -- pages ----------------------------------------------------------------------------------

    def _set_page(self, name: str, widget: QWidget) -> None:
        self.stack.setCurrentWidget(widget)
        self.page = name
        self.page_changed.emit(name)

    def show_onboarding(self, start: str = "welcome", can_cancel: bool = False) -> None:
        if self.onboarding is not None:
            self.stack.removeWidget(self.onboarding)
            self.onboarding.deleteLater()
        from .screens.onboarding import Onboarding

        ob = Onboarding(self.ctx, start, can_cancel=can_cancel)
        ob.finished.connect(self.show_main)
        ob.restored.connect(self._restored)
        ob.cancelled.connect(self.show_lock)
        self.onboarding = ob
        self.stack.addWidget(ob)
        self._set_page("onboarding", ob)

    def show_lock(self, select: str | None = None, refresh: bool = True) -> None:
        """The lock screen; `refresh`: replace its vault list with the node's."""
        self._set_page("lock", self.lock_screen)
        if refresh:
            self.refresh_vaults(select)
        self.lock_screen.focus_password()

    def prepare_main(self) -> None:
        """Build the main view ahead, while the lock screen waits for the password (or Argon2id
        runs): the unlock then only fills it with the vault's data. It holds no data until then."""
        if self.main is None and self.page == "lock" and not self.shutting_down:
            self._build_main()
            self.main.identity.prepare()

    def _build_main(self) -> None:
        from .screens.main_view import MainView

        self.main = MainView(self.ctx)
        self.main.lock_requested.connect(self.lock)
        self.main.settings.switch_vault.connect(self.switch_vault)
        self.stack.addWidget(self.main)

    def show_main(self, identities: list[dict[str, Any]] | None = None) -> None:
        """The main view; `identities`: the unlock's list, shown as is (the screens refresh on the
        VaultOpened the window holds back until this paints), else every screen refreshes now."""
        if self.main is None:
            self._build_main()
        if identities is None:
            self.main.refresh()
        else:
            self.main.identity.show_identities(identities)
        self._set_page("main", self.main)
        if self.onboarding is not None:
            self.stack.removeWidget(self.onboarding)
            self.onboarding.deleteLater()
            self.onboarding = None

    def refresh_vaults(self, select: str | None = None) -> None:
        async def load() -> None:
            vaults = await self.ctx.call("vault_list")
            self.lock_screen.set_vaults([v["name"] for v in vaults], select)
            if not vaults and self.page == "lock":
                self.show_onboarding()

        self.ctx.ops.run(load(), quiet=True)

    # -- node events ----------------------------------------------------------------------------

    def _vault_opened(self, e: VaultOpened) -> None:
        if self.page == "onboarding":
            return  # the wizard continues with the identity step itself
        self.ctx.hold_events()  # the other screens refresh once the main window has painted
        self.ctx.ops.run(self._enter(), title="Could not open the vault")

    async def _enter(self) -> None:
        try:
            identities = await self.ctx.call("identity_list")
            if not identities:
                self.show_onboarding("identity")
            else:
                self.show_main(identities)
        finally:
            self._release_events_after_paint()

    def _release_events_after_paint(self) -> None:
        """Hand the held node events to the screens after the main view's first paint (or after
        RELEASE_EVENTS_MS, if the window is hidden and does not paint)."""
        if self.page != "main" or self.main is None:
            self.ctx.release_events()
            return
        from .qt import QEvent, QObject, QTimer

        ctx = self.ctx

        class Painted(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
                if event.type() == QEvent.Type.Paint:
                    obj.removeEventFilter(self)
                    QTimer.singleShot(0, ctx.release_events)
                return False

        self._painted_watch = Painted(self)
        self.main.installEventFilter(self._painted_watch)
        QTimer.singleShot(RELEASE_EVENTS_MS, ctx.release_events)

    def _vault_locked(self, e: VaultLocked) -> None:
        if self.page == "onboarding" or self.shutting_down:
            return
        self.show_lock(e.vault)

    def _restored(self, name: str) -> None:
        self.show_lock(name)

    # -- actions --------------------------------------------------------------------------------

    def lock(self) -> None:
        self.ctx.ops.run(self.ctx.call("vault_lock"), title="Could not lock the vault")

    def switch_vault(self, name: str) -> None:
        async def run() -> None:
            await self.ctx.call("vault_lock")
            self.show_lock(name)

        self.ctx.ops.run(run())

    def _busy(self, busy: bool) -> None:
        import asyncio

        loop = asyncio.get_event_loop()
        if self._busy_handle is not None:
            self._busy_handle.cancel()
            self._busy_handle = None
        if busy:
            self._busy_handle = loop.call_later(0.15, lambda: self.busy_bar.setVisible(True))
        else:
            self.busy_bar.setVisible(False)

    def bring_forward(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~self.windowState().WindowMinimized)
        self.raise_()
        self.activateWindow()

    def backup_running(self) -> bool:
        return self.main is not None and self.main.settings.backup.running

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if self._closing_ok or not self.backup_running():
            event.accept()
            return
        event.ignore()
        from .dialogs import confirm

        async def ask() -> None:
            if await confirm(
                self,
                "A backup is running",
                "A backup is being written. Quit anyway? The unfinished file is discarded "
                "and your vault is not affected.",
                "Quit",
                destructive=True,
            ):
                self._closing_ok = True
                self.close()

        self.ctx.ops.run(ask())
