"""The PRISMA 2020 flow diagram in the app: shown from the library's counts, saved as SVG, PNG, CSV or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout

from curator.export import prisma


def render_png(svg_text: str, path: Path, scale: float = 2.0) -> Path:
    """Render the diagram's SVG to a PNG (white background, `scale` × its size)."""
    if QGuiApplication.instance() is None:  # the CLI: Qt needs an application object to paint text
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        # a QApplication (not a bare QGuiApplication): widgets may still be made in this process
        QApplication._prisma_app = QApplication([])  # kept alive for the process
    r = QSvgRenderer(QByteArray(svg_text.encode("utf-8")))
    size = r.defaultSize() * scale
    img = QImage(size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.white)
    p = QPainter(img)
    r.render(p)
    p.end()
    if not img.save(str(path)):
        raise OSError(f"{path}: could not write the PNG")
    return Path(path)


def save(counts: dict[str, Any], path: Path) -> Path:
    path = Path(path)
    if path.suffix.lower() == ".png":
        return render_png(prisma.svg(counts), path)
    return prisma.write(counts, path)


class PrismaDialog(QDialog):
    def __init__(self, counts: dict[str, Any], parent=None):
        super().__init__(parent)
        self.setObjectName("prisma_dialog")
        self.setWindowTitle("PRISMA 2020 flow diagram")
        self.counts = counts
        self.svg = prisma.svg(counts)
        self.view = QSvgWidget()
        self.view.load(QByteArray(self.svg.encode("utf-8")))
        self.view.setFixedSize(self.view.renderer().defaultSize())
        scroll = QScrollArea()
        scroll.setWidget(self.view)
        buttons = QHBoxLayout()
        for fmt in ("SVG", "PNG", "CSV", "JSON"):
            b = QPushButton(f"Save {fmt}…")
            b.clicked.connect(lambda _c=False, fmt=fmt: self.save_dialog(fmt.lower()))
            buttons.addWidget(b)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll, 1)
        lay.addLayout(buttons)
        self.resize(self.view.width() + 40, min(self.view.height() + 80, 900))

    def save_dialog(self, ext: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, "Save PRISMA diagram", str(Path.home() / f"prisma.{ext}"),
                                              f"{ext.upper()} (*.{ext})")
        return save(self.counts, Path(path)) if path else None
