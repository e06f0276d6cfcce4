"""Small widgets the screens share: headers, avatars, QR codes, password strength, copy fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .qt import (
    QApplication,
    QColor,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPixmap,
    QProgressBar,
    QPushButton,
    QSize,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from .style import icon

if TYPE_CHECKING:
    # Loaded where they are used: the lock screen, painted first, needs none of them (each Qt
    # type PySide makes costs its enums; the Qt namespace ~30 ms, see gui/qt.py).
    from .qt import QFormLayout, QToolButton

AVATAR_COLORS = [
    "#4c6ef5",
    "#7048e8",
    "#1098ad",
    "#37b24d",
    "#f76707",
    "#d6336c",
    "#ae3ec9",
    "#0ca678",
]


def label(text: str, name: str | None = None, wrap: bool = False) -> QLabel:
    lab = QLabel(text)
    if name:
        lab.setObjectName(name)
    lab.setWordWrap(wrap)
    return lab


def button(text: str, name: str | None = None, tooltip: str | None = None, icon_name: str | None = None) -> QPushButton:
    b = QPushButton(text)
    if name in ("primary", "danger", "link"):
        # A style role is a property, so the object name stays free for tests and accessibility.
        b.setProperty(name, True)
        if name == "link":
            b.setObjectName("link")
    elif name:
        b.setObjectName(name)
    if tooltip:
        b.setToolTip(tooltip)
    if icon_name:
        b.setIcon(icon(icon_name))
        b.setProperty("iconName", icon_name)  # re-tinted when the theme changes
    return b


def icon_button(icon_name: str, tooltip: str, name: str | None = None) -> QToolButton:
    """An icon-only button; always with a tooltip (and an accessible name) saying what it does."""
    from .qt import Qt, QToolButton

    b = QToolButton()
    b.setIcon(icon(icon_name))
    b.setProperty("iconName", icon_name)
    b.setIconSize(QSize(18, 18))
    b.setToolTip(tooltip)
    b.setAccessibleName(tooltip)
    b.setCursor(Qt.CursorShape.PointingHandCursor)
    if name:
        b.setObjectName(name)
    return b


def form_layout() -> QFormLayout:
    """A form whose labels sit level with their fields (Fusion puts them at the top)."""
    from .qt import QFormLayout, Qt

    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(10)
    return form


def card(parent: QWidget | None = None) -> QFrame:
    f = QFrame(parent)
    f.setObjectName("card")
    return f


def centered(inner: QWidget, width: int = 460) -> QWidget:
    """`inner` as a card in the middle of the page."""
    outer = QWidget()
    lay = QVBoxLayout(outer)
    lay.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    box = card()
    box.setFixedWidth(width)
    inner_lay = QVBoxLayout(box)
    inner_lay.setContentsMargins(28, 24, 28, 24)
    inner_lay.addWidget(inner)
    row.addWidget(box)
    row.addStretch(1)
    lay.addLayout(row)
    lay.addStretch(2)
    return outer


def screen_header(title: str, subtitle: str | None = None) -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 8)
    lay.setSpacing(2)
    lay.addWidget(label(title, "screenTitle"))
    if subtitle:
        lay.addWidget(label(subtitle, "caption", wrap=True))
    return w


def avatar_pixmap(name: str, size: int, image_b64: str | None = None) -> QPixmap:
    """A round avatar: the identity's picture, or its initials on a colour derived from its name."""
    import base64
    import hashlib  # here, not at the top: it loads OpenSSL (~4 ms) and the lock screen needs none

    from .qt import QPainter, QPainterPath, Qt

    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addEllipse(0, 0, size, size)
    p.setClipPath(path)
    src = QPixmap()
    if image_b64 and src.loadFromData(base64.b64decode(image_b64)):
        p.drawPixmap(
            0,
            0,
            src.scaled(
                size,
                size,
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            ),
        )
    else:
        digest = hashlib.sha256(name.encode()).digest()
        p.fillRect(0, 0, size, size, QColor(AVATAR_COLORS[digest[0] % len(AVATAR_COLORS)]))
        initials = "".join(w[0] for w in name.split()[:2]).upper() or "?"
        font = p.font()
        font.setPixelSize(int(size * 0.4))
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(pm.rect(), Qt.AlignmentFlag.AlignCenter, initials)
    p.end()
    return pm


def qr_pixmap(data: str, size: int = 220, dark: str = "#111111", light: str = "#ffffff") -> QPixmap:
    """A QR code (segno, no Pillow) as a pixmap; always dark on light so phones can read it."""
    import io

    import segno

    qr = segno.make(data, error="m", micro=False)
    buf = io.BytesIO()
    scale = max(1, size // (qr.symbol_size(border=2)[0]))
    qr.save(buf, kind="png", scale=scale, border=2, dark=dark, light=light)
    pm = QPixmap()
    pm.loadFromData(buf.getvalue(), "PNG")
    return pm


def password_strength(pw: str) -> tuple[int, str]:
    """A rough 0..4 score and a hint. Length dominates: a long passphrase beats symbols."""
    if not pw:
        return 0, "At least 8 characters; a few unrelated words make a strong password."
    classes = sum(
        bool(any(f(c) for c in pw)) for f in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    unique = len(set(pw))
    score = 0
    if len(pw) >= 8:
        score = 1
    if len(pw) >= 12 and classes >= 2 and unique >= 6:
        score = 2
    if len(pw) >= 14 and classes >= 3 and unique >= 8:
        score = 3
    if len(pw) >= 18 and unique >= 10:
        score = 4
    hints = {
        0: "Too short: use at least 8 characters.",
        1: "Weak: longer is better — try a few unrelated words.",
        2: "Fair: add length or mix in digits and symbols.",
        3: "Good.",
        4: "Strong.",
    }
    return score, hints[score]


class PasswordStrengthMeter(QWidget):
    """A bar and a hint under a new-password field."""

    def __init__(self, field: QLineEdit) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        self.bar = QProgressBar()
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(6)
        self.hint = label("", "hint", wrap=True)
        lay.addWidget(self.bar)
        lay.addWidget(self.hint)
        field.textChanged.connect(self.update_for)
        self.update_for("")

    def update_for(self, pw: str) -> None:
        score, hint = password_strength(pw)
        self.score = score
        self.bar.setValue(score)
        colors = ["#d92d20", "#f04438", "#f79009", "#12b76a", "#12805c"]
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colors[score]}; }}")
        self.hint.setText(hint)


class CopyField(QWidget):
    """Read-only text with a copy button (addresses, contact cards)."""

    def __init__(self, text: str = "", tooltip: str = "Copy to clipboard") -> None:
        super().__init__()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.field = QLineEdit(text)
        self.field.setReadOnly(True)
        self.field.setObjectName("mono")
        self.copy = icon_button("copy", tooltip, "copyButton")
        self.copy.clicked.connect(self._copy)
        lay.addWidget(self.field, 1)
        lay.addWidget(self.copy)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self.field.setText(text)
        self.field.setCursorPosition(0)

    def text(self) -> str:
        return self.field.text()

    def _copy(self) -> None:
        QApplication.clipboard().setText(self.field.text())
        self.copy.setToolTip("Copied")
        QTimer.singleShot(1500, lambda: self.copy.setToolTip("Copy to clipboard"))


def set_tone(lab: QLabel, tone: str | None) -> None:
    """Colour a status label: "error", "ok", "warning" or None (its normal colour)."""
    if lab.property("tone") == tone:
        return
    lab.setProperty("tone", tone or "")
    lab.style().unpolish(lab)
    lab.style().polish(lab)


def form_page(page: QWidget, aside_title: str, aside_text: str) -> QVBoxLayout:
    """Lay `page` out as a form column of a readable width with a short explanation beside it;
    returns the column's layout for the form."""
    outer = QHBoxLayout(page)
    outer.setContentsMargins(18, 16, 18, 16)
    outer.setSpacing(28)
    column = QWidget()
    column.setMaximumWidth(520)
    lay = QVBoxLayout(column)
    lay.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(column, 3)
    aside = QWidget()
    aside.setObjectName("aside")
    al = QVBoxLayout(aside)
    al.setContentsMargins(0, 4, 0, 0)
    al.addWidget(label(aside_title, "asideTitle", wrap=True))
    al.addWidget(label(aside_text, "caption", wrap=True))
    al.addStretch(1)
    outer.addWidget(aside, 2)
    return lay
