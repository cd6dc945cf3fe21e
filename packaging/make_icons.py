"""Render the app icon from resources/icons/curator.svg into every size desktops use.

    .venv/bin/python packaging/make_icons.py          # rewrites the files below
    .venv/bin/python packaging/make_icons.py --check  # exits 1 if a file is missing or out of date
    .venv/bin/python packaging/make_icons.py --iconset Curator.iconset   # input for macOS `iconutil`

Writes
  resources/icons/hicolor/<n>x<n>/apps/curator.png   n = 16, 24, 32, 48, 64, 128, 256, 512 (Linux, and the
                                                     app's own high-DPI window icon)
  packaging/curator.ico    Windows: one PNG-compressed entry per size 16..256 (Vista and later read these)
  packaging/curator.icns   macOS: PNG entries ic07 (128), ic08 (256), ic09 (512), ic10 (1024 = 512@2x) and
                           the @2x entries ic11..ic14. `iconutil -c icns Curator.iconset` on a Mac is the
                           canonical tool (see packaging/macos/README.md); this writer needs no Mac.

Only PySide6 (QtSvg, in PySide6-Essentials) is needed: no Pillow, no ImageMagick.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

REPO = Path(__file__).resolve().parents[1]
SVG = REPO / "resources" / "icons" / "curator.svg"
HICOLOR = REPO / "resources" / "icons" / "hicolor"
ICO = REPO / "packaging" / "curator.ico"
ICNS = REPO / "packaging" / "curator.icns"

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# type code -> pixel size (PNG payloads; Apple's "Icon Composer"/iconutil types)
ICNS_TYPES = (
    (b"ic11", 32),    # 16x16@2x
    (b"ic12", 64),    # 32x32@2x
    (b"ic07", 128),   # 128x128
    (b"ic13", 256),   # 128x128@2x
    (b"ic08", 256),   # 256x256
    (b"ic14", 512),   # 256x256@2x
    (b"ic09", 512),   # 512x512
    (b"ic10", 1024),  # 512x512@2x
)


def render(renderer: QSvgRenderer, size: int) -> bytes:
    """The SVG drawn into a transparent size x size square, as PNG bytes."""
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not img.convertToFormat(QImage.Format.Format_ARGB32).save(buf, "PNG"):
        raise RuntimeError(f"could not encode the {size}px PNG")
    buf.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO container whose entries are PNG images (ICONDIR, ICONDIRENTRY[], then the payloads)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, count
    offset = 6 + 16 * len(sizes)
    entries, payload = b"", b""
    for s in sizes:
        data = pngs[s]
        dim = 0 if s >= 256 else s  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    return header + entries + payload


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS container: 'icns', total length, then (type, length incl. 8-byte header, PNG data) chunks."""
    body = b"".join(code + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for code, s in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def outputs() -> dict[Path, bytes]:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - QPainter needs it
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: not a valid SVG")
    pngs = {s: render(renderer, s) for s in sorted(set(PNG_SIZES) | set(ICO_SIZES) | {s for _, s in ICNS_TYPES})}
    files = {HICOLOR / f"{s}x{s}" / "apps" / "curator.png": pngs[s] for s in PNG_SIZES}
    files[ICO] = ico_bytes({s: pngs[s] for s in ICO_SIZES})
    files[ICNS] = icns_bytes(pngs)
    return files


def write_iconset(folder: Path) -> None:
    """An Apple .iconset folder (icon_16x16.png ... icon_512x512@2x.png) for `iconutil -c icns`."""
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    folder.mkdir(parents=True, exist_ok=True)
    for s in (16, 32, 128, 256, 512):
        (folder / f"icon_{s}x{s}.png").write_bytes(render(renderer, s))
        (folder / f"icon_{s}x{s}@2x.png").write_bytes(render(renderer, 2 * s))
    print(f"wrote {folder}/ (run: iconutil -c icns {folder} -o packaging/curator.icns)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--check", action="store_true", help="only check that the files are present and current")
    p.add_argument("--iconset", type=Path, metavar="DIR", help="write a macOS .iconset folder instead")
    args = p.parse_args(argv)
    if args.iconset:
        write_iconset(args.iconset)
        return 0
    stale = []
    for path, data in outputs().items():
        if path.exists() and path.read_bytes() == data:
            continue
        if args.check:
            stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(REPO)} ({len(data)} bytes)")
    for path in stale:
        print(f"out of date: {path.relative_to(REPO)} (run packaging/make_icons.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
