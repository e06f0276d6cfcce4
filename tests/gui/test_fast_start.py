"""The launcher's start: the lock screen paints before the node (and asyncio) load, the main view
is built while the lock screen waits, and the unlock fills that same view."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mainframe_os.gui.qt import Qt
from tests.snippets import run_snippet

from .conftest import PASSWORD
from .helpers import vault_with_identity

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60_000

FIRST_PAGE = r"""
import sys, time
import mainframe_os.gui.app as gui_app
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
first = []
class FirstPaint(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint and not first and o.objectName() == "unlockPassword":
            w = o.window()
            first.append((w.page, w.lock_screen.vaults.currentText(), "mainframe_os.node.node" in sys.modules,
                          "asyncio" in sys.modules, "vault" in sys.modules,
                          "Qt" in vars(sys.modules["PySide6.QtCore"])))
        return False
watch = FirstPaint()
make_app = gui_app.ensure_app
def ensure_app(argv=None):
    app = make_app(argv)
    app.installEventFilter(watch)  # from the app's first event on
    return app
gui_app.ensure_app = ensure_app
lau = gui_app.create_app(sys.argv[1], [])
painted_in_create_app = bool(first)
end = time.monotonic() + 60
while not lau.started and time.monotonic() < end:
    QApplication.processEvents(); time.sleep(0.002)
print(repr(first[0]) if first else "none", painted_in_create_app, lau.started, lau.window.page, flush=True)
import os; os._exit(0)
"""


def test_the_lock_screen_paints_before_the_node_and_asyncio_load(tmp_path: Path) -> None:
    home = tmp_path / "home"
    vault_with_identity(home)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAGE, str(home)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    # The first paint is the lock screen listing the vault, made from the vaults folder alone:
    # the node, asyncio and the vault library load after it (create_app paints, then attaches),
    # and so does PySide's Qt namespace (~110 enum classes, ~30 ms: see gui/qt.py).
    first, rest = out.stdout.rsplit(")", 1)
    assert first + ")" == "('lock', 'main', False, False, False, False)", out.stdout
    assert rest.split() == ["True", "True", "lock"], out.stdout


def test_unlock_fills_the_main_view_built_at_the_lock_screen(qtbot: Any, qapp: Any, home: Path) -> None:
    from mainframe_os.gui.app import create_app

    vault_with_identity(home)
    lau = create_app(home, [])
    try:
        w = lau.window
        qtbot.waitUntil(lambda: lau.started and w.page == "lock" and w.main is not None, timeout=WAIT)
        built = w.main
        assert lau.node.vault is None  # built without the vault: it holds no data yet
        calls: list[tuple[str, str]] = []  # (method, page) as each node call starts
        node_call = lau.node.call

        async def recorded(method: str, params: Any = None) -> Any:
            calls.append((method, w.page))
            return await node_call(method, params)

        lau.node.call = recorded
        qtbot.keyClicks(w.lock_screen.password, PASSWORD)
        qtbot.mouseClick(w.lock_screen.unlock_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.page == "main", timeout=WAIT)
        assert w.main is built
        # the window shows the unlock's identity list as is: the name is there for the first paint
        assert "Alice" in w.main.identity.text()
        # Between the unlock and the main window only the window's own question reaches the
        # vault's thread; the screens' VaultOpened refreshes come after the main view painted.
        qtbot.waitUntil(lambda: len([m for m, page in calls if page == "main"]) > 3, timeout=WAIT)
        before_main = [m for m, page in calls if page != "main"]
        assert before_main == ["vault_unlock", "identity_list"], calls
        assert lau.ctx.errors.history == []
    finally:
        lau.close()


NATIVE_CALLS = r"""
from mainframe_os.gui.qt import share_opengl_contexts, prefers_dark
share_opengl_contexts()
from PySide6.QtWidgets import QApplication
app = QApplication([])
native_dark = prefers_dark(app)
import sys
made_before = "Qt" in vars(sys.modules["PySide6.QtCore"])
from PySide6.QtCore import Qt
print(made_before, QApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts),
      native_dark == (app.styleHints().colorScheme() == Qt.ColorScheme.Dark))
"""


def test_the_two_calls_before_the_first_paint_reach_qt_without_its_python_enums() -> None:
    """The attribute QtWebEngine needs and the colour scheme go through Qt's own functions (see
    gui/qt.py): the attribute is set, the scheme is the one PySide reads, and the Qt
    namespace is not built for them. The numbers are Qt's."""
    from mainframe_os.gui.qt import AA_SHARE_OPENGL_CONTEXTS, COLOR_SCHEME_DARK

    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", NATIVE_CALLS], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "True", "True"], out.stdout
    assert Qt.ApplicationAttribute.AA_ShareOpenGLContexts.value == AA_SHARE_OPENGL_CONTEXTS
    assert Qt.ColorScheme.Dark.value == COLOR_SCHEME_DARK


LEFTOVER_SOCKET = r"""
import os, socket, sys
from pathlib import Path
from mainframe_os.gui.app import ensure_app
from mainframe_os.gui.qt import QDir
from mainframe_os.gui.single_instance import server_name, signal_running
app = ensure_app([])
home = Path(sys.argv[1])
path = os.path.join(QDir.tempPath(), server_name(home))
left = socket.socket(socket.AF_UNIX); left.bind(path); left.close()  # as a crashed launcher leaves it
try:
    print(os.path.exists(path), signal_running(home), "PySide6.QtNetwork" in sys.modules)
finally:
    os.unlink(path)
"""


def test_a_crashed_launchers_socket_file_does_not_load_qt_network_at_start(tmp_path: Path) -> None:
    """Nobody listens on a socket file a crashed launcher left: the start finds that out with a
    plain connect, before the first paint, without loading Qt's network module (~5 ms)."""
    out = run_snippet(LEFTOVER_SOCKET, str(tmp_path / "home"), offscreen=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "False", "False"], out.stdout
