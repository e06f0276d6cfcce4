"""Advisory file locks between processes sharing one folder of vaults.

Three kinds, all ``flock`` on small files under ``<root>/.locks/`` (names start with a dot, which
no vault name can, so they never show up as vaults):

- the store lock (``.locks/store``): every operation that makes work folders holds it shared;
  the start-up clean-up takes it exclusively and without waiting, so it only ever touches work
  left by processes that are gone (a dead process's ``flock`` is released by the kernel);
- a vault's open lock (``.locks/<name>.open``): held shared while a process has the vault
  unlocked; replacing or deleting the vault folder needs it exclusively, so a vault another
  program is writing to is never swapped out from under it;
- a vault's header lock (``.locks/<name>.header``): exclusive around read-check-write of the
  header, so two password changes run one after the other and the second sees the first.

Where ``fcntl`` is missing (Windows) the locks are no-ops: one process at a time is assumed.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from ._errors import VaultBusy

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCKS_DIR = ".locks"
DEFAULT_WAIT = 15.0


class FileLock:
    """One ``flock`` on one file; ``acquire`` waits up to ``wait`` seconds, then VaultBusy."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, shared: bool = False, wait: float = DEFAULT_WAIT, busy: str = "") -> bool:
        """True once held; False only when ``wait`` is 0 and someone else holds it."""
        if fcntl is None or self._fd is not None:
            return True
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        deadline = time.monotonic() + wait
        delay = 0.01
        while True:
            try:
                fcntl.flock(fd, mode)
                self._fd = fd
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    if wait <= 0:
                        return False
                    raise VaultBusy(busy or "the vault is busy in another program; try again in a moment") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor drops the flock


def lock_path(root: Path, name: str) -> Path:
    return root / LOCKS_DIR / name


@contextlib.contextmanager
def holding(path: Path, *, shared: bool = False, wait: float = DEFAULT_WAIT, busy: str = "") -> Iterator[None]:
    lock = FileLock(path)
    lock.acquire(shared=shared, wait=wait, busy=busy)
    try:
        yield
    finally:
        lock.release()
