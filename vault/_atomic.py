"""Crash-safe file writes (the temp file + fsync + rename scheme of Electrum's ``storage.py``).

A reader sees either the old file or the complete new one, never a torn mix, even after a
power cut: the data is fsynced before the rename and the folder is fsynced after it so the
rename itself is durable.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ._faults import crash_point

FILE_MODE = 0o600
DIR_MODE = 0o700


def fsync_dir(path: Path) -> None:
    """Make a rename/unlink inside ``path`` durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory; its renames are journaled anyway
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_path_for(path: Path) -> Path:
    """The hidden temp file beside ``path`` that :func:`atomic_writer` fills before renaming."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def is_temp_name(name: str) -> bool:
    """True for a name :func:`temp_path_for` makes (what a start-up clean-up may remove)."""
    return name.startswith(".") and name.endswith(".tmp")


@contextlib.contextmanager
def atomic_writer(path: Path, tmp: Path | None = None) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` atomically when the block exits cleanly.

    The temp file lives in the same folder (``os.replace`` is only atomic within one file
    system) and is restricted to the owner before the first byte is written, so secrets never
    sit in a world-readable file even briefly. ``tmp`` (from :func:`temp_path_for`) lets a
    caller note where the temp file is, so a clean-up after a crash can find it.
    """
    tmp = temp_path_for(path) if tmp is None else tmp
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.chmod(tmp, FILE_MODE)  # O_CREAT's mode is filtered by the umask; be explicit
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        crash_point("write.before-rename")
        os.replace(tmp, path)
        crash_point("write.after-rename")
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably."""
    with atomic_writer(path) as f:
        f.write(data)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) if needed and restrict it to the owner."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)


def wipe_file(path: Path) -> None:
    """Overwrite a file with random bytes, fsync it, then unlink it.

    On SSDs and copy-on-write file systems the old blocks may survive; what makes the data
    unrecoverable is that the header holding the sealed data key is overwritten too (a
    crypto-erase), so this is defence in depth rather than the only line.
    """
    size = path.stat().st_size
    with open(path, "r+b", buffering=0) as f:
        remaining = size
        while remaining > 0:
            n = min(remaining, 1 << 20)
            f.write(os.urandom(n))
            remaining -= n
        os.fsync(f.fileno())
    path.unlink()
