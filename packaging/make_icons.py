"""Render Cueline's application icon, resources/icons/cueline.svg, to the files platforms want.

    python packaging/make_icons.py

writes resources/icons/cueline-{16,24,32,48,64,128,256,512}.png (the window icon and the Linux
desktop icon, hicolor theme sizes), cueline.ico (Windows, PyInstaller's exe icon) and
cueline.icns (macOS, the .app bundle).  Qt renders them (QtSvg, and the ico/icns image plugins
that ship with PySide6), so no other tool is needed.  The outputs are committed: run this only
after changing the SVG.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
PNG_SIZES_PX = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES_PX = (16, 24, 32, 48, 64, 128, 256)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - image plugins need an application
    renderer = QSvgRenderer(str(ICON_DIR / "cueline.svg"))
    if not renderer.isValid():
        print(f"cannot read {ICON_DIR / 'cueline.svg'}", file=sys.stderr)
        return 1

    def render(size: int) -> QImage:
        img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(p)
        p.end()
        return img

    for size in PNG_SIZES_PX:
        out = ICON_DIR / f"cueline-{size}.png"
        if not render(size).save(str(out)):
            print(f"cannot write {out}", file=sys.stderr)
            return 1
    # ico: one PNG-compressed entry per size (Windows Vista and later read these), written
    # here because Qt's ico writer stores a single image.  icns: Qt's writer, 512 px.
    ico = _ico([_png_bytes(render(size)) for size in ICO_SIZES_PX], ICO_SIZES_PX)
    (ICON_DIR / "cueline.ico").write_bytes(ico)
    writer = QImageWriter(str(ICON_DIR / "cueline.icns"), b"icns")
    if not writer.write(render(512)):
        print(f"cannot write cueline.icns: {writer.errorString()}", file=sys.stderr)
        return 1
    print(f"wrote icons to {ICON_DIR}")
    return 0


def _png_bytes(img) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def _ico(pngs: list[bytes], sizes: tuple[int, ...]) -> bytes:
    """An ICO file holding each PNG as one entry (ICONDIR, ICONDIRENTRY[], data)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for png, size in zip(pngs, sizes, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


if __name__ == "__main__":
    raise SystemExit(main())
