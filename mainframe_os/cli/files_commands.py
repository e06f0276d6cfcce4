"""mfos files ls: listing a folder, or every file with --all (a choice made here, not a param).
The one-call commands (`files add|get|rm|mv|cid|gc`) are declared in files_declarations.py."""

from __future__ import annotations

from typing import Any

from .files_declarations import listing
from .framework import arg, command
from .session import CliSession


@command(
    "files ls",
    "list a folder's files and subfolders (all files with --all)",
    arg("folder", nargs="?", default="/"),
    arg("--all", action="store_true", help="every file in every folder"),
    arg("--search", help="only names containing this"),
    arg("--identity", help="identity id (default: the active one)"),
    vault="required",
    formatter=listing,
)
async def files_ls(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    params = {"folder": None if a.all else a.folder, "query": a.search, "identityId": a.identity}
    return await s.call("files_list", params)
