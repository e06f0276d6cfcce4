"""Render the launcher's logo (resources/icons/logo.svg) to the hicolor PNG sizes, with Qt.

python render_icons.py OUT_DIR      # writes OUT_DIR/<N>x<N>/apps/mainframe-os.png
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

from mainframe_os.datafiles import icon_file  # noqa: E402

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main(out: Path) -> None:
    app = QGuiApplication([])  # noqa: F841 - QPainter needs the app
    renderer = QSvgRenderer(str(icon_file("logo")))
    if not renderer.isValid():
        raise SystemExit("logo.svg did not load")
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out / f"{size}x{size}" / "apps" / "mainframe-os.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target)):
            raise SystemExit(f"could not write {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
