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
    except FE.FileNotFound:
        try:
            await node.db(lambda s: shared_in.find(s, ident, file))
        except FE.FileNotFound:
            raise FE.FileNotFound(f"No file or share matches '{file[:120]}'") from None
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


def _app(ctx: Any) -> tuple[str, str]:
    if not ctx.app_id or not ctx.identity_id:
        raise E.InvalidParams("files_app* methods are for apps: use files_add/files_get")
    return ctx.app_id, ctx.identity_id


def _owner(ctx: Any) -> str:
    """Whose handles: one app for one identity (the same app open for two identities shares none)."""
    return f"{ctx.label}:{ctx.identity_id}"


def _b64(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise E.InvalidParams("data must be base64") from None


@method(
    "files_appOpenWrite", Param("name", max_length=1024), Param("mime", required=False, max_length=100), access=FILES
)
async def files_app_open_write(node: Any, ctx: Any, name: str, mime: str | None) -> Any:
    """Start writing one of the app's files (replaced when closed); returns a handle."""
    app_id, ident = _app(ctx)
    svc = await files_service(node)
    return {"handle": await svc.apps.open_write(_owner(ctx), ident, app_id, name, mime)}


@method("files_appWrite", Param("handle", max_length=64), Param("data", max_length=2_000_000), access=FILES)
async def files_app_write(node: Any, ctx: Any, handle: str, data: str) -> Any:
    """Append a piece (base64, at most 1 MiB) to a file open for writing."""
    _app(ctx)
    raw = _b64(data)
    if len(raw) > (1 << 20):
        raise E.InvalidParams("pieces are at most 1 MiB")
    return {"size": await (await files_service(node)).apps.write(_owner(ctx), handle, raw)}


@method("files_appCloseWrite", Param("handle", max_length=64), access=FILES)
async def files_app_close_write(node: Any, ctx: Any, handle: str) -> Any:
    """Finish a file open for writing: it is stored and listed now."""
    app_id, ident = _app(ctx)
    entry = await (await files_service(node)).apps.close_write(_owner(ctx), handle, app_id)
    node.events.emit(FilesChanged(ident))
    return entry


@method("files_appOpenRead", Param("name", max_length=1024), access=FILES)
async def files_app_open_read(node: Any, ctx: Any, name: str) -> Any:
    """Start reading one of the app's files; returns {handle, size}."""
    app_id, ident = _app(ctx)
    return await (await files_service(node)).apps.open_read(_owner(ctx), ident, app_id, name)


@method(
    "files_appRead",
    Param("handle", max_length=64),
    Param("size", "integer", required=False, default=1 << 20),
    access=FILES,
)
async def files_app_read(node: Any, ctx: Any, handle: str, size: int) -> Any:
    """The next piece (base64, at most 1 MiB) of a file open for reading; "" at the end."""
    _app(ctx)
    piece = await (await files_service(node)).apps.read(_owner(ctx), handle, size)
    return {"data": base64.b64encode(piece).decode(), "end": not piece}


@method("files_appClose", Param("handle", max_length=64), access=FILES)
async def files_app_close(node: Any, ctx: Any, handle: str) -> Any:
    """Close a handle (a file being written is dropped)."""
    _app(ctx)
    return await (await files_service(node)).apps.close(_owner(ctx), handle)


@method("files_appList", access=FILES)
async def files_app_list(node: Any, ctx: Any) -> Any:
    """The app's files: name, size, mime, addedAt."""
    from ..files import index
    from ..files.app_files import app_folder

    app_id, ident = _app(ctx)
    listing = await node.db(lambda s: index.listing(s, ident, app_folder(app_id), None))
    return [{k: f[k] for k in ("name", "size", "mime", "addedAt")} for f in listing["files"]]


@method("files_appDelete", Param("name", max_length=1024), access=FILES)
async def files_app_delete(node: Any, ctx: Any, name: str) -> Any:
    """Delete one of the app's files; true if there was one."""
    from ..files.app_files import app_folder

    app_id, ident = _app(ctx)
    svc = await files_service(node)
    try:
        await svc.remove(ident, f"{app_folder(app_id)}/{svc.apps._name(name)}")
    except FE.FileNotFound:
        return False
    return True


# -- sharing with peers -------------------------------------------------------------------------


@method(
    "files_share",
    Param("file", max_length=4096, description="a file (id, CID or /folder/name) or a folder path"),
    Param("contact", required=False, max_length=256, description="a contact (id or name) to send the share to"),
    Param("group", required=False, max_length=256, description="a group to send the share to"),
    Param("peer", required=False, max_length=256, description="a bare peer id: the capability is returned to you"),
    Param("identityId", required=False),
)
async def files_share(
    node: Any, ctx: Any, file: str, contact: str | None, group: str | None, peer: str | None, identityId: str | None
) -> Any:
    """Share a file or folder: with a contact or group it goes to them as a message (they see it
    in Shared with me); with a bare peer id the capability (it opens the file) is returned."""
    ident = await require_identity(node, ctx, identityId)
    if sum(x is not None for x in (contact, group, peer)) != 1:
        raise E.InvalidParams("Give one of 'contact', 'group' or 'peer'")
    svc = await files_service(node)
    if peer is not None:
        return await svc.share(ident, file, peer)
    return await _share_by_message(node, svc, ident, file, contact, group)


async def _share_by_message(
    node: Any, svc: Any, ident: str, file: str, contact: str | None, group: str | None
) -> dict[str, Any]:
    from ..files import sharing

    def record(s: Any) -> dict[str, Any]:
        return sharing.share_many(s, ident, file, sharing.recipients(s, ident, contact, group))

    made = await node.db(record)
    await svc.refresh_served()  # served before the message can arrive
    try:
        for payload in made.pop("payloads"):
            if contact is not None:
                await node.call("comms_send", {"contact": contact, "payload": payload, "identityId": ident})
            else:
                await node.call("groups_send", {"group": group, "payload": payload, "identityId": ident})
    except Exception:
        await svc.revoke(ident, made["share"])  # not sent: not shared
        raise
    return made


@method("files_shared", Param("identityId", required=False))
async def files_shared(node: Any, ctx: Any, identityId: str | None) -> Any:
    """Files and folders others shared with you (newest first): who, what, and whether downloaded."""
    from ..files import shared_in

    ident = await require_identity(node, ctx, identityId)

    def read(s: Any) -> list[dict[str, Any]]:
        incoming = shared_in.received(s, ident)
        names, have = shared_in.sender_names(s, ident, incoming), shared_in.have_roots(s, ident)
        return [shared_in.incoming_json(i, names.get(i.sender), have) for i in reversed(incoming)]

    return await node.db(read)


@method("files_download", Param("share", max_length=64), Param("identityId", required=False))
async def files_download(node: Any, ctx: Any, share: str, identityId: str | None) -> Any:
    """Download a share into /Shared with me from the sender's node; FileProgress events follow
    (job = the share id, which files_cancel takes)."""
    from ..files import online

    ident = await require_identity(node, ctx, identityId)
    svc = await files_service(node)
    await online.connect(node)
    return await svc.downloads.download(ident, share)


@method("files_revokeShare", Param("shareId", max_length=64), Param("identityId", required=False))
async def files_revoke_share(node: Any, ctx: Any, shareId: str, identityId: str | None) -> Any:
    """Stop serving a share (its id) or one file of it to one peer (a row id from files_shares)
    from this node; what they already fetched stays theirs."""
    ident = await require_identity(node, ctx, identityId)
    return {"revoked": await (await files_service(node)).revoke(ident, shareId)}


@method("files_shares", Param("identityId", required=False))
async def files_shares(node: Any, ctx: Any, identityId: str | None) -> Any:
    """The identity's shares: file, peer, when, revoked or not."""
    from ..files import sharing

    ident = await require_identity(node, ctx, identityId)
    return await node.db(lambda s: sharing.shares_json(s, ident))


@method(
    "files_receive",
    Param("capability", max_length=4096, secret=True),
    Param("folder", required=False, max_length=4096),
    Param("identityId", required=False),
)
async def files_receive(node: Any, ctx: Any, capability: str, folder: str | None, identityId: str | None) -> Any:
    """List a file a peer shared (default folder "/Shared with me"); files_fetch brings its blocks."""
    ident = await require_identity(node, ctx, identityId)
    return await (await files_service(node)).receive(ident, capability, folder)


@method(
    "files_fetch",
    Param("file", max_length=4096),
    Param("providers", "array", description="peer ids that have the file, or their multiaddrs ending in /p2p/<id>"),
    Param("identityId", required=False),
)
async def files_fetch(node: Any, ctx: Any, file: str, providers: list[Any], identityId: str | None) -> Any:
    """Fetch a received file's blocks from its peers, verified; FileProgress events follow."""
    from ..files import online, p2p

    ident = await require_identity(node, ctx, identityId)
    if not providers or len(providers) > 32 or not all(isinstance(p, str) and 0 < len(p) < 512 for p in providers):
        raise E.InvalidParams("'providers' must list 1 to 32 peer ids (or multiaddrs ending in /p2p/<id>)")
    svc = await files_service(node)
    if svc.exchange is None:
        await online.connect(node)
    return await svc.fetch(ident, file, p2p.learn_addresses(svc, providers))


# -- the blocks, backed up beside the vault backup ----------------------------------------------


@method("files_blocksSize")
async def files_blocks_size(node: Any, ctx: Any) -> Any:
    """How many blocks (and bytes) a blocks backup of this vault's files would write."""
    from ..files import block_backup

    return await block_backup.size(await files_service(node))


@method(
    "files_exportBlocks",
    Param("path", max_length=4096, description="absolute path of the CAR file to write"),
    Param("overwrite", "boolean", required=False, default=False),
)
async def files_export_blocks(node: Any, ctx: Any, path: str, overwrite: bool) -> Any:
    """Write every block this vault's files need to one CAR file (ciphertext: the keys stay in
    the vault and its backup); FileProgress events ("backup") follow."""
    from ..files import block_backup

    return await block_backup.export(await files_service(node), _local_path(path, "path"), overwrite)


@method("files_importBlocks", Param("path", max_length=4096, description="absolute path of a CAR file"))
async def files_import_blocks(node: Any, ctx: Any, path: str) -> Any:
    """Store the blocks of a CAR file (a blocks backup), each checked against its CID."""
    from ..files import block_backup

    return await block_backup.import_car(await files_service(node), _local_path(path, "path"))


# -- public files: a plain copy, for a link to share outside Mainframe ---------------------------


@method(
    "files_publish",
    Param("file", max_length=4096),
    Param("acknowledge", "boolean", required=False, default=False, description="the user read the warning"),
    Param("identityId", required=False),
)
async def files_publish(node: Any, ctx: Any, file: str, acknowledge: bool, identityId: str | None) -> Any:
    """Make a file public: an unencrypted copy, served to anyone, with a plain IPFS gateway link.
    Refused (with the warning) unless `acknowledge` says the user accepted it."""
    from ..files import public

    ident = await require_identity(node, ctx, identityId)
    return await public.publish(await files_service(node), ident, file, acknowledge)


@method("files_unpublish", Param("file", max_length=4096), Param("identityId", required=False))
async def files_unpublish(node: Any, ctx: Any, file: str, identityId: str | None) -> Any:
    """Stop serving a file's public copy (its plain blocks go at the next gc; copies others
    made are theirs)."""
    from ..files import public

    ident = await require_identity(node, ctx, identityId)
    return await public.unpublish(await files_service(node), ident, file)


@method("files_public", Param("identityId", required=False))
async def files_public(node: Any, ctx: Any, identityId: str | None) -> Any:
    """The identity's public files, with their links."""
    from ..files import public

    ident = await require_identity(node, ctx, identityId)
    return await node.db(lambda s: public.listing(s, ident))
