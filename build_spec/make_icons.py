"""Rasterise assets/digitpad.svg into the PNG sizes and the Windows .ico.

    python build_spec/make_icons.py        (needs PySide6 with QtSvg, and Pillow)

Writes assets/digitpad.png (256 px), assets/digitpad-{16,32,48,64,128,256}.png
and assets/digitpad.ico.  Run it again after editing the SVG; commit the output.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SIZES = (16, 32, 48, 64, 128, 256)


def rasterise(renderer: QSvgRenderer, size: int) -> Image.Image:
    # Render at 4x and downsample with a box filter: crisper small sizes than Qt's direct AA.
    big = size * 4
    image = QImage(big, big, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    renderer.render(painter, QRectF(0, 0, big, big))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    pil = Image.open(io.BytesIO(bytes(data))).convert("RGBA")
    return pil.resize((size, size), Image.Resampling.BOX)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    renderer = QSvgRenderer(str(ASSETS / "digitpad.svg"))
    if not renderer.isValid():
        print("cannot read assets/digitpad.svg", file=sys.stderr)
        return 1
    images = {size: rasterise(renderer, size) for size in SIZES}
    for size, image in images.items():
        image.save(ASSETS / f"digitpad-{size}.png", optimize=True)
    images[256].save(ASSETS / "digitpad.png", optimize=True)
    images[256].save(
        ASSETS / "digitpad.ico",
        sizes=[(s, s) for s in SIZES],
        append_images=[images[s] for s in SIZES if s != 256],
    )
    print("wrote", ", ".join(sorted(p.name for p in ASSETS.glob("digitpad*.*") if p.suffix in (".png", ".ico"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
