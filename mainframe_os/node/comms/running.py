"""Messaging for the open vault: the one CommsService (built on first use, kept in the
VaultSession) and going back online at unlock when it was online before."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..node import Node
    from .service import CommsService

log = logging.getLogger("mainframe_os.comms")


def get_service(node: Node) -> CommsService:
    from .service import CommsService

    node.require_vault()
    session = node.session  # vault-scoped: VaultSession.close stops it when the vault locks
    if session.comms is None:
        session.comms = CommsService(node)
    return session.comms


async def online_service(node: Node) -> CommsService:
    """The service, started (going online) if it was not."""
    svc = get_service(node)
    await svc.start()
    return svc


async def resume(node: Node) -> None:
    """Go back online if this vault was online when it was last used."""
    from . import store

    await node.background_may_start()  # after the launcher's main window came up
    try:
        if node.vault is not None and await node.db(lambda s: store.get_setting(s, store.ONLINE_SETTING, False)):
            await online_service(node)
    except Exception:  # noqa: BLE001 - messaging must never break an unlock
        log.exception("could not resume messaging")


def attach(node: Node) -> set[asyncio.Task[Any]]:
    """Go back online at unlock when the vault was online before (so `mfos node` and the GUI
    keep receiving without anyone calling a comms method first). Returns the resume tasks in
    flight, which the node waits for before it closes (a host left half-started would outlive
    the node's loop)."""
    from ..events import VaultOpened

    tasks: set[asyncio.Task[Any]] = set()

    def on_open(_: VaultOpened) -> None:
        try:
            task = asyncio.get_running_loop().create_task(resume(node))
        except RuntimeError:
            return  # no loop (a synchronous caller): messaging starts on first use
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    node.events.subscribe(VaultOpened, on_open)
    return tasks
