"""One process at a time runs a vault's libp2p host: the one holding its messaging lock.

The launcher and `mfos node` may have the same vault open (same home, same vault file). Both
going online would put two hosts with one peer id on the network and make them race for one
port. So the first to go online takes an exclusive `flock` on `run/comms-<vault>.lock` and
serves; any other process *watches*: it reads what the serving one stores in the shared vault
(new messages become its own MessageReceived events, so its windows and badges follow), nudges
it when it queued something to send, and takes over the moment the lock frees (the serving
process closed or died: the kernel drops a dead process's flock). So the user's always-on
`mfos node` keeps receiving and holding while the window is closed, and the window shows
everything when it opens.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import events as ev

if TYPE_CHECKING:
    from .service import CommsService

log = logging.getLogger("mainframe_os.comms")

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per vault is assumed
    fcntl = None  # type: ignore[assignment]


def lock_name(host_seed: bytes) -> str:
    # the host key is the vault's messaging identity: the same vault file gives the same name
    return "comms-" + hashlib.sha256(b"mfos-comms-owner" + host_seed).hexdigest()[:16]


class OwnerLock:
    """The messaging lock of one vault, plus the nudge file a watcher touches after queueing."""

    def __init__(self, run_dir: Path, host_seed: bytes) -> None:
        name = lock_name(host_seed)
        self.path = run_dir / f"{name}.lock"
        self.nudge_path = run_dir / f"{name}.nudge"
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # drops the flock

    def nudge(self) -> None:
        """Tell the serving process that something waits in the outbox."""
        self.nudge_path.touch()
        os.utime(self.nudge_path)

    def nudged_at(self) -> float:
        try:
            return self.nudge_path.stat().st_mtime
        except OSError:
            return 0.0


WATCH_S = 0.5  # how often a watching process looks for new messages and a free lock


class Watcher:
    """In a process that does not serve the vault's messaging: new messages stored by the one
    that does become MessageReceived events here, and the lock is taken over once free."""

    def __init__(self, svc: CommsService) -> None:
        self.svc = svc
        self.task: asyncio.Task[None] | None = None
        self.rounds = 0  # looks taken (tests wait on it)

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> None:
        if not self.running:
            self.task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        node = self.svc.node
        last = await node.db(_last_inbound)
        while node.vault is not None:
            await asyncio.sleep(WATCH_S)
            self.rounds += 1
            try:
                rows, last = await node.db(functools.partial(_inbound_after, last=last))
                for ident, cid, mid, kind, group in rows:
                    node.events.emit(ev.MessageReceived(ident, cid, mid, kind, group))
                owner = self.svc.owner
                # Offline on purpose: the lock is not even tried, so a look never holds it while
                # the user's own process asks to go online (its start would find it taken).
                if owner is not None and not await node.db(_stays_online):
                    continue
                if owner is not None and owner.try_acquire() and not await node.db(_stays_online):
                    owner.release()  # the serving process went offline on purpose meanwhile: so do we
                    continue
                if owner is not None and owner.held:
                    self.task = None  # start() must not wait for the task it runs in
                    await self.svc.start()
                    return
            except E.NoVaultOpen:
                return
            except Exception:  # noqa: BLE001 - a bad round must not stop the watching
                log.exception("watching the serving process failed")


async def wait_for_work(owner: OwnerLock | None, wake: asyncio.Event, interval: float) -> None:
    """The serving process's pump: until woken, nudged by a following process that queued
    something to send, or `interval` passed."""
    deadline = time.monotonic() + interval
    seen = owner.nudged_at() if owner is not None else 0.0
    while time.monotonic() < deadline:
        try:
            await asyncio.wait_for(wake.wait(), min(1.0, interval))
            return
        except TimeoutError:
            if owner is not None and owner.nudged_at() != seen:
                return


def _stays_online(s: Any) -> bool:
    from .store import ONLINE_SETTING, get_setting

    return bool(get_setting(s, ONLINE_SETTING, False))


def _rowid() -> Any:
    from sqlalchemy import literal_column

    return literal_column("comms_message.rowid")


def _last_inbound(s: Any) -> int:
    from sqlalchemy import func, select

    from vault.models import CommsMessage

    return int(s.scalar(select(func.max(_rowid())).select_from(CommsMessage)) or 0)


def _inbound_after(s: Any, last: int) -> tuple[list[tuple[str, str | None, str, str, str | None]], int]:
    from sqlalchemy import select

    from vault.models import CommsMessage

    from .conversations import VISIBLE
    from .store import contact_id

    q = select(CommsMessage, _rowid()).where(_rowid() > last).order_by(_rowid())
    out = []
    for m, rowid in s.execute(q):
        last = max(last, int(rowid))
        if m.direction == "in" and m.kind in VISIBLE:
            out.append((m.identity_id, contact_id(s, m.identity_id, m.peer_sign), m.id, m.kind, m.group_id))
    return out, last
