"""Start-up repair of a folder of vaults after a crash at any step of a writing operation.

Every operation that changes vault folders works in a dot-named work folder and ends with a
rename, so what a kill can leave behind is one of:

- ``.new-*``, ``.restore-*``, ``.rekey-*``: unfinished work, never reported done: wiped;
- ``.backup-*``: an unfinished backup; its ``dest-tmp`` note names the hidden temp file it was
  filling beside the destination, which is removed too;
- ``.deleting-*``: a vault the user asked to delete, already moved out of its name: wiped;
- ``.replaced-<hex>-<name>``: the old copy of a vault being replaced (restore --overwrite, or a
  password change with a new data key). If ``<name>`` holds a vault again the replacement
  finished and the old copy is wiped; if ``<name>`` is empty the kill came between the two
  renames and the old copy is put back. Either way no vault is ever orphaned;
- hidden ``.*.tmp`` files inside a vault folder: a header being rewritten (a password change):
  wiped, because a stray header plus the password it was sealed with would open the vault.

It runs only while holding the store lock exclusively, so it never touches work of a process
that is still alive.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ._atomic import fsync_dir, is_temp_name, wipe_file
from ._faults import crash_point
from ._header import HEADER_FILE
from ._locks import LOCKS_DIR, FileLock, lock_path

log = logging.getLogger(__name__)

WORK_PREFIXES = (".new-", ".restore-", ".rekey-", ".backup-", ".deleting-")
REPLACED_PREFIX = ".replaced-"
DEST_NOTE = "dest-tmp"
STORE_LOCK = "store"
_REPLACED_RE = re.compile(r"\.replaced-[0-9a-f]{16}-(?P<name>.+)")


@dataclass
class Recovery:
    """What a start-up repair did (counts only: names stay private)."""

    wiped: int = 0
    rolled_back: int = 0
    kept: int = 0
    busy: bool = False
    notes: list[str] = field(default_factory=list)


def replaced_name(token: str, name: str) -> str:
    return f"{REPLACED_PREFIX}{token}-{name}"


def recover(root: Path) -> Recovery:
    """Finish or roll back whatever a crash interrupted under ``root``; see the module doc."""
    out = Recovery()
    if not root.is_dir():
        return out
    lock = FileLock(lock_path(root, STORE_LOCK))
    if not lock.acquire(wait=0):
        out.busy = True  # another process is mid-operation: its work is not ours to judge
        return out
    try:
        for entry in sorted(root.iterdir(), key=lambda p: p.name):
            if entry.name == LOCKS_DIR:
                continue
            try:
                if entry.name.startswith(REPLACED_PREFIX) and entry.is_dir():
                    _settle_replace(root, entry, out)
                elif entry.name.startswith(WORK_PREFIXES) and entry.is_dir():
                    _drop_work(entry, out)
                elif not entry.name.startswith(".") and entry.is_dir():
                    _drop_stray_temps(entry, out)
            except OSError as exc:
                log.warning("could not clean %s: %s", entry.name[:12], type(exc).__name__)
        fsync_dir(root)
    finally:
        lock.release()
    return out


def _settle_replace(root: Path, aside: Path, out: Recovery) -> None:
    m = _REPLACED_RE.fullmatch(aside.name)
    if m is None:
        # written by an older version that did not record the name: keep it, never guess
        log.warning("a vault set aside by an interrupted restore is kept at %s", aside.name)
        out.kept += 1
        return
    target = root / m.group("name")
    if (target / HEADER_FILE).is_file():
        wipe_tree(aside)  # the replacement finished: this is the old copy
        out.wiped += 1
    elif target.exists():
        log.warning("kept %s: its vault name holds something unexpected", aside.name[:20])
        out.kept += 1
    else:
        os.rename(aside, target)  # killed between the two renames: put the old vault back
        out.rolled_back += 1
        out.notes.append("an interrupted replace of a vault was rolled back")


def _drop_work(work: Path, out: Recovery) -> None:
    note = work / DEST_NOTE
    if note.is_file():
        tmp = Path(note.read_text(encoding="utf-8").strip())
        # only ever a hidden temp file of ours, never whatever path the note might name
        if tmp.is_absolute() and is_temp_name(tmp.name) and tmp.is_file() and not tmp.is_symlink():
            wipe_file(tmp)
    wipe_tree(work)
    out.wiped += 1


def _drop_stray_temps(folder: Path, out: Recovery) -> None:
    if not (folder / HEADER_FILE).is_file():
        return
    for f in folder.iterdir():
        if is_temp_name(f.name) and f.is_file() and not f.is_symlink():
            wipe_file(f)
            out.wiped += 1


def wipe_tree(path: Path) -> None:
    """Overwrite and remove every file, the header first (the crypto-erase), then the folders."""
    header = path / HEADER_FILE
    if header.is_file():
        wipe_file(header)
        crash_point("wipe.header-gone")
    for dirpath, _dirnames, filenames in os.walk(path, topdown=False):
        for filename in filenames:
            file = Path(dirpath) / filename
            try:
                wipe_file(file)
            except OSError:
                file.unlink(missing_ok=True)
        os.rmdir(dirpath)
