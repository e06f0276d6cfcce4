"""The one Qt doorway: every Qt name the launcher uses comes from here.

Other GUI modules write ``from .qt import QWidget, Signal`` (never ``from PySide6...``), so the Qt
binding, its version check and the switches that must be set before ``QApplication`` exists live
in one file. QtWebEngine is *not* imported here: it costs ~150 ms and the window must appear
before it loads; the app host imports it lazily through :func:`webengine`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import PySide6
from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QObject,
    QPoint,
    QSettings,
    QSize,
    QStandardPaths,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
    QShortcut,
)
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QSystemTrayIcon,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

QT_VERSION = tuple(int(p) for p in PySide6.__version__.split(".")[:2])
if QT_VERSION < (6, 5):  # QStyleHints.colorScheme (system theme) arrived in 6.5
    raise ImportError(f"Mainframe OS needs PySide6 >= 6.5, found {PySide6.__version__}")

_before_app_hooks: list[Callable[[], None]] = []


def add_before_app_hook(fn: Callable[[], None]) -> None:
    """Run `fn` in :func:`before_app` (e.g. the app host registering its URL scheme).

    Hooks must be added before the QApplication is created; adding one later raises, because
    Qt silently ignores scheme registration and context-sharing flags set after that point.
    """
    if QApplication.instance() is not None:
        raise RuntimeError("before_app hooks must be added before the QApplication exists")
    _before_app_hooks.append(fn)


# Chromium switches for every QtWebEngine page (dapps, the buy-ETH provider window).
# WebRTC: Qt maps WebRTCPublicInterfacesOnly to a renderer preference that still lets a page's
# RTCPeerConnection send STUN/TURN and ICE checks over UDP to any address it names (the STUN
# USERNAME carries page-chosen bytes) and reveal the LAN address through a reflexive candidate.
# The *forced* policy overrides that preference: no UDP at all, no host or reflexive candidates.
# (The plain --webrtc-ip-handling-policy switch is ignored by QtWebEngine: Qt's preference wins.)
CHROMIUM_FLAGS = ("--force-webrtc-ip-handling-policy=disable_non_proxied_udp",)


def add_chromium_flags(flags: tuple[str, ...]) -> None:
    """Append switches to QTWEBENGINE_CHROMIUM_FLAGS (read once, when QtWebEngine starts)."""
    current = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join([*current, *(f for f in flags if f not in current)])


def before_app() -> None:
    """Everything Qt needs before ``QApplication(...)``. Idempotent.

    - QtWebEngine needs a shared OpenGL context, set before the app exists, even though
      QtWebEngine itself is only imported later (lazily) when the first app opens.
    - As root (containers, CI) Chromium refuses to start without its sandbox disabled.
    - Chromium switches (:data:`CHROMIUM_FLAGS`: WebRTC sends no UDP) go into its environment.
    - Hooks from :func:`add_before_app_hook` (custom URL schemes for the app host) run last.
    """
    if QApplication.instance() is not None:
        return
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts, True)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # headless machine: run rather than abort
    add_chromium_flags(CHROMIUM_FLAGS)
    QGuiApplication.setApplicationName("Mainframe OS")
    QGuiApplication.setOrganizationName("Mainframe OS")
    QGuiApplication.setDesktopFileName("mainframe-os")
    for hook in _before_app_hooks:
        hook()


_webengine_ready = False


def webengine() -> object:
    """Import QtWebEngine lazily: call this before making any QtWebEngine object (the app host
    when the first dapp opens, the buy-ETH provider window).

    The first call also registers the app host's ``mfapp://`` scheme. Chromium reads custom
    schemes once, when the first QtWebEngine object is created, not when the QApplication is:
    registering here (rather than in a before-app hook, which would import QtWebEngineCore,
    ~25 ms, on every start) keeps QtWebEngine out of startup and is still early enough.
    Processes that want it before the app exists (tests, benchmarks) may call
    ``apphost.register_schemes()`` first; it is idempotent.
    """
    global _webengine_ready
    if not _webengine_ready:
        # every connection the engine opens goes through the gate proxy (see netgate): read by
        # Chromium when its first profile starts, so set here, before any QtWebEngine object
        from . import netgate

        add_chromium_flags(netgate.chromium_flags(netgate.start_proxy()))
    from PySide6 import QtWebEngineCore, QtWebEngineWidgets  # noqa: F401

    if not _webengine_ready:
        from .apphost.scheme import register_schemes

        register_schemes()
        _webengine_ready = True
    return QtWebEngineWidgets


def webengine_ready() -> bool:
    """Whether :func:`webengine` ran (QtWebEngine objects may exist: too late for new schemes)."""
    return _webengine_ready


__all__ = [
    "QAbstractItemView",
    "QAction",
    "QApplication",
    "QButtonGroup",
    "QByteArray",
    "QCheckBox",
    "QColor",
    "QComboBox",
    "QDialog",
    "QDialogButtonBox",
    "QEvent",
    "QFileDialog",
    "QFont",
    "QFormLayout",
    "QFrame",
    "QGridLayout",
    "QGroupBox",
    "QGuiApplication",
    "QHBoxLayout",
    "QIcon",
    "QKeySequence",
    "QLabel",
    "QLineEdit",
    "QListWidget",
    "QListWidgetItem",
    "QLocalServer",
    "QLocalSocket",
    "QMainWindow",
    "QMenu",
    "QMessageBox",
    "QObject",
    "QPainter",
    "QPainterPath",
    "QPalette",
    "QPixmap",
    "QPlainTextEdit",
    "QPoint",
    "QProgressBar",
    "QPushButton",
    "QRadioButton",
    "QScrollArea",
    "QSettings",
    "QShortcut",
    "QSize",
    "QSizePolicy",
    "QSpinBox",
    "QStackedWidget",
    "QStandardPaths",
    "QSystemTrayIcon",
    "QTabWidget",
    "QTimer",
    "QToolButton",
    "QUrl",
    "QVBoxLayout",
    "QWidget",
    "QT_VERSION",
    "Qt",
    "Signal",
    "Slot",
    "add_before_app_hook",
    "before_app",
    "webengine",
    "webengine_ready",
]
