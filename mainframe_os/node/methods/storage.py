"""storage_*: app-private data kept encrypted per app and identity. JSON values and files up to
512 KiB live in the vault (quota per app); larger files (up to 256 MiB each) are sent in pieces
into the identity's encrypted file store (node/files/app_storage.py). Apps call these through the
SDK (`mainframe.storage`), which picks the path by size; names work the same in both places."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..files import app_storage
from ..files.service import files_service
from ..params import Param
from ..registry import Access, method
from .apps import app_caller as _app

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

MAX_KEY = 256
MAX_VALUE_BYTES = 256 * 1024
MAX_FILE_BYTES = 512 * 1024  # a bridge message is at most 1 MiB, and files travel base64
MAX_APP_BYTES = 32 << 20
STORAGE = Access.permission_key("STORAGE")


def _key(key: str) -> str:
    if not key or len(key) > MAX_KEY:
        raise E.InvalidParams(f"keys are 1 to {MAX_KEY} characters")
    return key


async def _put(node: Node, ctx: CallerContext, kind: str, key: str, value: bytes, mime: str | None) -> None:
    from sqlalchemy import func, select

    from vault.models import AppData

    ident, app = _app(ctx)

    def write(s: Any) -> None:
        used = (
            s.scalar(
                select(func.coalesce(func.sum(func.length(AppData.value)), 0)).where(
                    AppData.identity_id == ident, AppData.app_id == app
                )
            )
            or 0
        )
        old = s.get(AppData, (ident, app, kind, key))
        if used - (len(old.value) if old else 0) + len(value) > MAX_APP_BYTES:
            raise E.InvalidParams(f"the app's storage is full ({MAX_APP_BYTES >> 20} MiB)")
        if kind == "file":
            app_storage.remove_in(s, ident, app, key)  # the small copy replaces a large one
        s.merge(
            AppData(identity_id=ident, app_id=app, kind=kind, key=key, value=value, mime=mime, updated_at=time.time())
        )

    await node.db(write)


def _drop_row(s: Any, ident: str, app: str, kind: str, key: str) -> bool:
    from vault.models import AppData

    row = s.get(AppData, (ident, app, kind, key))
    if row is not None:
        s.delete(row)
    return row is not None


async def _get(node: Node, ctx: CallerContext, kind: str, key: str) -> Any:
    from vault.models import AppData

    ident, app = _app(ctx)

    def read(s: Any) -> Any:
        row = s.get(AppData, (ident, app, kind, key))
        return None if row is None else (bytes(row.value), row.mime)

    return await node.db(read)


async def _delete(node: Node, ctx: CallerContext, kind: str, key: str) -> bool:
    ident, app = _app(ctx)

    def delete(s: Any) -> bool:
        big = kind == "file" and app_storage.remove_in(s, ident, app, key)
        return _drop_row(s, ident, app, kind, key) or big

    return bool(await node.db(delete))


async def _list(node: Node, ctx: CallerContext, kind: str, prefix: str | None) -> list[Any]:
    from sqlalchemy import select

    from vault.models import AppData

    ident, app = _app(ctx)
    stmt = select(AppData).where(AppData.identity_id == ident, AppData.app_id == app, AppData.kind == kind)
    return await node.db(
        lambda s: [
            (r.key, len(r.value), r.mime, r.updated_at)
            for r in s.scalars(stmt.order_by(AppData.key))
            if prefix is None or r.key.startswith(prefix)
        ]
    )


@method("storage_get", Param("key", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_get(node: Node, ctx: CallerContext, key: str) -> Any:
    """A JSON value the app stored under `key` (null if none)."""
    found = await _get(node, ctx, "kv", _key(key))
    return None if found is None else json.loads(found[0])


@method("storage_set", Param("key", max_length=MAX_KEY), Param("value", "any"), access=STORAGE, app_only=True)
async def storage_set(node: Node, ctx: CallerContext, key: str, value: Any) -> bool:
    """Store a JSON value under `key`, encrypted in the vault, private to the app and identity."""
    raw = json.dumps(value, separators=(",", ":")).encode()
    if len(raw) > MAX_VALUE_BYTES:
        raise E.InvalidParams(f"values are at most {MAX_VALUE_BYTES >> 10} KiB of JSON")
    await _put(node, ctx, "kv", _key(key), raw, None)
    return True


@method("storage_delete", Param("key", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_delete(node: Node, ctx: CallerContext, key: str) -> bool:
    """Delete a stored value; true if there was one."""
    return await _delete(node, ctx, "kv", _key(key))


@method("storage_list", Param("prefix", required=False, max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_list(node: Node, ctx: CallerContext, prefix: str | None) -> list[str]:
    """The app's keys (those starting with `prefix`)."""
    return [k for k, *_ in await _list(node, ctx, "kv", prefix)]


@method(
    "storage_writeFile",
    Param("name", max_length=MAX_KEY),
    Param("data", description="base64"),
    Param("mime", required=False, default="application/octet-stream", max_length=100),
    access=STORAGE,
    app_only=True,
)
async def storage_write_file(node: Node, ctx: CallerContext, name: str, data: str, mime: str) -> dict[str, Any]:
    """Store a file (base64 data, up to 512 KiB), encrypted in the vault."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise E.InvalidParams("data must be base64") from None
    if len(raw) > MAX_FILE_BYTES:
        raise E.InvalidParams(f"files are at most {MAX_FILE_BYTES >> 10} KiB")
    await _put(node, ctx, "file", _key(name), raw, mime)
    return {"name": name, "size": len(raw), "mime": mime}


@method("storage_readFile", Param("name", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_read_file(node: Node, ctx: CallerContext, name: str) -> dict[str, Any] | None:
    """A stored file as {name, data (base64), mime, size}, or null."""
    found = await _get(node, ctx, "file", _key(name))
    if found is None:
        ident, app = _app(ctx)
        big = await app_storage.storage_files(await files_service(node)).find(ident, app, name)
        if big is None:
            return None  # a large one is read in pieces: {data: null, large: true} says so
        return {"name": name, "data": None, "mime": big[1], "size": big[0].size, "large": True}
    return {"name": name, "data": base64.b64encode(found[0]).decode(), "mime": found[1], "size": len(found[0])}


@method("storage_deleteFile", Param("name", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_delete_file(node: Node, ctx: CallerContext, name: str) -> bool:
    """Delete a stored file; true if there was one."""
    return await _delete(node, ctx, "file", _key(name))


@method("storage_listFiles", Param("prefix", required=False, max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_list_files(node: Node, ctx: CallerContext, prefix: str | None) -> list[dict[str, Any]]:
    """The app's files (small and large, by name): name, size, mime, updatedAt."""
    ident, app = _app(ctx)
    small = [{"name": k, "size": n, "mime": m, "updatedAt": t} for k, n, m, t in await _list(node, ctx, "file", prefix)]
    big = [
        {"name": f["name"], "size": f["size"], "mime": f["mime"], "updatedAt": f["addedAt"]}
        for f in await node.db(lambda s: app_storage.listing_in(s, ident, app))
        if prefix is None or f["name"].startswith(prefix)
    ]
    return sorted(small + big, key=lambda f: f["name"])


# -- large files, in pieces through the file store -----------------------------------------------


def _owner(ctx: CallerContext) -> str:
    return f"{ctx.label}:{ctx.identity_id}"


async def _big(node: Node) -> app_storage.StorageFiles:
    return app_storage.storage_files(await files_service(node))


@method(
    "storage_openFileWrite",
    Param("name", max_length=MAX_KEY),
    Param("mime", required=False, default="application/octet-stream", max_length=100),
    access=STORAGE,
    app_only=True,
)
async def storage_open_file_write(node: Node, ctx: CallerContext, name: str, mime: str) -> dict[str, Any]:
    """Start writing a large file (up to 256 MiB) in pieces; returns a handle. Kept when closed."""
    ident, app = _app(ctx)
    return {"handle": await (await _big(node)).open_write(_owner(ctx), ident, app, name, mime)}


@method(
    "storage_writeFilePiece",
    Param("handle", max_length=64),
    Param("offset", "integer"),
    Param("data", max_length=1_000_000, description="base64, at most 512 KiB"),
    access=STORAGE,
    app_only=True,
)
async def storage_write_file_piece(node: Node, ctx: CallerContext, handle: str, offset: int, data: str) -> Any:
    """Append the piece that starts at byte `offset`; any other offset drops the whole file."""
    _app(ctx)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise E.InvalidParams("data must be base64") from None
    if len(raw) > app_storage.MAX_PIECE:
        raise E.InvalidParams(f"pieces are at most {app_storage.MAX_PIECE >> 10} KiB")
    return {"size": await (await _big(node)).write(_owner(ctx), handle, offset, raw)}


@method("storage_closeFileWrite", Param("handle", max_length=64), access=STORAGE, app_only=True)
async def storage_close_file_write(node: Node, ctx: CallerContext, handle: str) -> dict[str, Any]:
    """Finish a large file: listed now, replacing any file of that name."""
    ident, app = _app(ctx)
    drop = lambda s, name: _drop_row(s, ident, app, "file", name)  # noqa: E731
    return await (await _big(node)).close_write(_owner(ctx), handle, drop)


@method("storage_openFileRead", Param("name", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_open_file_read(node: Node, ctx: CallerContext, name: str) -> dict[str, Any] | None:
    """Start reading a large file: {handle, size, mime}, or null if there is none."""
    ident, app = _app(ctx)
    return await (await _big(node)).open_read(_owner(ctx), ident, app, name)


@method(
    "storage_readFilePiece",
    Param("handle", max_length=64),
    Param("size", "integer", required=False, default=app_storage.MAX_PIECE),
    access=STORAGE,
    app_only=True,
)
async def storage_read_file_piece(node: Node, ctx: CallerContext, handle: str, size: int) -> dict[str, Any]:
    """The next piece (base64, at most 512 KiB) of a large file; end: true after the last."""
    _app(ctx)
    piece = await (await _big(node)).read(_owner(ctx), handle, size)
    return {"data": base64.b64encode(piece).decode(), "end": not piece}


@method("storage_closeFile", Param("handle", max_length=64), access=STORAGE, app_only=True)
async def storage_close_file(node: Node, ctx: CallerContext, handle: str) -> bool:
    """Close a handle (a file being written is dropped, nothing kept)."""
    _app(ctx)
    return await (await _big(node)).close(_owner(ctx), handle)
