"""mfos files add|ls|get|rm|mv|cid|gc: an identity's encrypted files from the terminal.

Paths are made absolute here: the node (perhaps a running launcher) has its own working folder.
"""

from __future__ import annotations

import os
from typing import Any

from .framework import arg, command
from .session import CliSession

_IDENTITY = arg("--identity", help="identity id (default: the active one)")


def _abs(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    exponent = min(3, (n.bit_length() - 1) // 10)
    return f"{n / 1024**exponent:.1f} {('B', 'KiB', 'MiB', 'GiB')[exponent]}"


def _listing(r: dict[str, Any]) -> str:
    rows = [f"{name}/" for name in r["folders"]]
    rows += [
        f"{f['path'] if r['folder'] is None else f['name']}  {_size(f['size'])}  {f['id'][:8]}" for f in r["files"]
    ]
    return "\n".join(rows) if rows else "No files."


def _added(r: dict[str, Any]) -> str:
    if "added" in r:  # a folder
        lines = [f"Added {r['added']} file(s) into {r['folder']}."]
        lines += [f"  skipped {s['path']}: {s['reason']}" for s in r["skipped"]]
        return "\n".join(lines)
    return f"Added {r['path']} ({_size(r['size'])}), id {r['id'][:8]}."


@command(
    "files add",
    "encrypt a file or a folder into your files (blocks stay on this machine, keys in the vault)",
    arg("path"),
    arg("--to", dest="folder", help="folder to put it in, e.g. /Documents (default: /)"),
    arg("--name", help="name to keep it under (default: its own)"),
    _IDENTITY,
    vault="required",
    formatter=_added,
    method="files_add",
)
async def files_add(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    params = {"path": _abs(a.path), "folder": a.folder, "name": a.name, "identityId": a.identity}
    return await s.call("files_add", params)


@command(
    "files ls",
    "list a folder's files and subfolders (all files with --all)",
    arg("folder", nargs="?", default="/"),
    arg("--all", action="store_true", help="every file in every folder"),
    arg("--search", help="only names containing this"),
    _IDENTITY,
    vault="required",
    formatter=_listing,
)
async def files_ls(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    params = {"folder": None if a.all else a.folder, "query": a.search, "identityId": a.identity}
    return await s.call("files_list", params)


@command(
    "files get",
    "decrypt a file (by /folder/name, id or CID) to a path or into a folder",
    arg("file"),
    arg("out"),
    arg("--overwrite", action="store_true", help="replace OUT if it exists"),
    _IDENTITY,
    vault="required",
    formatter=lambda r: f"Wrote {r['path']} ({_size(r['size'])}).",
    method="files_get",
)
async def files_get(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    params = {"file": a.file, "out": _abs(a.out), "overwrite": a.overwrite, "identityId": a.identity}
    return await s.call("files_get", params)


@command(
    "files rm",
    "remove a file from your files (its blocks are freed by `files gc`)",
    arg("file"),
    _IDENTITY,
    vault="required",
    formatter=lambda r: f"Removed {r['name']}.",
)
async def files_rm(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("files_remove", {"file": a.file, "identityId": a.identity})


@command(
    "files mv",
    "move and/or rename a file",
    arg("file"),
    arg("--to", dest="folder", help="the folder to move it to"),
    arg("--name", help="its new name"),
    _IDENTITY,
    vault="required",
    formatter=lambda r: f"Now {r['path']}.",
)
async def files_mv(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("files_move", {"file": a.file, "folder": a.folder, "name": a.name, "identityId": a.identity})


@command(
    "files cid",
    "print a file's IPFS CID (as `ipfs add --cid-version 1 --raw-leaves` gives it), storing nothing",
    arg("path"),
    formatter=lambda r: r["cid"],
    method="files_cid",
)
async def files_cid(s: CliSession, a: Any) -> Any:
    await s.connect(None)
    return await s.call("files_cid", {"path": _abs(a.path)})


@command(
    "files gc",
    "delete stored blocks that no file needs any more",
    vault="required",
    formatter=lambda r: f"Freed {_size(r['freedBytes'])} ({r['removedBlocks']} blocks); {r['keptBlocks']} kept.",
    method="files_gc",
)
async def files_gc(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("files_gc")
