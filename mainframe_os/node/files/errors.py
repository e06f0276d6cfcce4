"""The files domain's errors (range 8xxx), user-facing: their messages reach the caller."""

from __future__ import annotations

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
