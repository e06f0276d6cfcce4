"""Files over messaging's libp2p host whenever it is online: the open vault's block exchange
is attached to the host each time it starts (at unlock too, so a shared file is served without
anyone opening Files first), and `connect` brings messaging online for a fetch or a share."""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # p2p (trio) is imported when messaging first goes online, not with the node
    from ..node import Node
    from .p2p import BitswapNet

log = logging.getLogger("mainframe_os.files")


def attach(node: Node, tasks: set[asyncio.Task[Any]]) -> None:
    """Serve and fetch the open vault's files over messaging's host each time it comes online
    (at unlock too, so a shared file is served without anyone opening Files first). The tasks
    in flight go into `tasks`, which the node waits for before it closes."""
    from ..events import PeerStatusChanged

    def on_status(e: PeerStatusChanged) -> None:
        if not e.online:
            return
        try:
            task = asyncio.get_running_loop().create_task(_attach_quietly(node))
        except RuntimeError:
            return
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    node.events.subscribe(PeerStatusChanged, on_status)


async def connect(node: Node) -> BitswapNet:
    """Messaging online and the files exchange on its host; for a fetch or a share."""
    from ..comms.running import online_service

    await online_service(node)
    net = await _attach(node)
    if net is None:
        raise ConnectionError("messaging is offline")
    return net


async def _attach_quietly(node: Node) -> None:
    from ..errors import NoVaultOpen

    try:
        await _attach(node)
    except NoVaultOpen:  # locked (or the CLI's command ended) while going online: nothing to serve
        log.debug("files: vault locked before its files were served")
    except Exception:  # noqa: BLE001 - files over the network must never break going online
        log.exception("files: could not serve over the peer-to-peer host")


_attaching: weakref.WeakKeyDictionary[Node, asyncio.Lock] = weakref.WeakKeyDictionary()


async def _attach(node: Node) -> BitswapNet | None:
    async with _attaching.setdefault(node, asyncio.Lock()):  # going online and a fetch at once: one net
        return await _attach_locked(node)


async def _attach_locked(node: Node) -> BitswapNet | None:
    from .p2p import BitswapNet
    from .service import files_service

    comms = node.session.comms if node.vault is not None else None
    host = comms.host if comms is not None else None
    if host is None or not host.running:
        return None
    files = await files_service(node)
    current = files.exchange.host if files.exchange is not None else None
    if isinstance(current, BitswapNet) and current.host is host:
        return current
    net = BitswapNet(host)
    net.exchange = await files.attach_host(net)
    return net
