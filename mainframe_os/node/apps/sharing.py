"""Sharing an installed app with a contact, and installing one a contact shared.

The package travels inside messages: a signed app's verified `.mfapp` bytes (carried.py makes
them from the installed files) are cut into parts that each fit one envelope (64 KiB), sent as
inner messages of type "app-part" (kept in the vault, never shown), followed by one visible
JSON message, the offer, that the recipient's Messenger renders:

    {"kind": "app-share", "share": "<32 hex>", "appId", "name", "version", "developer",
     "fingerprint", "permissions", "size", "sha256", "parts"}

The offer only says what to look for. On the recipient's side the parts are put together, their
hash checked, and the bytes verified exactly like a `.mfapp` file (carried.install_bytes ->
AppFiles.install: signature, contents, limits); what the user is shown comes from that verified
manifest, never from the offer. Bundled apps come with Mainframe OS and are not shared.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import CommsMessage

from .caller import fingerprint
from .errors import AppShareError as ShareError
from .manifest import PERMISSION_LABELS, Manifest

PART_KIND = "app-part"  # inner type and CommsMessage.kind of a package part
PART_BYTES = 24 * 1024  # raw bytes per part: about 45 KiB once sealed, under the 64 KiB envelope limit
MAX_SHARE_BYTES = 1024 * 1024  # a bigger package is refused with this figure in the message
OFFER_KIND = "app-share"


def split(data: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The offer's package fields and the parts (inner messages) for `data`."""
    if len(data) > MAX_SHARE_BYTES:
        raise ShareError(
            f"This app's package is {len(data) // 1024} KiB: sharing through messages takes at most "
            f"{MAX_SHARE_BYTES // 1024} KiB (share the .mfapp file instead)"
        )
    share = os.urandom(16).hex()
    chunks = [data[i : i + PART_BYTES] for i in range(0, len(data), PART_BYTES)] or [b""]
    parts = [
        {"type": PART_KIND, "share": share, "i": i, "data": base64.b64encode(c).decode()} for i, c in enumerate(chunks)
    ]
    return {"share": share, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "parts": len(parts)}, parts


def offer(m: Manifest, package: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": OFFER_KIND,
        **package,
        "appId": m.id,
        "name": m.name,
        "version": m.version,
        "developer": m.developer_name,
        "fingerprint": fingerprint(m.developer_key),
        "permissions": list(m.permissions),
    }


def accept_part(s: Session, identity: Any, env: Any, msg: dict[str, Any], card: Any, out: Any, held: bool) -> None:
    """The inbox handler for a package part: kept (not shown) until the user looks at the offer."""
    from ..comms import store

    share, i, data = msg.get("share"), msg.get("i"), msg.get("data")
    ok = isinstance(share, str) and len(share) == 32 and isinstance(i, int) and 0 <= i < 64 and isinstance(data, str)
    if not store.is_contact(s, identity.id, env.sender):
        out.status, out.reason = "dropped", "not a contact (yet)"
    elif not ok:
        out.status, out.reason = "refused", "bad app part"
    else:
        s.add(
            CommsMessage(
                identity_id=identity.id, id=env.id, peer_sign=env.sender, direction="in", kind=PART_KIND,
                body={"share": share, "i": i, "data": data}, state="received", attempts=0, next_try=0.0,
            )
        )  # fmt: skip


def gather(s: Session, identity_id: str, message_id: str) -> tuple[dict[str, Any], bytes]:
    """The offer (a received message) and the package bytes its parts make, hash checked."""
    m = s.get(CommsMessage, (identity_id, message_id))
    body = (m.body or {}).get("body") if m is not None else None
    if m is None or m.direction != "in" or not isinstance(body, dict) or body.get("kind") != OFFER_KIND:
        raise ShareError("No shared app in that message")
    q = select(CommsMessage).where(
        CommsMessage.identity_id == identity_id, CommsMessage.peer_sign == m.peer_sign, CommsMessage.kind == PART_KIND
    )
    pieces: dict[int, bytes] = {}
    for row in s.scalars(q):
        b = row.body or {}
        if b.get("share") == body.get("share"):
            pieces[int(b["i"])] = base64.b64decode(b["data"])
    n = int(body.get("parts") or 0)
    if len(pieces) < n:
        raise ShareError(f"The app is still arriving ({len(pieces)} of {n} parts): try again in a moment")
    data = b"".join(pieces[i] for i in range(n))
    if hashlib.sha256(data).hexdigest() != body.get("sha256"):
        raise ShareError("The shared package does not match what was announced: not installed")
    return body, data


def verified_view(m: Manifest, installed_version: str | None) -> dict[str, Any]:
    """What the user decides on: from the verified manifest only."""
    return {
        "appId": m.id,
        "name": m.name,
        "version": m.version,
        "description": m.description,
        "developer": m.developer_name,
        "fingerprint": fingerprint(m.developer_key),
        "permissions": [{"key": k, "label": PERMISSION_LABELS[k], "required": k in m.required} for k in m.permissions],
        "installedVersion": installed_version,
    }
