"""The `mfapp://<app-id>/<path>` scheme: each app's verified files, and nothing else.

`register_schemes()` must run before the first QtWebEngine object exists: the launcher does it in
`gui.qt_web.start()`, the lazy QtWebEngine doorway; tests and benchmarks before the QApplication.
The handler serves only paths listed in the app's verified manifest, re-hashing each file as
it serves it (a file changed on disk since install is refused), with a strict
Content-Security-Policy: scripts only from the app itself (no inline, no eval), no frames, no
forms, and network connections only to the domains the user granted through WEB_REQUEST.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable
from pathlib import Path

from mainframe_os.datafiles import sdk_dir
from mainframe_os.node.apps.hosting import AppFileRefused, AppSource

from ..qt import QBuffer, QByteArray, QIODevice, QUrl
from ..qt_web import APP_SCHEME, QWebEngineUrlRequestJob, QWebEngineUrlSchemeHandler, register_app_scheme

log = logging.getLogger("mainframe_os.gui.apphost")

SCHEME = APP_SCHEME
SDK_MODULE_PATH = "_mainframe/mainframe-sdk.mjs"
_MIME = {
    ".html": "text/html",
    ".htm": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
    ".txt": "text/plain",
    ".map": "application/json",
}


def register_schemes() -> None:
    """Declare mfapp:// to Chromium, before any QtWebEngine object exists; idempotent (the Qt
    side of it lives in the WebEngine doorway, gui/qt_web.py)."""
    register_app_scheme()


def content_security_policy(app_host: str, domains: list[str], relaxations: tuple[str, ...] = ()) -> str:
    """The policy of every file of an app: strict, except the keyword sources its signed manifest
    asked for (`csp`: "unsafe-eval" / "wasm-unsafe-eval", shown to the user at install)."""
    own = f"{SCHEME}://{app_host}"
    script = " ".join([own, *(f"'{r}'" for r in relaxations if r in ("unsafe-eval", "wasm-unsafe-eval"))])
    remote = []
    for d in domains:
        host = d.split(":")[0].lstrip("*.")
        schemes = ("http", "ws", "https", "wss") if host in ("localhost", "127.0.0.1") else ("https", "wss")
        # A grant without a port allows every port (sandbox.domain_allows); in CSP a source
        # without a port means only the scheme's default one, so say ":*" explicitly.
        source = d if ":" in d else f"{d}:*"
        remote += [f"{s}://{source}" for s in schemes]
    connect = " ".join([own, *remote])
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {script}",
            f"style-src {own} 'unsafe-inline'",
            f"img-src {own} data: blob: {' '.join(r for r in remote if r.startswith('http'))}".rstrip(),
            f"font-src {own} data:",
            f"media-src {own} blob:",
            f"connect-src {connect}",
            f"worker-src {own} blob:",
            "frame-src 'none'",
            "child-src 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def response_headers(policy: str) -> dict[QByteArray, list[QByteArray]]:
    """The headers of every file served, in the shape PySide6 needs for Qt's QMultiMap.

    PySide converts each dict value to a *list* of values: a bare QByteArray (or bytes) becomes
    one header per character, and Chromium then ignores the whole policy. One-item lists keep
    each header whole; tests/webengine/test_csp.py reads the policy back inside the page.
    """
    return {
        QByteArray(b"Content-Security-Policy"): [QByteArray(policy.encode())],
        QByteArray(b"X-Content-Type-Options"): [QByteArray(b"nosniff")],
        QByteArray(b"Referrer-Policy"): [QByteArray(b"no-referrer")],
        QByteArray(b"Cache-Control"): [QByteArray(b"no-store")],
    }


def mime_for(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return _MIME.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


# Where refused requests end: an empty data: URL, which fetch() refuses to follow from mfapp://.
_REFUSED = QUrl("data:,")


def refuse(job: QWebEngineUrlRequestJob) -> None:
    """End a request the app may not have, so that whatever waits on it settles.

    QtWebEngine turns job.fail(...) into an HTTP error response (400/403/404) whose body never
    ends: `await (await fetch("missing.js")).text()` hangs forever. A redirect to an empty data:
    URL ends the request as a network error instead: fetch() rejects ("Failed to fetch"), a
    <script> or <img> fires `error`, and a navigation is refused by AppPage.
    """
    job.redirect(_REFUSED)


class AppSchemeHandler(QWebEngineUrlSchemeHandler):
    """Serves one app (one profile = one app, so another app's host is simply not found)."""

    def __init__(
        self, app_host: str, source: Callable[[], AppSource], domains: Callable[[], list[str]], parent: object = None
    ) -> None:
        super().__init__(parent)
        self.app_host = app_host
        self._source = source
        self._domains = domains
        self.served: list[str] = []
        self.refused: list[str] = []

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 - Qt override
        url = job.requestUrl()
        path = url.path().lstrip("/") or self._source().manifest.entry
        if url.host() != self.app_host or bytes(job.requestMethod().data()) not in (b"GET", b"HEAD"):
            self.refused.append(url.toString())
            refuse(job)
            return
        try:
            if path == SDK_MODULE_PATH:
                data = (sdk_dir() / "mainframe-sdk.mjs").read_bytes()
            else:
                data = self._source().read(path)
        except AppFileRefused as exc:
            log.warning("refused %s: %s", url.toString()[:200], exc.message)
            self.refused.append(path)
            refuse(job)
            return
        self.served.append(path)
        buf = QBuffer(job)
        buf.setData(QByteArray(data))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        policy = content_security_policy(self.app_host, self._domains(), self._source().manifest.csp)
        job.setAdditionalResponseHeaders(response_headers(policy))
        job.reply(mime_for(path).encode(), buf)
