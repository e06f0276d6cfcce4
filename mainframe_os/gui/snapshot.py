"""`mainframe-os --screenshot FILE.png`: start, save a picture of the first screen and a JSON
description of it (the page, the visible widgets' object names, the texts shown), then quit.

For bug reports and for checking an installed build on a machine without a screen
(`QT_QPA_PLATFORM=offscreen`): the packaging tests use it to see the lock screen of the program
the .deb installed, without any Python of their own in that process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .qt import QLabel, QWidget


def describe(window: QWidget) -> dict[str, Any]:
    visible = [w for w in window.findChildren(QWidget) if w.isVisibleTo(window)]
    return {
        "page": getattr(window, "page", None),
        "title": window.windowTitle(),
        "widgets": sorted({w.objectName() for w in visible if w.objectName()}),
        "texts": [w.text() for w in visible if isinstance(w, QLabel) and w.text()],
    }


def save(window: QWidget, png: Path) -> dict[str, Any]:
    """Write `png` and `png` with a .json suffix; returns the description. (Called from the
    running loop: let it turn once first, so the window is laid out and painted.)"""
    png.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(png)):
        raise OSError(f"could not write {png}")
    info = describe(window)
    png.with_suffix(".json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    return info
