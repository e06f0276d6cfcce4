"""The one Qt doorway: every Qt name the launcher uses comes from here.

Other GUI modules write ``from .qt import QWidget, Signal`` (never ``from PySide6...``), so the Qt
binding, its version check and the switches that must be set before ``QApplication`` exists live
in one file. QtWebEngine is *not* imported here: it costs ~150 ms and the window must appear
before it loads; its names come from the second doorway, gui/qt_web.py, imported when the first
web page is about to open.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import PySide6

# Each name is imported from its PySide6 module on first use (module __getattr__ below), so a
# process that needs QtCore only (the version report) does not load QtWidgets. Type checkers
# read the same names from the imports under TYPE_CHECKING.
_NAMES = {
    "QtCore": (
        "QBuffer",
        "QByteArray",
        "QCryptographicHash",
        "QDir",
        "QEvent",
        "QEventLoop",
        "QFile",
        "QFileSystemWatcher",
        "QIODevice",
        "QMimeData",
        "QObject",
        "QPoint",
        "QSettings",
        "QSize",
        "QStandardPaths",
        "Qt",
        "QTimer",
        "QUrl",
        "Signal",
        "Slot",
        "qVersion",
    ),
    "QtGui": (
        "QAction",
        "QCloseEvent",
        "QColor",
        "QDrag",
        "QFont",
        "QGuiApplication",
        "QIcon",
        "QKeySequence",
        "QPainter",
        "QPainterPath",
        "QPalette",
        "QPixmap",
        "QShortcut",
    ),
    "QtNetwork": (
        "QLocalServer",
        "QLocalSocket",
    ),
    "QtWidgets": (
        "QAbstractItemView",
        "QApplication",
        "QBoxLayout",
        "QButtonGroup",
        "QCheckBox",
        "QComboBox",
        "QDialog",
        "QDialogButtonBox",
        "QFileDialog",
        "QFormLayout",
        "QFrame",
        "QGridLayout",
        "QGroupBox",
        "QHBoxLayout",
        "QLabel",
        "QLineEdit",
        "QListWidget",
        "QListWidgetItem",
        "QMainWindow",
        "QMenu",
        "QMessageBox",
        "QPlainTextEdit",
        "QProgressBar",
        "QPushButton",
        "QRadioButton",
        "QScrollArea",
        "QSizePolicy",
        "QSlider",
        "QSpinBox",
        "QStackedWidget",
        "QSystemTrayIcon",
        "QTabWidget",
        "QToolButton",
        "QVBoxLayout",
        "QWidget",
    ),
}
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}

if TYPE_CHECKING:
    from PySide6.QtCore import (
        QBuffer,
        QByteArray,
        QCryptographicHash,
        QDir,
        QEvent,
        QEventLoop,
        QFile,
        QFileSystemWatcher,
        QIODevice,
        QMimeData,
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
        qVersion,
    )
    from PySide6.QtGui import (
        QAction,
        QCloseEvent,
        QColor,
        QDrag,
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
    from PySide6.QtNetwork import (
        QLocalServer,
        QLocalSocket,
    )
    from PySide6.QtWidgets import (
        QAbstractItemView,
        QApplication,
        QBoxLayout,
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
        QSlider,
        QSpinBox,
        QStackedWidget,
        QSystemTrayIcon,
        QTabWidget,
        QToolButton,
        QVBoxLayout,
        QWidget,
    )


def lazy_names(module_of: dict[str, str], namespace: dict[str, Any], owner: str) -> Callable[[str], Any]:
    """A module `__getattr__` loading each PySide6 name of `module_of` on first use into
    `namespace` (later uses are plain global lookups): how both Qt doorways stay lazy."""

    def load(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"PySide6.{module}"), name)
        namespace[name] = value
        return value

    return load


__getattr__ = lazy_names(_MODULE_OF, globals(), __name__)


PYSIDE_VERSION: str = PySide6.__version__
QT_VERSION = tuple(int(p) for p in PYSIDE_VERSION.split(".")[:2])
if QT_VERSION < (6, 5):  # QStyleHints.colorScheme (system theme) arrived in 6.5
    raise ImportError(f"Mainframe OS needs PySide6 >= 6.5, found {PYSIDE_VERSION}")

_before_app_hooks: list[Callable[[], None]] = []


def add_before_app_hook(fn: Callable[[], None]) -> None:
    """Run `fn` in :func:`before_app` (e.g. the app host registering its URL scheme).

    Hooks must be added before the QApplication is created; adding one later raises, because
    Qt silently ignores scheme registration and context-sharing flags set after that point.
    """
    from PySide6.QtWidgets import QApplication

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
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        return
    share_opengl_contexts()  # not through PySide's Qt namespace: see below
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


# -- Two calls through Qt's own C++ functions (ctypes), not PySide, before the first paint -------
# Any `Qt.*` enum value passing between Python and Qt makes PySide build its whole `Qt` namespace:
# about 110 Python enum classes, ~30 ms, a fifth of what a bare PySide6 window takes to paint.
# Before the lock screen paints, the launcher needs two such values: the application attribute
# QtWebEngine wants set before the QApplication exists (it loads later, when the first app opens)
# and the desktop's colour scheme (for the "system" theme). On Linux, where PySide has loaded Qt's
# libraries, their exported functions take and give plain ints; anywhere else, or if a symbol is
# missing, PySide makes the call as usual. The lock screen's own enum values go through Qt's
# meta-object system by name (``label.setProperty("alignment", "AlignCenter")``).

AA_SHARE_OPENGL_CONTEXTS = 18  # Qt::ApplicationAttribute: Qt 6's numbering, fixed by its ABI
COLOR_SCHEME_DARK = 2  # Qt::ColorScheme: Unknown, Light, Dark
SET_ATTRIBUTE = ("libQt6Core.so.6", "_ZN16QCoreApplication12setAttributeEN2Qt20ApplicationAttributeEb")
COLOR_SCHEME = ("libQt6Gui.so.6", "_ZNK11QStyleHints11colorSchemeEv")


def _loaded_function(library: str, symbol: str) -> Any:
    """`symbol` of Qt's `library` as PySide loaded it (RTLD_NOLOAD: never a second copy), or None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return getattr(ctypes.CDLL(library, mode=os.RTLD_NOLOAD | os.RTLD_NOW), symbol)
    except (OSError, AttributeError):
        return None


def share_opengl_contexts() -> None:
    """`QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)`."""
    import PySide6.QtCore  # noqa: F401 - loads libQt6Core, whose function this calls

    set_attribute = _loaded_function(*SET_ATTRIBUTE)
    if set_attribute is None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts, True)
        return
    import ctypes

    set_attribute.argtypes = [ctypes.c_int, ctypes.c_bool]
    set_attribute.restype = None
    set_attribute(AA_SHARE_OPENGL_CONTEXTS, True)


def prefers_dark(app: Any) -> bool:
    """`app.styleHints().colorScheme() == Qt.ColorScheme.Dark`."""
    hints = app.styleHints()
    color_scheme = _loaded_function(*COLOR_SCHEME)
    if color_scheme is None:
        from PySide6.QtCore import Qt

        return bool(hints.colorScheme() == Qt.ColorScheme.Dark)
    import ctypes

    from shiboken6 import Shiboken

    color_scheme.argtypes = [ctypes.c_void_p]
    color_scheme.restype = ctypes.c_int
    return bool(color_scheme(Shiboken.getCppPointer(hints)[0]) == COLOR_SCHEME_DARK)


__all__ = [
    "QBuffer",
    "QCloseEvent",
    "QFile",
    "QFileSystemWatcher",
    "QIODevice",
    "PYSIDE_VERSION",
    "qVersion",
    "add_chromium_flags",
    "QAbstractItemView",
    "QAction",
    "QApplication",
    "QBoxLayout",
    "QButtonGroup",
    "QByteArray",
    "QCryptographicHash",
    "QCheckBox",
    "QColor",
    "QComboBox",
    "QDialog",
    "QDir",
    "QDialogButtonBox",
    "QDrag",
    "QEvent",
    "QEventLoop",
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
    "QMimeData",
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
    "QSlider",
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
    "prefers_dark",
    "share_opengl_contexts",
]
