"""What happens between the moment Argon2id returns the key and the main window's first paint.

Only the work that needs the key belongs there (open the database, the first screen's query);
everything else (imports, building widgets) is done before, while the lock screen waits or the
KDF runs on its own thread. A fresh launcher process is traced through one unlock: a module
imported in that window, or a job queued ahead of the window's own on the vault's thread, is the
unlock waiting on work that could have been done before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "unlock order 1"

UNLOCK_TRACE = r"""
import json, sys, time
home, password = sys.argv[1], sys.argv[2]
import vault._kdf as kdf
import mainframe_os.gui.app as gui_app
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

trace = {}
argon2id = kdf._argon2id
def traced_argon2id(*args):
    key = argon2id(*args)
    trace["modules_at_key"] = sys.modules.copy()  # on the KDF's thread: dict.copy is atomic
    return key
kdf._argon2id = traced_argon2id

class FirstPaint(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint and "modules_at_paint" not in trace:
            trace["modules_at_paint"] = sys.modules.copy()
        return False

lau = gui_app.create_app(home, [])
app, w = QApplication.instance(), lau.window
def spin_until(cond, what):
    end = time.monotonic() + 60
    while not cond():
        app.processEvents(); time.sleep(0.002)
        if time.monotonic() > end:
            raise SystemExit(f"timeout waiting for {what}: page {w.page}, {lau.ctx.errors.history}")
spin_until(lambda: lau.started and w.page == "lock" and w.main is not None, "the lock screen")
watch = FirstPaint()
w.main.installEventFilter(watch)
w.lock_screen.password.setText(password)
w.lock_screen.unlock()
spin_until(lambda: "modules_at_paint" in trace, "the main window's paint")
late = sorted(set(trace["modules_at_paint"]) - set(trace["modules_at_key"]))
print(json.dumps({"page": w.page, "imported_after_key": late}), flush=True)
import os; os._exit(0)
"""


def _make_vault(home: Path) -> None:
    """A vault with one identity, under the cheapest KDF: the trace is about what runs around it."""
    import asyncio

    from mainframe_os.node.node import Node
    from vault import KdfParams, VaultStore

    VaultStore(home / "vaults").create("main", PASSWORD, KdfParams.insecure_for_tests()).close()

    async def add_identity() -> None:
        node = Node(home)
        try:
            await node.call("vault_unlock", {"name": "main", "password": PASSWORD})
            await node.call("identity_create", {"displayName": "Alice"})
        finally:
            await node.close()

    asyncio.run(add_identity())


def _trace_unlock(home: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", UNLOCK_TRACE, str(home), PASSWORD],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_nothing_is_imported_between_the_key_and_the_main_windows_first_paint(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _make_vault(home)
    trace = _trace_unlock(home)
    assert trace["page"] == "main"
    # e.g. SQLAlchemy's SQLite dialect, which create_engine used to import at the first open
    assert trace["imported_after_key"] == [], trace
