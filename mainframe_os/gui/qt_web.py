"""The QtWebEngine doorway: every WebEngine and WebChannel name the GUI uses comes from here,
as gui/qt.py is the doorway for the widgets.

Lazy: nothing imports this module at startup (QtWebEngine costs ~150 ms and the launcher's
window must appear first). The app host's modules import it, and they load when the first app
opens; the buy-ETH provider window imports it in its constructor. Before the first QtWebEngine
object exists, :func:`start` does what Chromium reads only once:

- every connection the engine opens goes through the gate proxy (gui/netgate.py);
- the app host's ``mfapp://`` scheme is registered (:func:`register_app_scheme`).

Processes that want the scheme before the QApplication exists (tests, benchmarks, ``mfos app
dev``) may call :func:`register_app_scheme` first; it is idempotent.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .qt import add_chromium_flags, lazy_names

# Imported from PySide6 on first use, like gui/qt.py: the version report needs the engine's
# version only, not its widgets.
_NAMES = {
    "QtWebChannel": ("QWebChannel",),
    "QtWebEngineCore": (
        "QWebEnginePage",
        "QWebEngineProfile",
        "QWebEngineScript",
        "QWebEngineSettings",
        "QWebEngineUrlRequestInfo",
        "QWebEngineUrlRequestInterceptor",
        "QWebEngineUrlRequestJob",
        "QWebEngineUrlScheme",
        "QWebEngineUrlSchemeHandler",
        "qWebEngineChromiumVersion",
        "qWebEngineVersion",
    ),
    "QtWebEngineWidgets": ("QWebEngineView",),
}
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}

if TYPE_CHECKING:
    from PySide6.QtWebChannel import (
        QWebChannel,
    )
    from PySide6.QtWebEngineCore import (
        QWebEnginePage,
        QWebEngineProfile,
        QWebEngineScript,
        QWebEngineSettings,
        QWebEngineUrlRequestInfo,
        QWebEngineUrlRequestInterceptor,
        QWebEngineUrlRequestJob,
        QWebEngineUrlScheme,
        QWebEngineUrlSchemeHandler,
        qWebEngineChromiumVersion,
        qWebEngineVersion,
    )
    from PySide6.QtWebEngineWidgets import (
        QWebEngineView,
    )


__getattr__ = lazy_names(_MODULE_OF, globals(), __name__)


APP_SCHEME = "mfapp"  # the app host serves each app's verified files as mfapp://<app-id>/...

_scheme_registered = False
_started = False


def register_app_scheme() -> None:
    """Declare mfapp:// to Chromium, before any QtWebEngine object exists; idempotent."""
    global _scheme_registered
    if _scheme_registered:
        return
    from PySide6.QtWebEngineCore import QWebEngineUrlScheme
    from PySide6.QtWidgets import QApplication

    if _started and QApplication.instance() is not None:
        # Chromium has read its scheme list already: a late registration is silently ignored
        raise RuntimeError("register_app_scheme() must run before the first QtWebEngine object is created")
    scheme = QWebEngineUrlScheme(APP_SCHEME.encode())
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    # Secure: a secure context (crypto.subtle, no mixed-content downgrade). Not CorsEnabled and
    # not LocalAccessAllowed: one app cannot fetch another app's files or file:// URLs.
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme | QWebEngineUrlScheme.Flag.FetchApiAllowed)
    QWebEngineUrlScheme.registerScheme(scheme)
    _scheme_registered = True


def start() -> None:
    """Call before making any QtWebEngine object (see the module docstring); idempotent.

    Chromium reads custom schemes when its first object is created, not when the QApplication
    is: registering here (rather than in a before-app hook, which would load QtWebEngine on
    every start) keeps it out of startup and is still early enough."""
    global _started
    if _started:
        return
    from . import netgate

    # read by Chromium when its first profile starts: set before any QtWebEngine object
    add_chromium_flags(netgate.chromium_flags(netgate.start_proxy()))
    importlib.import_module("PySide6.QtWebEngineWidgets")  # loads the engine (its views need it)
    register_app_scheme()
    _started = True


def started() -> bool:
    """Whether :func:`start` ran (QtWebEngine objects may exist: too late for new schemes)."""
    return _started


__all__ = [
    "APP_SCHEME",
    "QWebChannel",
    "QWebEnginePage",
    "QWebEngineProfile",
    "QWebEngineScript",
    "QWebEngineSettings",
    "QWebEngineUrlRequestInfo",
    "QWebEngineUrlRequestInterceptor",
    "QWebEngineUrlRequestJob",
    "QWebEngineUrlScheme",
    "QWebEngineUrlSchemeHandler",
    "QWebEngineView",
    "qWebEngineChromiumVersion",
    "qWebEngineVersion",
    "register_app_scheme",
    "start",
    "started",
]
