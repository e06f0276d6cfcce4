"""The Qt side of the version report (`mainframe_os.about`): Qt, QtWebEngine and its Chromium.

Importing QtWebEngineCore only loads its library (~0.1 s); no web engine starts.
"""

from __future__ import annotations


def qt_versions() -> dict[str, str]:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    out = {"Qt": qVersion(), "PySide6": pyside_version}
    try:
        from PySide6.QtWebEngineCore import qWebEngineChromiumVersion, qWebEngineVersion

        out["QtWebEngine"] = qWebEngineVersion()
        out["Chromium"] = qWebEngineChromiumVersion()
    except ImportError as exc:
        out["QtWebEngine"] = f"unavailable ({exc})"
    return out
