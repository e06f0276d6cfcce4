"""`mfos app dev PATH`: one app window for a developer, without the launcher.

The CLI already runs an asyncio loop (not qasync), so Qt is pumped from a task on that loop:
the bridge's asyncio tasks and Qt's events share the main thread as they do in the launcher.
Approvals use the launcher's own dialogs (GuiPrompter), so a developer sees what users see.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any


async def run_dev(node: Any, folder: Path, identity_id: str, *, until_closed: bool = True, dialogs: bool = True) -> Any:
    from .. import qt
    from ..prompter import GuiPrompter
    from ..qt import QApplication
    from .host import AppHost
    from .scheme import register_schemes

    app = QApplication.instance()
    if app is None:
        register_schemes()
        qt.before_app()
        app = QApplication([sys.argv[0] if sys.argv else "mfos"])
        app.setStyle("Fusion")
    if dialogs:
        node.prompter = gui = GuiPrompter(node=node)
        gui.queue = node.prompter
    host = AppHost(node)
    window = await host.open_dev(folder, identity_id)
    print(
        f"Serving {folder} as mfapp://{window.app.ctx.app_id}/ — edits reload the page, F12 opens dev tools. "
        "Close the window to stop.",
        file=sys.stderr,
        flush=True,
    )
    if not until_closed:
        return window
    while window.isVisible():
        app.processEvents()
        await asyncio.sleep(0.005)
    host.close_all()
    for _ in range(20):  # let Chromium release the page and profile
        app.processEvents()
        await asyncio.sleep(0.01)
    return None
