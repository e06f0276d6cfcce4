"""GUI fixtures: a launcher per test on its own temp home, driven by qtbot offscreen."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.gui import qt

# Before pytest-qt makes the QApplication: QtWebEngine (the buy-ETH provider window) needs the
# shared OpenGL context flag set first, as the launcher's own entry point does.
from mainframe_os.gui.apphost import register_schemes  # noqa: E402

register_schemes()
qt.before_app()

PASSWORD = "correct horse battery"


@pytest.fixture
def launcher(qapp: Any, home: Path) -> Iterator[Any]:
    from mainframe_os.gui.app import create_app

    lau = create_app(home, [])
    yield lau
    for w in qapp.topLevelWidgets():  # dialogs left open by a test
        if w is not lau.window and w.isVisible():
            w.close()
    lau.close()


def run(launcher: Any, coro: Any, timeout: float = 20.0) -> Any:
    """Await a coroutine on the launcher's loop from a synchronous test."""
    import time

    from PySide6.QtWidgets import QApplication

    fut = asyncio.ensure_future(coro)
    end = time.monotonic() + timeout
    while not fut.done():
        QApplication.processEvents()
        time.sleep(0.002)
        if time.monotonic() > end:
            fut.cancel()
            raise TimeoutError("the coroutine did not finish")
    return fut.result()


def shot(widget: Any, tmp_path: Path, name: str) -> Path:
    """Save a screenshot in the test's temp folder (and /tmp/shots when MFOS_SHOTS is set)."""
    import os

    out = tmp_path / "shots" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    pm = widget.grab()
    pm.save(str(out))
    extra = os.environ.get("MFOS_SHOTS", "")
    if extra:
        folder = Path("/tmp/shots" if extra.lower() in ("1", "true", "yes") else extra)
        folder.mkdir(parents=True, exist_ok=True)
        pm.save(str(folder / f"{name}.png"))
    return out
