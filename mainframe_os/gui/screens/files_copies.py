"""Decrypted copies of files, made for dragging them out of Files and for previewing them.

Dragging a file out hands the drop target a file URL (QMimeData urls): every file manager, mail
client and editor takes one, and it is the only form that works for a file of any size. The
alternative, delayed rendering (a QMimeData subclass decrypting in `retrieveData`), is decided by
the platform: Windows asks for the data when the drag starts and X11 only at the drop, where
decrypting a big file would freeze the drag; and a target that wants a path still needs a file.
So the launcher decrypts the file (through files_get, like "Save a copy") into a private folder
first and drags that copy.

The folder is the user's runtime directory (XDG_RUNTIME_DIR: memory-backed and readable by the
user alone on most Linux desktops) or the temp directory, 0700, named with the launcher's pid.
It is emptied when the vault locks or the identity changes and removed when the launcher quits;
a launcher that crashed leaves one behind, which the next start removes.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..qt import QStandardPaths

PREFIX = "mfos-plain-"


def _base() -> Path:
    runtime = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.RuntimeLocation)
    return Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, and not ours to judge
        return True
    return True


class PlainCopies:
    def __init__(self, base: Path | None = None) -> None:
        base = base or _base()
        _sweep(base)
        self.root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))  # mode 0700
        atexit.register(self.close)  # the screen may never be destroyed before the process ends

    def path_for(self, f: dict[str, Any]) -> Path:
        """Where the copy of `f` goes: under its own name (the drop target keeps it), in a folder
        per file id so two files of the same name do not meet."""
        folder = self.root / str(f["id"])[:32]
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / Path(str(f["name"])).name

    def ready(self, f: dict[str, Any]) -> Path | None:
        """The finished copy of `f`, if there is one (files_get renames it in place when done)."""
        path = self.root / str(f["id"])[:32] / Path(str(f["name"])).name
        try:
            return path if path.stat().st_size == f["size"] else None
        except OSError:
            return None

    def clear(self) -> None:
        for child in self.root.iterdir():
            shutil.rmtree(child, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _sweep(base: Path) -> None:
    """Remove the copies a launcher that is no longer running left behind."""
    try:
        folders = list(base.glob(f"{PREFIX}*"))
    except OSError:
        return
    for folder in folders:
        pid = folder.name[len(PREFIX) :].split("-", 1)[0]
        try:
            ours = folder.stat().st_uid == os.getuid()
        except OSError:
            continue
        if ours and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
