"""Buying from a real on-ramp provider: its widget opens in a dedicated webview window with an
off-the-record profile and no bridge to the node (not in the system browser).

Chromium runs in a child process here: QtWebEngine inside the pytest-qt process (its QApplication,
the qasync loop) crashed offscreen, and the launcher itself only loads it when a purchase opens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .test_bad_input import setup_via_node

pytestmark = pytest.mark.timeout(120)

PAGE = "data:text/html,<title>Provider</title><h1>Buy ETH with a card</h1>"

CHILD = r"""
import json, sys
from mainframe_os.gui import qt
qt.before_app()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineSettings
from mainframe_os.gui.screens.wallet.provider_window import ProviderWindow
win = ProviderWindow("Transak", sys.argv[1])
win.show()
out = {}
def done(ok):
    out.update(loaded=ok, title=win.page.title(), window=win.isWindow(), caption=win.windowTitle(),
               offTheRecord=win.off_the_record, bridge=win.has_bridge(),
               ownProfile=win.page.profile() is win.profile
               and win.profile is not QWebEngineProfile.defaultProfile(),
               popups=win.profile.settings().testAttribute(
                   QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows))
    win.close()
    QTimer.singleShot(100, app.quit)
win.page.loadFinished.connect(done)
QTimer.singleShot(30000, app.quit)
app.exec()
print("RESULT " + json.dumps(out))
"""


def test_provider_widget_opens_in_its_own_private_webview(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, PAGE],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line is not None, proc.stderr[-2000:]
    out = json.loads(line[len("RESULT ") :])
    assert out == {
        "loaded": True,
        "title": "Provider",
        "window": True,
        "caption": "Buy ETH — Transak",
        "offTheRecord": True,
        "bridge": False,
        "ownProfile": True,
        "popups": False,
    }


def test_a_widget_answer_opens_the_provider_window(qtbot: Any, launcher: Any) -> None:
    """onramp_start answering {kind: widget, url} opens the window (not the system browser)."""
    main = setup_via_node(qtbot, launcher)
    buy = main.wallet.buy
    opened: list[tuple[str, str]] = []
    buy.open_widget = lambda name, url: opened.append((name, url))  # type: ignore[method-assign]

    async def widget_answer(method: str, params: Any = None) -> Any:
        assert method == "onramp_start" and params["provider"] == "transak"
        return {"kind": "widget", "name": "Transak", "url": "https://global.transak.com/?x=1"}

    buy.loaded = True
    buy.provider.addItem("Transak", "transak")
    buy.provider.setCurrentIndex(buy.provider.count() - 1)
    real_call = buy.ctx.call
    buy.ctx.call = widget_answer  # type: ignore[method-assign]
    try:
        buy.buy()
        qtbot.waitUntil(lambda: opened != [], timeout=10_000)
    finally:
        buy.ctx.call = real_call  # type: ignore[method-assign]
    assert opened == [("Transak", "https://global.transak.com/?x=1")]
    assert "own window" in buy.status.text()
