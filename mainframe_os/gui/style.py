"""Light/dark/system themes from `resources/*.qss`, and SVG icons tinted to the theme."""

from __future__ import annotations

from functools import lru_cache

from mainframe_os.datafiles import icon_file, icons_dir, resources_dir

from .qt import QApplication, QByteArray, QColor, QIcon, QPalette, QPixmap, prefers_dark

THEMES = ("system", "light", "dark")
# Icon colour per theme; the SVGs draw with `currentColor`, which QtSvg does not resolve.
ICON_COLORS = {"light": "#3a4252", "dark": "#c9d0dc"}
ACCENT = {"light": "#3b5bdb", "dark": "#7b93ff"}

_current = "light"


def resolve(mode: str) -> str:
    """ "system" becomes "light" or "dark" from the desktop's colour scheme."""
    if mode in ("light", "dark"):
        return mode
    app = QApplication.instance()
    if app is not None and prefers_dark(app):  # before the first paint: not through PySide's Qt namespace
        return "dark"
    return "light"


def current() -> str:
    return _current


def apply_theme(app: QApplication, mode: str = "system") -> str:
    """Apply a theme; returns the resolved one ("light" or "dark")."""
    global _current
    name = resolve(mode)
    _current = name
    pal = app.palette()
    # The palette follows the stylesheet so native parts (menus, message boxes) match it.
    base = {"light": ("#f5f6fa", "#ffffff", "#1d2433"), "dark": ("#14171c", "#1c2028", "#e6e9ef")}[name]
    pal.setColor(QPalette.ColorRole.Window, QColor(base[0]))
    pal.setColor(QPalette.ColorRole.Base, QColor(base[1]))
    pal.setColor(QPalette.ColorRole.WindowText, QColor(base[2]))
    pal.setColor(QPalette.ColorRole.Text, QColor(base[2]))
    pal.setColor(QPalette.ColorRole.ButtonText, QColor(base[2]))
    pal.setColor(QPalette.ColorRole.Button, QColor(base[1]))
    pal.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT[name]))
    app.setPalette(pal)
    qss = (resources_dir() / f"{name}.qss").read_text(encoding="utf-8")
    app.setStyleSheet(qss.replace("@ICONS@", icons_dir().as_posix()))
    icon.cache_clear()
    app.setProperty("mfosTheme", name)
    retint_icons(app)
    return name


def retint_icons(app: QApplication) -> None:
    """Redraw theme-coloured icons (widgets that set the `iconName` property) in the new colour."""
    for w in app.allWidgets():
        name = w.property("iconName")
        if name and hasattr(w, "setIcon"):
            w.setIcon(icon(str(name)))


@lru_cache(maxsize=128)
def icon(name: str, color: str | None = None, size: int = 48) -> QIcon:
    """An icon from `resources/icons/<name>.svg`, drawn in the theme's icon colour."""
    svg = icon_file(name).read_text(encoding="utf-8")
    svg = svg.replace("currentColor", color or ICON_COLORS[_current])
    svg = svg.replace('width="24" height="24"', f'width="{size}" height="{size}"')
    pm = QPixmap()
    pm.loadFromData(QByteArray(svg.encode()), "SVG")
    return QIcon(pm)


def pixmap(name: str, size: int) -> QPixmap:
    svg = icon_file(name).read_text(encoding="utf-8")
    svg = svg.replace('width="64" height="64"', f'width="{size}" height="{size}"')
    pm = QPixmap()
    pm.loadFromData(QByteArray(svg.encode()), "SVG")
    return pm
