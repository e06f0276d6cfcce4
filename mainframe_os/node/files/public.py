"""Public files: a plain (unencrypted) copy of a file the user chose to publish, addressed
exactly as `ipfs add --cid-version 1 --raw-leaves` addresses it, so a plain IPFS gateway link
works for anyone who can reach a node holding it. Only on the user's explicit say-so: the copy
is readable by whoever gets its blocks, and our node serves them to any peer that asks.

Which files are public lives in the vault (a setting: file id -> plain root CID), so a
backup keeps it; unpublishing drops the entry, stops serving, and the next gc frees the
plain blocks.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from vault.models import FileEntry, Setting

from . import errors as FE
from .names import join
from .streams import Download
from .unixfs import Cid, FileDagBuilder

if TYPE_CHECKING:
    from .service import FilesService

PUBLIC_SETTING = "files.public"
GATEWAY = "https://ipfs.io/ipfs/"
WARNING = (
    "A public file is kept unencrypted and served to anyone who asks for it: whoever has its link "
    "can read it, and copies of it cannot be taken back."
)


def public_roots(s: Session) -> dict[str, str]:
    """file id -> the plain root CID of its public copy (files since removed are left out)."""
    row = s.get(Setting, PUBLIC_SETTING)
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    return {fid: str(cid) for fid, cid in value.items() if s.get(FileEntry, fid) is not None}


def listing(s: Session, identity_id: str) -> list[dict[str, Any]]:
    out = []
    for fid, cid in public_roots(s).items():
        e = s.get(FileEntry, fid)
        if e is not None and e.identity_id == identity_id:
            out.append({"id": e.id, "name": e.name, "path": join(e.folder, e.name), "cid": cid, **links(cid, e.name)})
    return sorted(out, key=lambda x: x["path"])


def _set(s: Session, file_id: str, cid: str | None) -> None:
    current = public_roots(s)
    if cid is None:
        current.pop(file_id, None)
    else:
        current[file_id] = cid
    row = s.get(Setting, PUBLIC_SETTING)
    if row is None:
        s.add(Setting(key=PUBLIC_SETTING, value=current))
    else:
        row.value = current  # a new dict: SQLAlchemy sees the JSON change


def links(cid: str, name: str) -> dict[str, str]:
    return {"link": f"{GATEWAY}{cid}?filename={urllib.parse.quote(name)}", "ipfsUrl": f"ipfs://{cid}"}


async def publish(files: FilesService, identity_id: str, ref: str, acknowledge: bool) -> dict[str, Any]:
    if not acknowledge:
        raise FE.FilesRpcError(f"Not published. {WARNING} Confirm to publish it anyway.")
    f = await files.open_entry(identity_id, ref)

    def plain_copy() -> Cid:
        reader = Download(files.blocks, Cid.parse(f.root_cid), f.key)
        with files.blocks.writer() as w:

            def sink(cid: Cid, block: memoryview) -> None:
                w.put(cid, block)

            builder = FileDagBuilder(sink)
            while piece := reader.read(1 << 20):
                builder.write(piece)
            return builder.finish()

    try:
        root = str(await asyncio.to_thread(plain_copy))
    except (ValueError, LookupError) as exc:  # damaged or missing blocks, a failed decryption
        raise FE.FileDamaged(f"'{f.name[:120]}' cannot be published: {exc}") from None
    await files.node.db(lambda s: _set(s, f.id, root))
    await files.refresh_served()
    return {"id": f.id, "name": f.name, "cid": root, "warning": WARNING, **links(root, f.name)}


async def unpublish(files: FilesService, identity_id: str, ref: str) -> dict[str, Any]:
    f = await files.open_entry(identity_id, ref)
    await files.node.db(lambda s: _set(s, f.id, None))
    await files.refresh_served()
    return {"id": f.id, "name": f.name, "public": False}
