"""files_* methods: an identity's encrypted files (node/files does the work).

Paths on this machine (`path`, `out`) come only from trusted callers (launcher, CLI) and must be
absolute: the node's working directory means nothing to a caller on the socket.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from pathlib import Path
from typing import Any

from .. import errors as E
from ..events import FilesChanged
from ..files import errors as FE
from ..files.service import files_service
from ..params import Param
from ..registry import Access, method
from .apps import app_caller
from .identities import require_identity


def _local_path(path: str, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.is_absolute():
        raise E.InvalidParams(f"'{what}' must be an absolute path")
    return p


@method(
    "files_add",
    Param("path", max_length=4096, description="absolute path of the file to add"),
    Param("folder", required=False, max_length=4096),
    Param("name", required=False, max_length=1024, description="the name to keep it under (default: its own)"),
    Param("identityId", required=False),
)
async def files_add(
    node: Any, ctx: Any, path: str, folder: str | None, name: str | None, identityId: str | None
) -> Any:
    """Encrypt a file (or a folder's files, keeping its tree) into a folder; FileProgress events follow."""
    ident = await require_identity(node, ctx, identityId)
    src = _local_path(path, "path")
    svc = await files_service(node)
    if src.is_dir():
        return await svc.add_folder(ident, src, folder, name)
    return await svc.add(ident, src, folder, name)


@method(
    "files_list",
    Param("folder", required=False, max_length=4096, description="a folder ('/' for the top); all files when absent"),
    Param("query", required=False, max_length=256, description="only names containing this"),
    Param("identityId", required=False),
)
async def files_list(node: Any, ctx: Any, folder: str | None, query: str | None, identityId: str | None) -> Any:
    """The files in a folder (or all), with the folders just below it."""
    from ..files import index
    from ..files.service import _clean

    ident = await require_identity(node, ctx, identityId)
    where = None if folder is None else _clean(folder, "x")[0]
    await files_service(node)  # recovers an interrupted add before anything is listed
    return await node.db(lambda s: index.listing(s, ident, where, query))


@method(
    "files_get",
    Param("file", max_length=4096, description="file id, id prefix, root CID or /folder/name"),
    Param("out", max_length=4096, description="absolute path to write the decrypted file to (or a folder)"),
    Param("overwrite", "boolean", required=False, default=False),
    Param("identityId", required=False),
)
async def files_get(node: Any, ctx: Any, file: str, out: str, overwrite: bool, identityId: str | None) -> Any:
    """Decrypt a file to a path on this machine, verifying every block; given the id of a share
    from Shared with me, download it first (a folder goes to out/<its name>/...)."""
    from ..files import online, shared_in

    ident = await require_identity(node, ctx, identityId)
    svc, target = await files_service(node), _local_path(out, "out")
    try:
        return await svc.get(ident, file, target, overwrite)
    except FE.FileNotFound as not_a_file:
        try:
            await node.db(lambda s: shared_in.find(s, ident, file))
        except FE.FileNotFound:
            raise not_a_file from None
    await online.connect(node)
    return await svc.downloads.save(ident, file, target, overwrite)


@method(
    "files_move",
    Param("file", max_length=4096),
    Param("folder", required=False, max_length=4096),
    Param("name", required=False, max_length=1024),
    Param("identityId", required=False),
)
async def files_move(
    node: Any, ctx: Any, file: str, folder: str | None, name: str | None, identityId: str | None
) -> Any:
    """Move a file to another folder and/or give it another name."""
    ident = await require_identity(node, ctx, identityId)
    return await (await files_service(node)).move(ident, file, folder, name)


@method("files_remove", Param("file", max_length=4096), Param("identityId", required=False))
async def files_remove(node: Any, ctx: Any, file: str, identityId: str | None) -> Any:
    """Take a file out of the index (its blocks go at the next gc)."""
    ident = await require_identity(node, ctx, identityId)
    return await (await files_service(node)).remove(ident, file)


@method("files_cancel", Param("job", max_length=64))
async def files_cancel(node: Any, ctx: Any, job: str) -> Any:
    """Cancel an add or a download in progress (its job id comes with its FileProgress events)."""
    return {"cancelled": (await files_service(node)).cancel(job)}


@method("files_gc")
async def files_gc(node: Any, ctx: Any) -> Any:
    """Delete the stored blocks no file of this vault needs any more."""
    return await (await files_service(node)).gc()


@method("files_cid", Param("path", max_length=4096), needs_vault=False)
async def files_cid(node: Any, ctx: Any, path: str) -> Any:
    """The IPFS CID of a file as is (`ipfs add --cid-version 1 --raw-leaves`), storing nothing."""
    from ..files.unixfs import plain_cid

    src = _local_path(path, "path")

    def compute() -> tuple[str, int]:
        with open(src, "rb") as f:
            size = 0

            def chunks() -> Any:
                nonlocal size
                while data := f.read(4 << 20):
                    size += len(data)
                    yield data

            return str(plain_cid(chunks())), size

    cid, size = await asyncio.to_thread(compute)
    return {"cid": cid, "size": size, "name": src.name}


# -- an app's own files, as streams (SDK: mainframe.files) ---------------------------------------

FILES = Access.permission_key("FILES")


def _owner(ctx: Any) -> str:
    """Whose handles: one app for one identity (the same app open for two identities shares none)."""
    return f"{ctx.label}:{ctx.identity_id}"


def _b64(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise E.InvalidParams("data must be base64") from None


@method(
    "files_appOpenWrite",
    Param("name", max_length=1024),
    Param("mime", required=False, max_length=100),
    access=FILES,
    app_only=True,
)
async def files_app_open_write(node: Any, ctx: Any, name: str, mime: str | None) -> Any:
    """Start writing one of the app's files (replaced when closed); returns a handle."""
    ident, app_id = app_caller(ctx)
    svc = await files_service(node)
    return {"handle": await svc.apps.open_write(_owner(ctx), ident, app_id, name, mime)}


@method(
    "files_appWrite", Param("handle", max_length=64), Param("data", max_length=2_000_000), access=FILES, app_only=True
)
async def files_app_write(node: Any, ctx: Any, handle: str, data: str) -> Any:
    """Append a piece (base64, at most 1 MiB) to a file open for writing."""
    app_caller(ctx)
    raw = _b64(data)
    if len(raw) > (1 << 20):
        raise E.InvalidParams("pieces are at most 1 MiB")
    return {"size": await (await files_service(node)).apps.write(_owner(ctx), handle, raw)}


@method("files_appCloseWrite", Param("handle", max_length=64), access=FILES, app_only=True)
async def files_app_close_write(node: Any, ctx: Any, handle: str) -> Any:
    """Finish a file open for writing: it is stored and listed now."""
    ident, app_id = app_caller(ctx)
    entry = await (await files_service(node)).apps.close_write(_owner(ctx), handle, app_id)
    node.events.emit(FilesChanged(ident))
    return entry


@method("files_appOpenRead", Param("name", max_length=1024), access=FILES, app_only=True)
async def files_app_open_read(node: Any, ctx: Any, name: str) -> Any:
    """Start reading one of the app's files; returns {handle, size}."""
    ident, app_id = app_caller(ctx)
    return await (await files_service(node)).apps.open_read(_owner(ctx), ident, app_id, name)


@method(
    "files_appRead",
    Param("handle", max_length=64),
    Param("size", "integer", required=False, default=1 << 20),
    access=FILES,
    app_only=True,
)
async def files_app_read(node: Any, ctx: Any, handle: str, size: int) -> Any:
    """The next piece (base64, at most 1 MiB) of a file open for reading; "" at the end."""
    app_caller(ctx)
    piece = await (await files_service(node)).apps.read(_owner(ctx), handle, size)
    return {"data": base64.b64encode(piece).decode(), "end": not piece}


@method("files_appClose", Param("handle", max_length=64), access=FILES, app_only=True)
async def files_app_close(node: Any, ctx: Any, handle: str) -> Any:
    """Close a handle (a file being written is dropped)."""
    app_caller(ctx)
    return await (await files_service(node)).apps.close(_owner(ctx), handle)


@method("files_appPick", access=FILES, app_only=True)
async def files_app_pick(node: Any, ctx: Any) -> Any:
    """The user picks a file in a launcher dialog; it is added to the app's files and the app gets
    its {name, size, mime} (never its path), or null if the user cancels."""
    from ..apps.caller import caller_details
    from ..prompter import PromptRequest

    ident, app_id = app_caller(ctx)
    who = await caller_details(node, ctx)
    answer = await node.prompter.ask(
        PromptRequest("file", ctx, f"{who.get('app', app_id)} asks you to pick a file", who, ("approve", "reject"))
    )
    if not answer.approved or not isinstance(answer.data, str):
        return None
    src = _local_path(answer.data, "file")
    if not src.is_file():
        raise FE.FilesRpcError(f"Not a file: {src.name[:120]}")
    return await (await files_service(node)).apps.import_picked(ident, app_id, src)  # add() says FilesChanged


@method("files_appList", access=FILES, app_only=True)
async def files_app_list(node: Any, ctx: Any) -> Any:
    """The app's files: name, size, mime, addedAt."""
    from ..files import index
    from ..files.app_files import app_folder

    ident, app_id = app_caller(ctx)
    listing = await node.db(lambda s: index.listing(s, ident, app_folder(app_id), None))
    return [{k: f[k] for k in ("name", "size", "mime", "addedAt")} for f in listing["files"]]


@method("files_appDelete", Param("name", max_length=1024), access=FILES, app_only=True)
async def files_app_delete(node: Any, ctx: Any, name: str) -> Any:
    """Delete one of the app's files; true if there was one."""
    from ..files.app_files import app_folder
    from ..files.handles import app_file_name

    ident, app_id = app_caller(ctx)
    svc = await files_service(node)
    try:
        await svc.remove(ident, f"{app_folder(app_id)}/{app_file_name(name)}")
    except FE.FileNotFound:
        return False
    return True
