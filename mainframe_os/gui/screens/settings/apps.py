"""Settings → Apps: every installed app of the active identity and what each may do, revocable.

The permissions panel follows grant changes, so a revoke from an app window's trusted bar (or a
permission an app was just given) appears here at once.
"""

from __future__ import annotations

from typing import Any

from mainframe_os.node.events import ActiveIdentityChanged, AppsChanged, VaultOpened

from ...context import LauncherContext
from ...qt import QHBoxLayout, QListWidget, QListWidgetItem, Qt, QVBoxLayout, QWidget
from ...widgets import label
from ..apps.common import active_identity
from ..apps.permissions import AppPermissionsPanel


class AppsTab(QWidget):
    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.identity_id: str | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 16, 18, 16)
        outer.addWidget(label("App permissions", "sectionTitle"))
        outer.addWidget(
            label(
                "What each of this identity's apps may do. Revoke anything: the app asks again when it needs it. "
                "Sending and signing always ask.",
                "caption",
                wrap=True,
            )
        )
        row = QHBoxLayout()
        row.setSpacing(18)
        self.list = QListWidget()
        self.list.setObjectName("appPermissionList")
        self.list.setMaximumWidth(240)
        row.addWidget(self.list)
        self.panel = AppPermissionsPanel(ctx)
        row.addWidget(self.panel, 1)
        outer.addLayout(row, 1)
        self.list.currentItemChanged.connect(self._selected)
        for ev in (ActiveIdentityChanged, VaultOpened, AppsChanged):
            ctx.subscribe(self, ev, lambda _e: self.refresh())

    def showEvent(self, e: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(e)
        self.refresh()

    def refresh(self) -> None:
        if self.ctx.node.vault is None or not self.isVisible():
            return

        async def load() -> tuple[str | None, list[dict[str, Any]]]:
            ident = await active_identity(self.ctx)
            if ident is None:
                return None, []
            return ident["id"], list(await self.ctx.call("apps_list", {"identityId": ident["id"]}))

        self.ctx.ops.run(load(), on_done=lambda r: self._show(*r), quiet=True)

    def _show(self, identity_id: str | None, apps: list[dict[str, Any]]) -> None:
        current = self.list.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole)["id"] if current is not None else None
        self.identity_id = identity_id
        self.list.blockSignals(True)
        self.list.clear()
        for app in apps:
            item = QListWidgetItem(str(app.get("name") or app["id"][:8]))
            item.setData(Qt.ItemDataRole.UserRole, app)
            item.setToolTip(f"v{app.get('version', '?')} · {(app.get('developer') or {}).get('name', '')}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = next((i for i, a in enumerate(apps) if a["id"] == keep), 0 if apps else -1)
        self.list.setCurrentRow(row)
        if row < 0:
            self.panel.show_app(None, None)
        elif keep is not None and apps[row]["id"] == keep:
            self.panel.show_app(identity_id, keep, apps[row].get("name", ""))

    def _selected(self, item: QListWidgetItem | None, _prev: Any = None) -> None:
        if item is None:
            self.panel.show_app(None, None)
            return
        app = item.data(Qt.ItemDataRole.UserRole)
        self.panel.show_app(self.identity_id, app["id"], str(app.get("name") or ""))

    def select(self, app_id: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole)["id"] == app_id:
                self.list.setCurrentRow(i)
