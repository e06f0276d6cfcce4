"""storage_*: app-private data (JSON values and small files) kept encrypted in the vault, per app
and identity, with a quota per app. Apps call these through the SDK (`mainframe.storage`)."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import TYPE_CHECKING, Any

from .. import errors as E
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
        s.merge(
            AppData(identity_id=ident, app_id=app, kind=kind, key=key, value=value, mime=mime, updated_at=time.time())
        )

    await node.db(write)


async def _get(node: Node, ctx: CallerContext, kind: str, key: str) -> Any:
    from vault.models import AppData

    ident, app = _app(ctx)

    def read(s: Any) -> Any:
        row = s.get(AppData, (ident, app, kind, key))
        return None if row is None else (bytes(row.value), row.mime)

    return await node.db(read)


async def _delete(node: Node, ctx: CallerContext, kind: str, key: str) -> bool:
    from vault.models import AppData

    ident, app = _app(ctx)

    def delete(s: Any) -> bool:
        row = s.get(AppData, (ident, app, kind, key))
        if row is not None:
            s.delete(row)
        return row is not None

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
        return None
    return {"name": name, "data": base64.b64encode(found[0]).decode(), "mime": found[1], "size": len(found[0])}


@method("storage_deleteFile", Param("name", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_delete_file(node: Node, ctx: CallerContext, name: str) -> bool:
    """Delete a stored file; true if there was one."""
    return await _delete(node, ctx, "file", _key(name))


@method("storage_listFiles", Param("prefix", required=False, max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_list_files(node: Node, ctx: CallerContext, prefix: str | None) -> list[dict[str, Any]]:
    """The app's files: name, size, mime, updatedAt."""
    return [{"name": k, "size": n, "mime": m, "updatedAt": t} for k, n, m, t in await _list(node, ctx, "file", prefix)]
