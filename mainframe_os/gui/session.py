"""What runs while a vault is open: the local socket for `mfos`, the payment watcher and the
re-check of transactions left pending by an earlier run.

    session = VaultSession(ctx)     # follows VaultOpened / VaultLocked on its own
    await session.close()           # at exit: stop serving, remove node.json

The socket makes `mfos ...` commands use this process's node (and its approval dialogs) while
the launcher runs, exactly like `mfos node` does headless (cli/headless.py); `run/node.json` says
which vault it serves, so it is rewritten on every unlock and removed on lock and exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from typing import Any

from mainframe_os.node.events import VaultLocked, VaultOpened

from .context import LauncherContext
from .qt import QObject, Signal

log = logging.getLogger("mainframe_os.gui")


class VaultSession(QObject):
    """Starts and stops the per-vault background services as vaults open and lock."""

    serving_changed = Signal(bool)
    watching_changed = Signal(bool)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.server: Any = None
        self.vault: str | None = None
        self.watching = False
        self.rechecked: dict[str, int] | None = None
        self._lock = asyncio.Lock()  # open/lock events arrive in bursts (switching vaults)
        ctx.subscribe(self, VaultOpened, lambda e: self._schedule(self._opened(e.vault)))
        ctx.subscribe(self, VaultLocked, lambda _e: self._schedule(self._locked()))

    @property
    def info_file(self) -> Any:
        return self.ctx.node.paths.run / "node.json"

    def _schedule(self, coro: Any) -> None:
        self.ctx.ops.run(coro, quiet=True, title="Background services")

    # -- vault opened / locked ----------------------------------------------------------------

    async def _opened(self, vault: str) -> None:
        async with self._lock:
            self.vault = vault
            await self._serve(vault)

    async def _locked(self) -> None:
        async with self._lock:
            self.vault = None
            self.watching = False
            self.rechecked = None
            await self._stop_serving()

    async def start_wallet(self) -> None:
        """Watch for payments received and re-check pending transactions (needs the chain, so
        the window calls this once the main view is up, not at unlock)."""
        if not self.ctx.has("wallet_watchPayments") or self.ctx.node.vault is None:
            return
        if not self.watching:
            await self.ctx.call("wallet_watchPayments")
            self.watching = True
            self.watching_changed.emit(True)
        if self.rechecked is None and self.ctx.has("wallet_recheck"):
            # Transactions sent before a restart (or an outage) are confirmed, re-broadcast or
            # retired; their status events refresh the wallet and history.
            self.rechecked = await self.ctx.call("wallet_recheck")

    # -- the local socket -----------------------------------------------------------------------

    async def _serve(self, vault: str) -> None:
        from mainframe_os.node.transport.local_socket import SocketServer, is_alive

        paths = self.ctx.node.paths
        if self.server is None:
            loop = asyncio.get_running_loop()
            if await loop.run_in_executor(None, is_alive, paths.socket):
                # Another node (a headless `mfos node`) serves this home: never steal its socket.
                log.warning("a node already serves %s: not starting the launcher's socket", paths.socket)
                return
            # kept before it starts: a shutdown cancelling the start still finds it to stop
            self.server = SocketServer(self.ctx.node, paths.socket)
            try:
                await self.server.start()
            except BaseException:
                self.server = None
                raise
            self.serving_changed.emit(True)
        info = {"pid": os.getpid(), "vault": vault, "socket": str(paths.socket)}
        tmp = self.info_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, self.info_file)

    async def _stop_serving(self) -> None:
        server, self.server = self.server, None
        if server is None:
            return
        with contextlib.suppress(OSError):
            self.info_file.unlink()
        await server.stop()
        self.serving_changed.emit(False)

    async def close(self) -> None:
        async with self._lock:
            await self._stop_serving()
