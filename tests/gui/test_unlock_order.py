"""What happens between the moment the unlock has its key and the main window's first paint.

Only the work that needs the key belongs there (open the database, the first screen's query);
everything else (imports, building widgets) is done before, while the lock screen waits or the
KDF runs on its own thread. A fresh launcher process is traced through one unlock: a module
imported in that window, or a job queued ahead of the window's own on the vault's thread, is the
unlock waiting on work that could have been done before."""

from __future__ import annotations

import json
from pathlib import Path

from tests.snippets import run_snippet

from .helpers import vault_with_identity

PASSWORD = "unlock order 1"

UNLOCK_TRACE = r"""
import json, sys, time
home, password = sys.argv[1], sys.argv[2]
import vault._header as header_module
import mainframe_os.gui.app as gui_app
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

trace = {}
# "the key": the moment the unlock has it in hand (Argon2id, started on its own thread at the
# press, handed over to the vault's thread, which opens the database next)
derive_key = header_module.derive_key
def traced_derive_key(*args):
    key = derive_key(*args)
    trace["modules_at_key"] = sys.modules.copy()  # on the vault's thread: dict.copy is atomic
    return key
header_module.derive_key = traced_derive_key

class FirstPaint(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint and "modules_at_paint" not in trace:
            trace["modules_at_paint"] = sys.modules.copy()
            trace["jobs_at_paint"] = list(jobs)
            trace["last_vault_at_paint"] = lau.prefs.last_vault
        return False

# every job queued on the vault's thread, named by what it runs (a node.db job by its reader)
from mainframe_os.node.node import Node
jobs = []
on_vault_thread, db = Node.on_vault_thread, Node.db
async def traced_on_vault_thread(self, fn, *args):
    if fn.__qualname__ != "Node.db.<locals>.run":
        jobs.append(fn.__qualname__)
    return await on_vault_thread(self, fn, *args)
async def traced_db(self, fn):
    jobs.append("db " + fn.__qualname__)
    return await db(self, fn)
Node.on_vault_thread, Node.db = traced_on_vault_thread, traced_db

# statements SQLAlchemy compiles (each once per engine) after the key, before the paint
from sqlalchemy.sql.compiler import SQLCompiler
compile_statement = SQLCompiler.__init__
def traced_compile(self, *args, **kwargs):
    if "modules_at_key" in trace and "modules_at_paint" not in trace:
        trace["compiled_after_key"] = trace.get("compiled_after_key", 0) + 1
    compile_statement(self, *args, **kwargs)
SQLCompiler.__init__ = traced_compile

# the first avatar drawn: Qt's drawing enums and fonts are made then (PySide6 makes them lazily)
import mainframe_os.gui.screens.identity_switcher as switcher
draw_avatar = switcher.avatar_pixmap
def traced_avatar(*args, **kwargs):
    trace.setdefault("first_avatar", "after the key" if "modules_at_key" in trace else "before the key")
    return draw_avatar(*args, **kwargs)
switcher.avatar_pixmap = traced_avatar

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
jobs.clear()
w.lock_screen.password.setText(password)
w.lock_screen.unlock()
spin_until(lambda: "modules_at_paint" in trace, "the main window's paint")
spin_until(lambda: lau.prefs.last_vault == "main", "the last vault remembered")
late = sorted(set(trace["modules_at_paint"]) - set(trace["modules_at_key"]))
print(json.dumps({
    "page": w.page,
    "imported_after_key": late,
    "jobs_before_paint": trace["jobs_at_paint"],
    "last_vault_at_paint": trace["last_vault_at_paint"],
    "first_avatar": trace.get("first_avatar"),
    "compiled_after_key": trace.get("compiled_after_key", 0),
}), flush=True)
import os; os._exit(0)
"""


def _trace_unlock(home: Path) -> dict[str, object]:
    out = run_snippet(UNLOCK_TRACE, str(home), PASSWORD, offscreen=True)
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_between_the_key_and_the_main_windows_first_paint_only_the_windows_own_work_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    vault_with_identity(home, PASSWORD)
    trace = _trace_unlock(home)
    assert trace["page"] == "main"
    # Nothing is imported: e.g. SQLAlchemy's SQLite dialect, which create_engine used to import
    # at the first open, loads with the vault library.
    assert trace["imported_after_key"] == [], trace
    # The vault's thread opens the vault, then answers the window's one question (the active
    # identity and the list in one trip). Messaging's "was I online?" read, which used to queue
    # ahead of it at every unlock, waits for the paint, as do the screens' refreshes.
    assert trace["jobs_before_paint"] == ["VaultStore.open", "Vault.unlock", "db list_identities"], trace
    # Its statements were compiled while Argon2id ran (on a blank in-memory database, by the
    # engine that then opens the vault): none is compiled after the key.
    assert trace["compiled_after_key"] == 0, trace
    # The launcher remembers the vault it opened (a settings file write) after the paint.
    assert trace["last_vault_at_paint"] is None, trace
    # The identity's avatar is drawn in the first frame; the first one ever drawn (Qt's lazily
    # made drawing enums and fonts) was drawn while the lock screen waited.
    assert trace["first_avatar"] == "before the key", trace
