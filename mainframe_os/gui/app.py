"""The `mainframe-os` entry point and the app factory.

    mainframe-os --home /tmp/x            # run the launcher on that home folder
    mainframe-os ~/Downloads/game.mfapp   # ... and review that package for install (the desktop
                                          # entry's command when a .mfapp file is opened)
    mainframe-os --version                # version, commit, Qt/Chromium/SQLCipher/web3 versions

Tests build the same launcher without running the loop::

    launcher = create_app(home, [])        # QApplication + qasync loop + node + window, shown
    ...                                    # drive it with qtbot; the loop runs as Qt processes events
    launcher.close()                       # shutdown: drain tasks, close the node

Only Qt, qasync and the node core are imported here: web3 (about 1 s) and QtWebEngine load later,
when a screen needs them (QtWebEngine with the first app opened, which is also when the app
host's mfapp:// scheme is registered: see `qt_web.start`), so the window appears first.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import qt
from .qt import QApplication, QTimer

if TYPE_CHECKING:
    # asyncio (and qasync) load after the lock screen painted: see `create_app`
    import asyncio

log = logging.getLogger("mainframe_os.gui")
STARTED_AT = time.perf_counter()
WALLET_START_DELAY_MS = 300


def _loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Log what escaped a task or callback instead of printing it (or killing the loop)."""
    exc = context.get("exception")
    log.error("unhandled in event loop: %s", context.get("message"), exc_info=exc)


def _setup_logging(home: Path) -> None:
    import logging.handlers

    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("mainframe_os")
    if any(getattr(h, "_mfos", False) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(
        logs / "launcher.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8", delay=True
    )
    handler._mfos = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _vault_folder_names(root: Path) -> list[str]:
    """Vault folders as VaultStore.list finds them (a header file, not a dot-name), without
    loading the vault library: a first guess the node's vault_list confirms."""
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name)
    except OSError:
        return []
    return [e.name for e in entries if not e.name.startswith(".") and (e / "header.json").is_file()]


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        qt.before_app()
        # Fusion: the same look on every desktop; the stylesheets build on it. Asked for on the
        # command line (last, so it wins as app.setStyle did), not by app.setStyle("Fusion"), which
        # returns the style to Python: PySide then makes the QStyle type and its enums, ~10 ms
        # before the first paint.
        app = QApplication([sys.argv[0] if sys.argv else "mainframe-os", *(argv or []), "-style", "Fusion"])
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10.5)  # readable default on desktops that ship 9pt
        app.setFont(font)
    return app  # type: ignore[return-value]


class Launcher:
    """The running launcher: app, node, window, tray, idle lock, single-instance server.

    Made in two steps so the lock screen paints first. `Launcher(app, home, attach=False)` builds
    only the window, from the preferences and a listing of the vaults folder (Qt alone: no node,
    no asyncio work); `paint_first` shows it and lets Qt paint it; `attach` then loads the node
    and the rest (prompter, tray, idle lock, single-instance server, update checker, the window's
    event subscriptions). `Launcher(app, home)` does both steps at once."""

    def __init__(self, app: QApplication, home: Path, attach: bool = True) -> None:
        from .context import LauncherContext
        from .operations import ErrorPresenter, Operations
        from .preferences import Preferences
        from .style import apply_theme
        from .window import LauncherWindow

        self.app = app
        self.home = home
        self.prefs = Preferences(home)
        apply_theme(app, self.prefs.theme)
        self.window: LauncherWindow | None = None
        errors = ErrorPresenter(lambda: self.window)
        self.ctx = LauncherContext(Operations(errors), errors, self.prefs)
        self.window = LauncherWindow(self.ctx)
        self.pending_install: str | None = None
        self.started = False
        self.attached = False
        self._closed = False
        self._show_lock_early()
        if attach:
            self.attach()

    def attach(self) -> None:
        """Everything the first paint does not need: the node (its event bus, dispatcher, vault
        store), the prompter, tray, idle lock, single-instance server and update checker."""
        if self.attached:
            return
        from mainframe_os.node.events import VaultLocked
        from mainframe_os.node.node import Node
        from mainframe_os.node.updates import UpdateChecker

        from .idle import IdleLock
        from .prompter import GuiPrompter
        from .session import VaultSession
        from .single_instance import SingleInstance
        from .tray import Tray

        self.attached = True
        self.prompter = GuiPrompter(lambda: self.window)
        self.node = Node(self.home, prompter=self.prompter)
        self.prompter.node = self.node
        self.prompter.queue = self.node.prompter
        self.ctx.attach(self.node, self.prompter)
        self.ctx.updates = UpdateChecker(self.home)
        self.window.attach_node()
        self.session = VaultSession(self.ctx)
        self.idle = IdleLock(self._idle_lock, self.prefs.autolock_minutes)
        self.idle.watch(self.app)
        self.tray = Tray(self.window.bring_forward, self.window.lock, self.quit)
        self.single = SingleInstance(self.home, self.window.bring_forward, self.open_package)
        self.window.page_changed.connect(self._page_changed)
        # An open app is a window onto the vault: it closes with the vault.
        self.ctx.subscribe(self.window, VaultLocked, lambda _e: self.ctx.close_apps())
        if self.window.page != "loading":
            self._page_changed(self.window.page)  # the page shown before the tray and idle lock existed

    def paint_first(self, timeout_s: float = 1.0) -> None:
        """Show the window and let Qt paint it now, before `attach` loads the node: a local event
        loop runs until the window's first paint, at most `timeout_s` (a window the desktop does
        not expose in that time paints later, as any window does)."""
        from .qt import QEvent, QEventLoop, QObject

        window = self.window
        wait = QEventLoop()
        painted = [False]

        class FirstPaint(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
                if event.type() == QEvent.Type.Paint and not painted[0]:
                    painted[0] = True
                    wait.quit()  # after this paint: Qt paints the whole window in this one event
                return False

        watcher = FirstPaint()
        window.installEventFilter(watcher)
        window.show()
        if not painted[0]:
            QTimer.singleShot(int(timeout_s * 1000), wait.quit)
            wait.exec()
        window.removeEventFilter(watcher)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Decide the first screen: onboarding, an automatic (remembered) unlock, or the lock screen."""
        self.attach()  # a no-op when made by create_app, which attaches right after the first paint
        ctx = self.ctx
        await ctx.refresh_methods()
        ctx.keyring_available = bool(await ctx.call("vault_keyringAvailable"))
        self.window.lock_screen.set_keyring(ctx.keyring_available)
        vaults = await ctx.call("vault_list")
        if not vaults:
            self.window.show_onboarding()
        else:
            last = self.prefs.last_vault
            names = [v["name"] for v in vaults]
            target = last if last in names else names[0]
            if ctx.keyring_available and self.prefs.remembered(target):
                ctx.hold_events()  # as an unlock from the lock screen does (LockScreen.unlock)
                try:
                    out = await ctx.call("vault_unlockRemembered", {"name": target})
                except BaseException:
                    ctx.release_events()
                    raise
                if out.get("unlocked"):
                    self.started = True
                    return  # VaultOpened moves the window on
                ctx.release_events()
            self.window.show_lock(target)
            # after the lock screen painted: the main view is built while the user types
            QTimer.singleShot(0, self.window.prepare_main)
        self.started = True

    def _show_lock_early(self) -> None:
        """The lock screen from a listing of the vaults folder, before the node exists (it loads
        its event types, dispatcher and vault store, and later SQLAlchemy and the method modules),
        so the window paints at once; the node's own list replaces this one as soon as it
        answers. Not for a vault that unlocks from the keyring: its lock screen would only flash."""
        from mainframe_os.node.paths import HomePaths

        names = _vault_folder_names(HomePaths(self.home).vaults)
        if not names:
            return
        last = self.prefs.last_vault
        target = last if last in names else names[0]
        if self.prefs.remembered(target):
            return
        self.window.lock_screen.set_vaults(names, target)
        self.window.show_lock(target, refresh=False)  # `start` asks the node for its list

    def show(self) -> None:
        self.window.show()

    def open_package(self, path: str) -> None:
        """Review `path` (a .mfapp file or an app folder) for install: now if a vault is open,
        else right after the unlock (the lock screen says so)."""
        log.info("asked to open %s for install", Path(path).name)
        self.window.bring_forward()
        self.pending_install = path
        if self.window.page == "main":
            QTimer.singleShot(0, self._review_pending)
        else:
            self.window.lock_screen.set_pending_install(Path(path).name)

    def _review_pending(self) -> None:
        path, self.pending_install = self.pending_install, None
        self.window.lock_screen.set_pending_install(None)
        main = self.window.main
        if path and main is not None and self.window.page == "main":
            main.show_screen("apps")
            main.apps.install(path)

    def _page_changed(self, page: str) -> None:
        self.tray.set_locked(page != "main")
        if page == "main" and self.pending_install:
            QTimer.singleShot(0, self._review_pending)
        if page == "main":
            self.idle.arm()
            # The chain (web3, py-evm) loads for the payment watcher: after the window painted.
            QTimer.singleShot(WALLET_START_DELAY_MS, self._start_wallet)
        else:
            self.idle.disarm()
        main = self.window.main
        if main is not None and page == "main" and not getattr(main, "_wired", False):
            main._wired = True
            main.settings.theme_changed.connect(self.set_theme)
            main.settings.autolock_changed.connect(self._autolock_changed)
            main.notifications.arrived.connect(self.tray.message)
            main.contacts.unread.changed.connect(self.tray.set_unread)
            self.tray.on_messages = lambda: (self.window.bring_forward(), main.show_screen("contacts"))
            main.settings.about.offer_found.connect(
                lambda v: self.tray.message("Mainframe OS", f"Version {v} is available (Settings → About).")
            )
        if page == "main" and self.prefs.update_check and self.ctx.updates is not None and self.ctx.updates.due():
            self.check_updates()

    def check_updates(self) -> None:
        """The once-a-day check (when allowed); an offer shows in Settings -> About and the tray."""

        async def run() -> None:
            offer = await self.ctx.updates.check()
            main = self.window.main
            if offer is not None and main is not None:
                main.settings.about.show_offer(offer)

        self.ctx.ops.run(run(), quiet=True, title="Update check")

    def _start_wallet(self) -> None:
        if self.window.page == "main" and not self._closed:
            self.ctx.ops.run(self.session.start_wallet(), quiet=True, title="Payment watcher")

    def set_theme(self, mode: str) -> None:
        from .style import apply_theme

        apply_theme(self.app, mode)

    def _autolock_changed(self, minutes: int) -> None:
        self.idle.set_minutes(minutes)
        if self.window.page == "main":
            self.idle.arm()

    def _idle_lock(self) -> None:
        if self.node.vault is not None:
            log.info("locking after %s idle minutes", self.idle.minutes)
            self.window.lock()

    def quit(self) -> None:
        self.window._closing_ok = True
        self.window.close()
        self.on_quit()

    def on_quit(self) -> None:
        """Replaced by the running loop (`_run`) with what ends it."""

    async def shutdown(self) -> None:
        """Cancel and drain GUI tasks, then close the node (locks the vault)."""
        if self._closed:
            return
        self._closed = True
        self.window.shutting_down = True
        self.ctx.drop_held_events()  # an unlock's screen refreshes (and socket start) never run now
        if self.ctx.app_host_started:
            self.ctx.app_host().close_all()
        await self.ctx.ops.drain()
        await self.session.close()
        self.ctx.listening = False  # the node's last events (the vault locking) find no screen to refresh
        await self.node.close()
        self.single.close()
        self.tray.hide()
        self.idle.unwatch()

    def close(self) -> None:
        """Synchronous shutdown for tests: runs :meth:`shutdown` on the qasync loop. Idempotent."""
        if getattr(self, "_detached", False):
            return
        self._detached = True
        import asyncio

        loop = asyncio.get_event_loop()
        fut = asyncio.ensure_future(self.shutdown())
        app = self.app
        while not fut.done():
            app.processEvents()
            time.sleep(0.002)
        fut.result()
        self.window.hide()
        self.window.deleteLater()
        self.idle.deleteLater()
        self.single.deleteLater()
        app.processEvents()
        _detach_loop(loop)


def _detach_loop(loop: asyncio.AbstractEventLoop) -> None:
    import asyncio
    import asyncio.events as ev

    if ev._get_running_loop() is loop:
        ev._set_running_loop(None)
    # An `already_running` qasync loop counts itself as running. Its stop() would call
    # app.exit(), which poisons the next loop started on this QApplication: clear the flag only.
    if loop.is_running():
        loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    asyncio.set_event_loop(None)
    if not loop.is_closed():
        loop.close()


def create_app(
    home: str | os.PathLike[str] | None = None,
    argv: list[str] | None = None,
    exec: bool = False,
    open_path: str | None = None,
    screenshot: str | None = None,
) -> Any:
    """Build the launcher. With `exec=False` (tests) return the shown :class:`Launcher` on a qasync
    loop that runs whenever Qt processes events; with `exec=True` run until quit, return the exit code.

    `open_path`: a package to review for install (handed to the running launcher of this home if
    there is one). `screenshot`: save the first screen there and quit (see `snapshot`)."""
    from mainframe_os.node.paths import HomePaths

    paths = HomePaths.resolve(home)
    app = ensure_app(argv)
    from .single_instance import signal_running

    if open_path:
        open_path = str(Path(open_path).expanduser().resolve())
    if screenshot is None and signal_running(paths.root, open_path=open_path):
        log.info("another launcher owns %s: handed over to it", paths.root)
        return 0 if exec else None
    paths.ensure()
    launcher = Launcher(app, paths.root, attach=False)
    launcher.paint_first()
    _setup_logging(paths.root)
    import asyncio

    from .qt_loop import QtLoop

    if exec:
        with asyncio.Runner(loop_factory=lambda: QtLoop(app)) as runner:
            return runner.run(_run(launcher, open_path, screenshot))
    loop = QtLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(_loop_exception_handler)
    launcher.attach()
    launcher.start_task = asyncio.ensure_future(launcher.start())
    if open_path:
        launcher.open_package(open_path)
    return launcher


async def _run(launcher: Launcher, open_path: str | None = None, screenshot: str | None = None) -> int:
    import asyncio

    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_loop_exception_handler)
    app = launcher.app
    launcher.attach()
    quit_event = asyncio.Event()
    # Qt must not leave its loop on its own: the node still has to close (lock the vault, stop
    # threads) on this loop. Closing the window ends the coroutine; the runner then stops Qt.
    app.setQuitOnLastWindowClosed(False)
    app.lastWindowClosed.connect(quit_event.set)
    launcher.on_quit = quit_event.set  # type: ignore[method-assign]
    if open_path:
        launcher.open_package(open_path)
    try:
        await launcher.start()
    except Exception as exc:  # noqa: BLE001 - show it, keep the window
        launcher.ctx.errors.present(exc, "Mainframe OS could not start")
    log.info("ready in %.2f s: %s", time.perf_counter() - STARTED_AT, launcher.window.page)
    if screenshot:
        from .snapshot import save

        await asyncio.sleep(0.3)  # the loop turns: layout, paint, queued calls of the first screen
        save(launcher.window, Path(screenshot))
        quit_event.set()
    await quit_event.wait()
    await launcher.shutdown()
    return 0


def _is_package(arg: str) -> bool:
    p = Path(arg).expanduser()
    return arg.endswith(".mfapp") or (p.is_dir() and (p / "manifest.json").is_file())


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="mainframe-os", description="Mainframe OS launcher")
    parser.add_argument("--home", help="home folder (default: $MAINFRAME_OS_HOME or the user data dir)")
    parser.add_argument("--version", action="store_true", help="show the version and the component versions")
    parser.add_argument("--screenshot", metavar="PNG", help="save the first screen (and PNG.json) and quit")
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        from mainframe_os.about import report

        print(report())
        return 0
    # A .mfapp file (or app folder) opens the install review; everything else is Qt's (-platform ...).
    packages = [a for a in rest if not a.startswith("-") and _is_package(a)]
    qt_args = [a for a in rest if a not in packages]
    open_path = packages[0] if packages else None
    return int(create_app(args.home, qt_args, exec=True, open_path=open_path, screenshot=args.screenshot) or 0)


if __name__ == "__main__":
    sys.exit(main())
