"""Who an approval prompt is for, as the user knows them: the app's name and its developer.

Every prompt an app triggers (connect, transaction, signature) names the app the same way:
`app` (the manifest name), `appId`, and `developer` (name and key fingerprint: two apps may share
a name, not a signing key). The launcher's dialog shows the name and icon, the fingerprint on hover.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import CallerContext

if TYPE_CHECKING:
    from ..node import Node


def fingerprint(public_key_hex: str) -> str:
    """The developer key as the install dialog showed it: its first 16 hex digits in groups."""
    head = (public_key_hex or "").lower()[:16]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4)) or "unsigned"


async def caller_details(node: Node, ctx: CallerContext) -> dict[str, str]:
    """{app, appId, developer} for an app caller; {} for the launcher and the CLI."""
    if ctx.trusted or not ctx.app_id or not ctx.identity_id:
        return {}

    try:
        m = await node.apps.manifest(ctx.identity_id, ctx.app_id)
    except Exception:  # noqa: BLE001 - uninstalled meanwhile: still say which app id asks
        return {"app": ctx.app_id, "appId": ctx.app_id}
    dev = m.developer_name or "unknown developer"
    return {"app": m.name, "appId": ctx.app_id, "developer": f"{dev} (key {fingerprint(m.developer_key)})"}


async def caller_name(node: Node, ctx: CallerContext) -> str:
    return (await caller_details(node, ctx)).get("app") or ctx.label
