"""The Qt side of the version report (`mainframe_os.about`): Qt, QtWebEngine and its Chromium.

Importing the WebEngine doorway only loads its libraries; no web engine starts.
"""

from __future__ import annotations


def qt_versions() -> dict[str, str]:
    from .qt import PYSIDE_VERSION, qVersion

    out = {"Qt": qVersion(), "PySide6": PYSIDE_VERSION}
    try:
        from .qt_web import qWebEngineChromiumVersion, qWebEngineVersion
    except ImportError as exc:  # its system libraries can be missing where the CLI runs
        out["QtWebEngine"] = f"unavailable ({exc})"
    else:
        out["QtWebEngine"] = qWebEngineVersion()
        out["Chromium"] = qWebEngineChromiumVersion()
    return out
