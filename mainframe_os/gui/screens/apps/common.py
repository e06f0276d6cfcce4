"""What the apps widgets share: app icons, the developer key fingerprint, permission wording."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ...context import LauncherContext
from ...qt import QColor, QFont, QPainter, QPainterPath, QPixmap, Qt
from ...widgets import AVATAR_COLORS

DECISION_TEXT = {
    "always": "Allowed",
    "session": "Allowed this session",
    "never": "Denied",
    None: "Asks first",
}


def fingerprint(public_key: str) -> str:
    """A short, readable form of a developer's Ed25519 key: the first 16 hex digits in groups."""
    key = (public_key or "").lower()
    head = key[:16]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4)) or "unknown"


def letter_icon(name: str, size: int) -> QPixmap:
    """The app's initial on a rounded square in a colour derived from its name (no icon file)."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(0, 0, size, size, size * 0.22, size * 0.22)
    digest = hashlib.sha256(name.encode()).digest()
    p.fillPath(path, QColor(AVATAR_COLORS[digest[0] % len(AVATAR_COLORS)]))
    font = QFont(p.font())
    font.setPixelSize(int(size * 0.5))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(pm.rect(), Qt.AlignmentFlag.AlignCenter, (name[:1] or "?").upper())
    p.end()
    return pm


async def app_icon(ctx: LauncherContext, identity_id: str, app_id: str, name: str, size: int) -> QPixmap:
    """The icon file of an installed app (served from its verified files), or a letter icon."""
    pix = QPixmap()
    try:
        data = await ctx.call("apps_getIcon", {"appId": app_id, "identityId": identity_id})
        if data:
            pix.loadFromData(base64.b64decode(data))
    except Exception:  # noqa: BLE001 - a missing or refused icon shows the letter instead
        pix = QPixmap()
    if pix.isNull():
        return letter_icon(name, size)
    return pix.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


async def active_identity(ctx: LauncherContext) -> dict[str, Any] | None:
    if ctx.node.vault is None:
        return None
    idents = await ctx.call("identity_list")
    return next((i for i in idents if i.get("active")), None)


def permission_label(summary: dict[str, Any], key: str) -> str:
    return str((summary.get("permissionLabels") or {}).get(key) or key)
