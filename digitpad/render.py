"""Drawing -> canvas image, painted exactly the way the on-screen canvas paints.

The canvas widget paints each new segment with :func:`paint_segment`; this
module paints a whole drawing with the same function onto a grayscale image.
So the image the model is given is, pixel for pixel, the ink the user saw
(a test checks canvas image == render(drawing)).  QPainter on a QImage needs
no window and no QApplication, so this runs in the CLI and in training too.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from digitpad.drawing import Drawing, Stroke

#: Pen width (canvas pixels) used for strokes that carry none.
DEFAULT_STROKE_WIDTH = 18.0
#: A pressure of 0 still draws this fraction of the width, so light pens stay visible.
MIN_PRESSURE_FRACTION = 0.3
#: Canvases larger than this (per side) are refused rather than allocating gigabytes.
MAX_RENDER_SIDE = 8192


def pressure_width(width: float, pressure: float) -> float:
    """Pen width for a pressure in 0..1: linear from MIN_PRESSURE_FRACTION*width to width."""
    p = min(max(pressure, 0.0), 1.0)
    return width * (MIN_PRESSURE_FRACTION + (1.0 - MIN_PRESSURE_FRACTION) * p)


def make_pen(color: QColor, width: float) -> QPen:
    pen = QPen(color)
    pen.setWidthF(max(width, 0.5))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def paint_segment(
    painter: QPainter,
    p0: tuple[float, float, float],
    p1: tuple[float, float, float] | None,
    width: float,
    color: QColor,
) -> None:
    """Paint one segment p0->p1 (or a dot when p1 is None) of a stroke of the given width."""
    if p1 is None:
        w = pressure_width(width, p0[2])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(p0[0], p0[1]), w / 2, w / 2)
        return
    w = pressure_width(width, (p0[2] + p1[2]) / 2)
    painter.setPen(make_pen(color, w))
    painter.drawLine(QLineF(p0[0], p0[1], p1[0], p1[1]))


def paint_stroke(painter: QPainter, stroke: Stroke, default_width: float, color: QColor) -> None:
    """Paint a whole stroke as the canvas would have, segment by segment."""
    width = stroke.width if stroke.width is not None else default_width
    pts = stroke.points
    if not pts:
        return
    if len(pts) == 1:
        paint_segment(painter, pts[0], None, width, color)
        return
    for a, b in zip(pts, pts[1:]):
        paint_segment(painter, a, b, width, color)


def begin_painter(image: QImage) -> QPainter:
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    return painter


def new_ink_image(width: int, height: int) -> QImage:
    """A blank model-side canvas: 8-bit grayscale, 0 = paper."""
    if not (0 < width <= MAX_RENDER_SIDE and 0 < height <= MAX_RENDER_SIDE):
        raise ValueError(f"canvas {width}x{height} is outside 1..{MAX_RENDER_SIDE} per side")
    image = QImage(width, height, QImage.Format.Format_Grayscale8)
    image.fill(0)
    return image


INK = QColor(255, 255, 255)


def qimage_to_array(image: QImage) -> np.ndarray:
    """Copy a Grayscale8 QImage into a (height, width) uint8 array (dropping row padding)."""
    if image.format() != QImage.Format.Format_Grayscale8:
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    buf = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * bpl)
    return buf.reshape(h, bpl)[:, :w].copy()


def render(drawing: Drawing, default_width: float = DEFAULT_STROKE_WIDTH) -> np.ndarray:
    """The canvas image of a drawing: (height, width) uint8, ink = 255 on 0."""
    image = new_ink_image(drawing.width, drawing.height)
    painter = begin_painter(image)
    try:
        for stroke in drawing.strokes:
            paint_stroke(painter, stroke, default_width, INK)
    finally:
        painter.end()
    return qimage_to_array(image)
