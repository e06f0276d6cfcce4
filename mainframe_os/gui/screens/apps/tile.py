"""One installed app in the grid: icon, name, version and developer; a focusable card.

Click, Enter or Space opens it; right-click, the Menu key or the "…" button shows Open,
Permissions and Uninstall. Arrow keys move between tiles (the screen wires that).
"""

from __future__ import annotations

from typing import Any

from ...qt import QFrame, QHBoxLayout, QLabel, QMenu, QPixmap, QPoint, Qt, QVBoxLayout, Signal
from ...widgets import icon_button, label
from .common import letter_icon

TILE_WIDTH = 210
TILE_HEIGHT = 124


class AppTile(QFrame):
    open_requested = Signal(dict)
    permissions_requested = Signal(dict)
    uninstall_requested = Signal(dict)
    move_focus = Signal(object, object)  # tile, Qt.Key

    def __init__(self, app: dict[str, Any]) -> None:
        super().__init__()
        self.app = app
        self.setObjectName("appTile")
        self.setProperty("appId", app["id"])
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFixedSize(TILE_WIDTH, TILE_HEIGHT)
        ok = app.get("ok", True)
        name = str(app.get("name") or app["id"][:8])
        dev = (app.get("developer") or {}).get("name") or "unknown developer"
        self.setAccessibleName(f"{name}, version {app.get('version', '?')}, by {dev}")
        self.setToolTip(f"Open {name}" if ok else str(app.get("problem") or "This app cannot be opened"))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 12, 8, 12)
        lay.setSpacing(4)
        top = QHBoxLayout()
        self.icon = QLabel()
        self.icon.setFixedSize(44, 44)
        self.icon.setPixmap(letter_icon(name, 44))
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addStretch(1)
        self.more = icon_button("more", f"More actions for {name}", "tileMenuButton")
        self.more.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the tile itself has the keyboard
        self.more.clicked.connect(lambda: self.show_menu(self.more.mapToGlobal(QPoint(0, self.more.height()))))
        top.addWidget(self.more, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)
        title = label(name, "tileTitle")
        title.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(title)
        meta = label(f"v{app.get('version', '?')} · {dev}" if ok else "Cannot be opened", "caption")
        meta.setTextFormat(Qt.TextFormat.PlainText)
        meta.setObjectName("tileMeta")
        lay.addWidget(meta)
        lay.addStretch(1)
        if app.get("source") == "bundled":
            self.setProperty("bundled", True)

    def set_icon(self, pix: QPixmap) -> None:
        self.icon.setPixmap(pix)

    # -- input ------------------------------------------------------------------------------------

    def mouseReleaseEvent(self, e: Any) -> None:  # noqa: N802 - Qt override
        if e.button() == Qt.MouseButton.LeftButton and self.rect().contains(e.position().toPoint()):
            self.open_requested.emit(self.app)
        super().mouseReleaseEvent(e)

    def keyPressEvent(self, e: Any) -> None:  # noqa: N802 - Qt override
        key = e.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.open_requested.emit(self.app)
        elif key == Qt.Key.Key_Menu or (key == Qt.Key.Key_F10 and e.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.show_menu(self.mapToGlobal(QPoint(20, 20)))
        elif key == Qt.Key.Key_Delete:
            self.uninstall_requested.emit(self.app)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_focus.emit(self, key)
        else:
            super().keyPressEvent(e)

    def contextMenuEvent(self, e: Any) -> None:  # noqa: N802 - Qt override
        self.show_menu(e.globalPos())

    def build_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("appMenu")
        opened = menu.addAction("Open")
        opened.setEnabled(bool(self.app.get("ok", True)))
        opened.triggered.connect(lambda: self.open_requested.emit(self.app))
        menu.addAction("Permissions…").triggered.connect(lambda: self.permissions_requested.emit(self.app))
        menu.addSeparator()
        menu.addAction("Uninstall…").triggered.connect(lambda: self.uninstall_requested.emit(self.app))
        return menu

    def show_menu(self, at: QPoint) -> None:
        menu = self.build_menu()
        menu.popup(at)  # popup, not exec: no nested event loop under qasync
        self.menu = menu
