"""files_* methods for sharing: with peers (a capability, or a message to a contact or group),
what others shared with us and its download, public links, and the blocks backup.
node/files does the work (sharing, shared_in, downloads, public, block_backup).

Paths on this machine come only from trusted callers and must be absolute (see methods/files.py).
"""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..files import errors as FE
from ..files.service import files_service
from ..params import Param
from ..registry import method
from .apps import app_caller
from .files import FILES, _local_path
from .identities import require_identity

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


# -- an app shares its own files (SDK: mainframe.files.share) ------------------------------------


@method(
    "files_appShare",
    Param("name", max_length=1024, description="one of the app's files"),
    Param("contact", max_length=64, description="a per-app contact id (contacts.select, comms.pickContacts)"),
    access=FILES,
    app_only=True,
)
async def files_app_share(node: Any, ctx: Any, name: str, contact: str) -> Any:
    """Share one of the app's files with a contact the user picked for this app, once the user
    confirms it in a launcher dialog naming the app, the file and the contact. The contact sees it
    in Shared with me, like a share from Files. Another app's contact id (4012) or one never picked
    for this app (4100), and a name that is not one of the app's files, are refused before any prompt."""
    from ..apps.caller import caller_details
    from ..files import index
    from ..files.app_files import app_folder
    from ..files.handles import app_file_name
    from ..prompter import PromptRequest
    from ..text import safe_text

    ident, app_id = app_caller(ctx)
    svc = await files_service(node)
    path = f"{app_folder(app_id)}/{app_file_name(name)}"
    contact_id = await node.apps.resolve_contact(ctx, contact)

    def look(s: Any) -> tuple[Any, str]:
        from vault.models import Contact

        hits = index.find(s, ident, path)
        if len(hits) != 1:
            raise FE.FileNotFound(f"The app has no file named '{name[:120]}'")
        c = s.get(Contact, contact_id)
        return index.opened(hits[0]), c.display_name if c is not None else "?"

    f, who_to = await node.db(look)
    who = await caller_details(node, ctx)
    shown, who_to = safe_text(f.name), safe_text(who_to)  # names others chose: no bidi tricks in a dialog
    answer = await node.prompter.ask(
        PromptRequest(
            "confirm",
            ctx,
            f"{who.get('app', app_id)} wants to share '{shown}' with {who_to}",
            {**who, "file": shown, "size": f"{f.size:,} bytes", "with": who_to},
            ("approve", "reject"),
        )
    )
    if not answer.approved:
        raise E.UserRejected()
    made = await _share_by_message(node, svc, ident, f.id, contact_id, None)
    return {"share": made["share"], "name": f.name, "size": f.size}


@method("files_appShares", access=FILES, app_only=True)
async def files_app_shares(node: Any, ctx: Any) -> Any:
    """The app's files shared with contacts picked for it: name, size, contactId, displayName,
    sharedAt, revoked (newest first)."""
    from ..files import app_files

    ident, app_id = app_caller(ctx)
    return await node.db(lambda s: app_files.shares(s, ident, app_id))


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
