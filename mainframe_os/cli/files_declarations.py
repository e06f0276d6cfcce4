"""The files commands (issue 13) as users type them: `mfos files add|get|rm|mv|cid|gc|share|shared`, each one
call of a `files_*` method, and what they print. Local paths are made absolute by the CLI
(`local_paths`): the node (perhaps a running launcher) has its own working folder.
`files ls` (its `--all` is not a param) stays a flow in files_commands.py.
"""

from __future__ import annotations

from typing import Any

from .formats import formats
from .from_registry import shape


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    exponent = min(3, (n.bit_length() - 1) // 10)
    return f"{n / 1024**exponent:.1f} {('B', 'KiB', 'MiB', 'GiB')[exponent]}"


shape(
    "files_add",
    flags={"folder": "--to"},
    local_paths=("path",),
    help="encrypt a file or a folder into your files (blocks stay on this machine, keys in the vault)",
)
shape(
    "files_get",
    local_paths=("out",),
    help="decrypt a file (by /folder/name, id or CID) to a path or into a folder",
)
shape("files_remove", "files rm", help="remove a file from your files (its blocks are freed by `files gc`)")
shape("files_move", "files mv", flags={"folder": "--to"}, help="move and/or rename a file")
shape(
    "files_cid",
    local_paths=("path",),
    help="print a file's IPFS CID (as `ipfs add --cid-version 1 --raw-leaves` gives it), storing nothing",
)
shape("files_gc", help="delete stored blocks that no file needs any more")
shape(
    "files_share",
    positional=("file", "contact"),
    help="share a file or folder with a contact (or --group); they get a message and download it from you",
)
shape("files_shared", help="what others shared with you: `files get SHARE_ID OUT` downloads one")
shape("files_shares", help="what you shared, with whom, and whether revoked")
shape("files_revokeShare", "files revoke", help="stop serving a share (its id from `files shares`)")
shape("files_download", help="download a share into your files (/Shared with me)")


@formats("files_revokeShare")
def _revoked(r: dict[str, Any]) -> str:
    return "Revoked: this node serves it no more." if r["revoked"] else "Already revoked."


shape(
    "files_publish",
    help="make a file public (an UNENCRYPTED copy anyone can fetch) and print its IPFS gateway link",
)
shape("files_unpublish", help="stop serving a file's public copy")
shape("files_public", help="your public files and their links")
shape("files_blocksSize", "files blocks-size", help="how much a blocks backup (vault backup --with-blocks) writes")
shape("files_exportBlocks", "files export-blocks", local_paths=("path",), help="write every file block to a CAR file")
shape(
    "files_importBlocks",
    "files import-blocks",
    local_paths=("path",),
    help="store the blocks of a CAR file (after `vault restore`, the FILE.blocks.car written beside the backup)",
)


@formats("files_add")
def _added(r: dict[str, Any]) -> str:
    if "added" in r:  # a folder
        lines = [f"Added {r['added']} file(s) into {r['folder']}."]
        lines += [f"  skipped {s['path']}: {s['reason']}" for s in r["skipped"]]
        return "\n".join(lines)
    return f"Added {r['path']} ({size_text(r['size'])}), id {r['id'][:8]}."


def _written(r: dict[str, Any]) -> str:
    return f"Wrote {r['path']} ({size_text(r['size'])})."


@formats("files_remove")
def _removed(r: dict[str, Any]) -> str:
    return f"Removed {r['name']}."


@formats("files_move")
def _moved(r: dict[str, Any]) -> str:
    return f"Now {r['path']}."


@formats("files_cid")
def _cid(r: dict[str, Any]) -> str:
    return str(r["cid"])


@formats("files_gc")
def _collected(r: dict[str, Any]) -> str:
    return f"Freed {size_text(r['freedBytes'])} ({r['removedBlocks']} blocks); {r['keptBlocks']} kept."


@formats("files_list")
def listing(r: dict[str, Any]) -> str:
    rows = [f"{name}/" for name in r["folders"]]
    rows += [
        f"{f['path'] if r['folder'] is None else f['name']}  {size_text(f['size'])}  {f['id'][:8]}" for f in r["files"]
    ]
    return "\n".join(rows) if rows else "No files."


@formats("files_get")
def _got(r: dict[str, Any]) -> str:
    if "share" in r:  # a share from Shared with me, downloaded first
        return f"Wrote {r['path']} ({r['files']} file(s), {size_text(r['size'])})."
    return _written(r)


@formats("files_share")
def _shared(r: dict[str, Any]) -> str:
    if "capability" in r:  # shared with a bare peer id: the capability is for the user to pass on
        return f"Share {r['shareId'][:16]}: send this to the peer (it opens the file):\n{r['capability']}"
    return f"Shared {r['name']} ({r['count']} file(s), {size_text(r['size'])}) as {r['share']}."


@formats("files_shared")
def _shared_with_me(r: list[dict[str, Any]]) -> str:
    if not r:
        return "Nothing shared with you yet."
    rows = []
    for s in r:
        what = f"{s['count']} files" if s["kind"] == "folder" else (s["type"] or "file")
        state = f"refused: {s['refused']}" if s["state"] == "refused" else s["state"]
        rows.append(f"{s['id']}  {s['name']}  {size_text(s['size'])}  {what}  from {s['from'] or '?'}  {state}")
    return "\n".join(rows)


@formats("files_shares")
def _my_shares(r: list[dict[str, Any]]) -> str:
    rows = [f"{x['share']}  {x['path']}  to {x['peer'][:16]}…  {'revoked' if x['revoked'] else 'active'}" for x in r]
    return "\n".join(rows) if rows else "You have not shared anything."


@formats("files_download")
def _downloaded(r: dict[str, Any]) -> str:
    return f"Downloaded {r['name']} into {r['path']} ({r['fetched']} of {r['files']} file(s) fetched)."


@formats("files_importBlocks")
def _imported(r: dict[str, Any]) -> str:
    return f"Imported {r['blocks']} block(s) ({size_text(r['bytes'])})."


@formats("files_blocksSize")
def _blocks_size(r: dict[str, Any]) -> str:
    return f"{size_text(r['bytes'])} in {r['blocks']} blocks."


@formats("files_publish")
def _published(r: dict[str, Any]) -> str:
    return f"Warning: {r['warning']}\nPublic: {r['link']}\n        {r['ipfsUrl']}"


@formats("files_public")
def _public(r: list[dict[str, Any]]) -> str:
    return "\n".join(f"{p['path']}  {p['link']}" for p in r) if r else "No public files."
