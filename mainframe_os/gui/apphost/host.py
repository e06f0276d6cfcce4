"""AppHost: opens installed apps (and dev folders) in sandboxed windows, one per (identity, app).

Each open app is an `OpenApp`: its profile, page, channel, bridge and node session. The host
keeps the WEB_REQUEST domains of each open app in memory (the interceptor and the CSP header
must answer synchronously) and refreshes them when the app's grants change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mainframe_os.node.apps.hosting import AppHosting, AppSession, AppSource, DevSource
from mainframe_os.node.context import CallerContext
from mainframe_os.node.events import AppGrantsChanged

from .. import netgate, qt_web
from ..qt import QFileSystemWatcher, QObject, QTimer, QUrl, Signal
from ..qt_web import QWebChannel
from .bridge import AppBridge
from .sandbox import AppPage, AppRequestInterceptor, AppSandboxProfile
from .scheme import SCHEME, AppSchemeHandler
from .sdk_script import build_script

log = logging.getLogger("mainframe_os.gui.apphost")


@dataclass
class OpenApp:
    ctx: CallerContext
    source: AppSource
    profile: AppSandboxProfile
    page: AppPage
    channel: QWebChannel
    bridge: AppBridge
    session: AppSession
    interceptor: AppRequestInterceptor
    handler: AppSchemeHandler
    domains: list[str]
    opened_at: float
    dev: bool = False
    window: Any = None
    watcher: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> QUrl:
        return QUrl(f"{SCHEME}://{self.ctx.app_id}/{self.source.manifest.entry}")


class AppHost(QObject):
    """Opens apps for the node. Needs a running qasync loop (the launcher's)."""

    opened = Signal(object)  # OpenApp
    closed = Signal(str, str)  # identity id, app id

    def __init__(self, node: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        qt_web.start()  # the gate proxy and mfapp://, before any page exists
        self.node = node  # for node.call and node.events only: the rest goes through `hosting`
        self.hosting = AppHosting(node)
        self.apps: dict[tuple[str, str], OpenApp] = {}
        self._unsub = node.events.subscribe(AppGrantsChanged, self._on_grants)

    async def _identity(self, identity_id: str | None) -> str:
        """The identity an app opens as: the given one, or the active one."""
        return str((await self.node.call("identity_get", {"id": identity_id}))["id"])

    async def open(self, app_id: str, identity_id: str | None = None, *, show: bool = True) -> Any:
        """Open (or raise) an installed app's window."""
        ident = await self._identity(identity_id)
        existing = self.apps.get((ident, app_id))
        if existing is not None:
            if show and existing.window is not None:
                existing.window.show()
                existing.window.raise_()
            return existing.window
        source = await self.hosting.source(ident, app_id)
        return await self._open(ident, source, show=show)

    async def open_dev(self, folder: str | Path, identity_id: str | None = None, *, show: bool = True) -> Any:
        """`mfos app dev`: an unsigned folder, reloaded when its files change, dev tools on F12."""
        ident = await self._identity(identity_id)
        source = await self.hosting.dev_source(ident, folder)
        window = await self._open(ident, source, show=show, dev=True)
        app = self.apps[(ident, source.manifest.id)]
        watcher = QFileSystemWatcher(app.page)
        for p in [source.folder, *[d for d in source.folder.rglob("*") if d.is_dir() and not d.name.startswith(".")]]:
            watcher.addPath(str(p))
        for e in source.manifest.contents:
            watcher.addPath(str(source.folder / e.path))
        debounce = QTimer(app.page)
        debounce.setSingleShot(True)
        debounce.setInterval(250)
        debounce.timeout.connect(lambda: self.reload(app))
        watcher.fileChanged.connect(lambda _p: debounce.start())
        watcher.directoryChanged.connect(lambda _p: debounce.start())
        app.watcher = watcher
        return window

    def reload(self, app: OpenApp) -> None:
        if isinstance(app.source, DevSource):
            try:
                app.source.reload()
            except Exception as exc:  # noqa: BLE001 - a half-saved manifest: keep the old one
                log.warning("dev reload failed: %s", exc)
                return
        if app.page.url().host() == app.ctx.app_id:
            # bypass Blink's memory cache: every file is fetched (and re-hashed) again
            app.page.triggerAction(app.page.WebAction.ReloadAndBypassCache)
        else:
            app.page.load(app.url)

    async def _open(self, ident: str, source: AppSource, *, show: bool, dev: bool = False) -> Any:
        from .window import AppWindow

        t0 = time.perf_counter()
        app_id = source.manifest.id
        ctx = CallerContext.app(app_id, ident)
        domains = await self.hosting.web_domains(ident, app_id)
        holder: dict[str, OpenApp] = {}

        def current_source() -> AppSource:
            return holder["app"].source

        def current_domains() -> list[str]:
            return holder["app"].domains

        handler = AppSchemeHandler(app_id, current_source, current_domains)
        interceptor = AppRequestInterceptor(app_id, current_domains)
        profile = AppSandboxProfile(
            self.hosting.profile_dir(ident, app_id), app_id, handler, interceptor, build_script(app_id)
        )
        handler.setParent(profile)
        interceptor.setParent(profile)
        page = AppPage(profile, app_id)
        bridge = AppBridge(page)
        channel = QWebChannel(page)
        channel.registerObject("bridge", bridge)
        page.setWebChannel(channel)
        session = self.hosting.open_session(ctx, bridge.post)  # lifts a "block for now"
        bridge.attach(session)
        app = OpenApp(ctx, source, profile, page, channel, bridge, session, interceptor, handler, domains, t0, dev=dev)
        holder["app"] = app
        self.apps[(ident, app_id)] = app
        app.extra["ungate"] = netgate.GATE.add(current_domains)  # the proxy lets its grants out too
        await session.refresh_accounts()
        app.window = AppWindow(self, app)
        page.load(app.url)
        if show:
            app.window.show()
        self.opened.emit(app)
        return app.window

    def close(self, app: OpenApp) -> None:
        key = (app.ctx.identity_id or "", app.ctx.app_id or "")
        if self.apps.get(key) is not app:
            return
        del self.apps[key]
        app.extra.pop("ungate", lambda: None)()
        app.bridge.close()
        if app.watcher is not None:
            app.watcher.deleteLater()
        # The page must go before its profile, or Chromium complains and may leak the profile.
        profile = app.profile
        app.page.destroyed.connect(profile.deleteLater)
        if app.window is not None:
            app.window.detach_page()
        app.page.deleteLater()
        self.closed.emit(*key)

    def close_apps(self, identity_id: str | None = None, app_id: str | None = None) -> None:
        """Close open apps (all, one identity's, or one app of an identity); the host stays usable."""
        for (ident, aid), app in list(self.apps.items()):
            if (identity_id is not None and ident != identity_id) or (app_id is not None and aid != app_id):
                continue
            if app.window is not None:
                app.window.close()
            else:
                self.close(app)

    def close_all(self) -> None:
        """Close every app and stop following grant changes (the host is done)."""
        self.close_apps()
        self._unsub()

    def _on_grants(self, e: AppGrantsChanged) -> None:
        app = self.apps.get((e.identity_id, e.app_id))
        if app is None:
            return

        async def refresh() -> None:
            try:
                app.domains = await self.hosting.web_domains(e.identity_id, e.app_id)
            except Exception:  # noqa: BLE001 - uninstalled meanwhile: no domains
                app.domains = []
            if app.window is not None:
                await app.window.refresh_bar()

        asyncio.ensure_future(refresh())
