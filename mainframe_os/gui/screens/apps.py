"""Apps: the bundled dapps as a grid. Opening them arrives with the app host."""

from __future__ import annotations

import json
from pathlib import Path

from ..context import LauncherContext
from ..qt import QGridLayout, QLabel, QScrollArea, Qt, QVBoxLayout, QWidget
from ..style import icon
from ..widgets import card, label, screen_header

BUNDLED_APPS = Path(__file__).resolve().parents[3] / "apps"


def bundled_apps() -> list[dict[str, str]]:
    out = []
    if BUNDLED_APPS.is_dir():
        for manifest in sorted(BUNDLED_APPS.glob("*/manifest.json")):
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            out.append(
                {
                    "id": str(data.get("id", manifest.parent.name)),
                    "name": str(data.get("name", manifest.parent.name)),
                    "description": str(data.get("description", "")),
                }
            )
    return out


class AppsScreen(QWidget):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("appsScreen")
        lay = QVBoxLayout(self)
        lay.addWidget(screen_header("Apps", "Decentralized apps, each in its own sandbox."))
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setSpacing(14)
        apps = bundled_apps()
        if not apps:
            apps = [
                {"id": n.lower(), "name": n, "description": d}
                for n, d in (
                    ("Messenger", "Private messages with your contacts"),
                    ("Files", "Encrypted file sharing"),
                    ("Payments", "Pay a contact in ETH, MFT or DAI"),
                )
            ]
        for i, app in enumerate(apps):
            grid.addWidget(self._tile(app), i // 3, i % 3)
        grid.setRowStretch(len(apps) // 3 + 1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        lay.addWidget(scroll, 1)
        note = label("Installing and opening apps comes with the app host.", "caption")
        lay.addWidget(note)

    def _tile(self, app: dict[str, str]) -> QWidget:
        tile = card()
        tile.setObjectName("card")
        tile.setMinimumSize(180, 130)
        tile.setToolTip(f"{app['name']} — opening apps is not available yet")
        lay = QVBoxLayout(tile)
        ic = QLabel()
        ic.setPixmap(icon("apps", "#3b5bdb").pixmap(32, 32))
        lay.addWidget(ic)
        lay.addWidget(label(app["name"], "sectionTitle"))
        desc = label(app["description"] or "—", "caption", wrap=True)
        desc.setAlignment(Qt.AlignmentFlag.AlignTop)
        lay.addWidget(desc, 1)
        return tile
