"""Events reach widgets on a later turn of the loop, never from inside the node's emit (which
runs in the middle of a node method), and never after the widget is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mainframe_os.gui.qt import QWidget
from mainframe_os.node.events import ContactsChanged

from .conftest import run


def test_widget_hears_events_after_the_emitting_code_returns(launcher: Any, qtbot: Any, tmp_path: Path) -> None:
    owner = QWidget()
    heard: list[tuple[str, bool]] = []
    inside_emit = [False]
    launcher.ctx.subscribe(owner, ContactsChanged, lambda e: heard.append((e.identity_id, inside_emit[0])))

    async def emit_like_a_method() -> list[tuple[str, bool]]:
        inside_emit[0] = True
        launcher.node.events.emit(ContactsChanged("alice"))
        seen_during = list(heard)
        inside_emit[0] = False
        return seen_during

    assert run(launcher, emit_like_a_method()) == []  # nothing ran while the "method" was running
    qtbot.waitUntil(lambda: heard != [], timeout=5000)
    assert heard == [("alice", False)]


def test_no_delivery_to_a_widget_destroyed_before_its_turn(launcher: Any, qtbot: Any) -> None:
    owner = QWidget()
    heard: list[str] = []
    launcher.ctx.subscribe(owner, ContactsChanged, lambda e: heard.append(e.identity_id))

    async def emit_then_destroy() -> None:
        launcher.node.events.emit(ContactsChanged("queued"))  # scheduled for the next turn
        owner.destroyed.emit()  # the widget goes before that turn comes
        launcher.node.events.emit(ContactsChanged("after"))

    run(launcher, emit_then_destroy())
    run(launcher, _turns(5))
    assert heard == []


async def _turns(n: int) -> None:
    import asyncio

    for _ in range(n):
        await asyncio.sleep(0)
