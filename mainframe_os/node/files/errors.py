"""The files domain's errors (range 8xxx), user-facing: their messages reach the caller."""

from __future__ import annotations

import errno

from ..errors import RpcError


class FilesRpcError(RpcError):
    code, default_message = 8000, "Files error"


class FileNotFound(FilesRpcError):
    code, default_message = 8001, "No file matches"


class FileExists(FilesRpcError):
    code, default_message = 8002, "A file with that name is already in that folder"


class BadFileName(FilesRpcError):
    code, default_message = 8003, "That name cannot be used"


class FileDamaged(FilesRpcError):
    code, default_message = 8004, "The file's stored blocks are damaged or missing"


class FilesBusy(FilesRpcError):
    code, default_message = 8005, "Files are busy; try again in a moment"


class FileCancelled(FilesRpcError):
    code, default_message = 8006, "Cancelled"


class DiskFull(FilesRpcError):
    code, default_message = 8010, "Not enough disk space: nothing was kept"


_SQLITE_FULL = 13


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the disk or a quota is full: a write's ENOSPC or
    EDQUOT, or SQLite's SQLITE_FULL from the block index or the vault."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(seen, "sqlite_errorcode", None) == _SQLITE_FULL or "database or disk is full" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "orig", None)
    return False
