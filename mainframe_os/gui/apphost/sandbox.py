"""The sandbox of one app: its own profile (storage per identity and app), a request interceptor,
and a page that refuses to leave the app.

    AppSandboxProfile   QWebEngineProfile with hardened settings, the mfapp handler, the
                        interceptor and the injected SDK script; persistent storage under
                        <home>/apps/profiles/<identity>/<app>
    AppRequestInterceptor  lets through the app's own mfapp:// host and the WEB_REQUEST domains
    AppPage             refuses navigation away, new windows, downloads and browser permissions
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from .. import netgate
from ..qt import QUrl, Signal
from ..qt_web import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineScript,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from .scheme import SCHEME, AppSchemeHandler

log = logging.getLogger("mainframe_os.gui.apphost")


def domain_allows(domains: list[str], url: QUrl) -> bool:
    """Is `url` inside a granted domain? The rule lives in :mod:`..netgate` (the proxy asks it too)."""
    return netgate.domain_allows(domains, url.scheme(), url.host(), url.port())


class AppRequestInterceptor(QWebEngineUrlRequestInterceptor):
    """Every request of the app's pages passes here (Qt 6 calls it on the UI thread)."""

    def __init__(self, app_host: str, domains: Callable[[], list[str]], parent: object = None) -> None:
        super().__init__(parent)
        self.app_host = app_host
        self._domains = domains
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 - Qt override
        url = info.requestUrl()
        scheme = url.scheme()
        if scheme == SCHEME and url.host() == self.app_host:
            return
        if scheme in ("data", "blob"):  # in-page data, no network
            return
        if domain_allows(self._domains(), url):
            return
        self.blocked.append(url.toString()[:300])
        log.info("blocked request from app %s to %s", self.app_host[:12], url.toString()[:200])
        info.block(True)


class AppPage(QWebEnginePage):
    """The app's page: stays on the app, opens nothing, is granted no browser permission."""

    refused = Signal(str, str)  # (what, detail): for the trusted bar and tests

    def __init__(self, profile: QWebEngineProfile, app_host: str, parent: object = None) -> None:
        super().__init__(profile, parent)
        self.app_host = app_host
        self.console: list[tuple[int, str]] = []
        self.permissionRequested.connect(self._deny_permission)
        self.fileSystemAccessRequested.connect(lambda req: (req.reject(), self.refused.emit("filesystem", "")))
        self.desktopMediaRequested.connect(lambda req: (req.cancel(), self.refused.emit("screen capture", "")))
        self.fullScreenRequested.connect(lambda req: req.reject())
        self.registerProtocolHandlerRequested.connect(lambda req: req.reject())

    def _deny_permission(self, permission: object) -> None:
        kind = getattr(permission, "permissionType", lambda: "?")()
        permission.deny()  # type: ignore[attr-defined]
        self.refused.emit("permission", str(getattr(kind, "name", kind)))

    def acceptNavigationRequest(self, url: QUrl, nav_type: QWebEnginePage.NavigationType, is_main_frame: bool) -> bool:  # noqa: N802
        if url.scheme() == SCHEME and url.host() == self.app_host:
            return True
        if url.scheme() in ("data", "blob", "about") and not is_main_frame:
            return True
        self.refused.emit("navigation", url.toString()[:300])
        return False

    def createWindow(self, window_type: QWebEnginePage.WebWindowType) -> QWebEnginePage | None:  # noqa: N802
        self.refused.emit("window", str(window_type))
        return None

    def javaScriptConsoleMessage(
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,  # noqa: N802
        line: int,
        source: str,
    ) -> None:
        self.console.append((int(level.value), message))
        del self.console[:-200]
        log.debug("app %s console: %s (%s:%d)", self.app_host[:12], message[:500], source[:100], line)


class AppSandboxProfile(QWebEngineProfile):
    """One profile per (identity, app): separate cookies, localStorage, IndexedDB and cache."""

    def __init__(
        self,
        storage_path: Path,
        app_host: str,
        scheme_handler: AppSchemeHandler,
        interceptor: AppRequestInterceptor,
        script_source: str,
        parent: object = None,
    ) -> None:
        storage_path.mkdir(parents=True, exist_ok=True)
        # The storage name keys Chromium's in-process profile: unique per identity and app.
        super().__init__(f"mfapp-{storage_path.parent.name[:16]}-{app_host[:16]}", parent)
        self.setPersistentStoragePath(str(storage_path / "storage"))
        self.setCachePath(str(storage_path / "cache"))
        self.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
        self.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
        if hasattr(self, "setPersistentPermissionsPolicy"):
            self.setPersistentPermissionsPolicy(QWebEngineProfile.PersistentPermissionsPolicy.AskEveryTime)
        self.setDownloadPath(str(storage_path / "no-downloads"))
        self.downloadRequested.connect(lambda item: item.cancel())
        self.setUrlRequestInterceptor(interceptor)
        self.installUrlSchemeHandler(SCHEME.encode(), scheme_handler)
        s = self.settings()
        A = QWebEngineSettings.WebAttribute
        for attr, on in [
            (A.JavascriptEnabled, True),
            (A.LocalStorageEnabled, True),
            (A.JavascriptCanOpenWindows, False),
            (A.JavascriptCanAccessClipboard, False),
            (A.JavascriptCanPaste, False),
            (A.LocalContentCanAccessFileUrls, False),
            (A.LocalContentCanAccessRemoteUrls, False),
            (A.AllowRunningInsecureContent, False),
            (A.PluginsEnabled, False),
            (A.PdfViewerEnabled, False),
            (A.FullScreenSupportEnabled, False),
            (A.ScreenCaptureEnabled, False),
            (A.WebRTCPublicInterfacesOnly, True),
            (A.NavigateOnDropEnabled, False),
            (A.HyperlinkAuditingEnabled, False),
            (A.DnsPrefetchEnabled, False),
            (A.AllowGeolocationOnInsecureOrigins, False),
            (A.AllowWindowActivationFromJavaScript, False),
            (A.ErrorPageEnabled, False),
        ]:
            s.setAttribute(attr, on)
        s.setUnknownUrlSchemePolicy(QWebEngineSettings.UnknownUrlSchemePolicy.DisallowUnknownUrlSchemes)
        script = QWebEngineScript()
        script.setName("mainframe-sdk")
        script.setSourceCode(script_source)
        script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
        script.setWorldId(QWebEngineScript.ScriptWorldId.MainWorld)
        script.setRunsOnSubFrames(False)
        self.scripts().insert(script)
