"""Light, dark, or whatever the desktop uses."""

from __future__ import annotations

from ...context import LauncherContext
from ...qt import QButtonGroup, QRadioButton, QVBoxLayout, QWidget, Signal
from ...widgets import label


class AppearanceTab(QWidget):
    theme_changed = Signal(str)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.addWidget(label("Theme", "sectionTitle"))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for mode, text in (("system", "Same as the system"), ("light", "Light"), ("dark", "Dark")):
            r = QRadioButton(text)
            r.setObjectName(f"theme_{mode}")
            r.setChecked(ctx.prefs.theme == mode)
            r.toggled.connect(lambda on, m=mode: on and self._set(m))
            self.group.addButton(r)
            self.buttons[mode] = r
            lay.addWidget(r)
        lay.addStretch(1)

    def _set(self, mode: str) -> None:
        self.ctx.prefs.theme = mode
        self.theme_changed.emit(mode)
