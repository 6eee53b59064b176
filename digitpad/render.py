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

from digitpad.drawing import Drawing, DrawingError, Stroke

#: Pen width (canvas pixels) used for strokes that carry none.
DEFAULT_STROKE_WIDTH = 18.0
#: A pressure of 0 still draws this fraction of the width, so light pens stay visible.
MIN_PRESSURE_FRACTION = 0.3
#: Canvases larger than this (per side) are refused rather than allocating gigabytes.
MAX_RENDER_SIDE = 8192
#: Estimated painting work (see :func:`render_cost`) above which a drawing is refused, so that a
#: hostile file cannot keep the renderer busy for minutes.  About 2-5 s of painting on a desktop
#: CPU; a hand-drawn digit costs well under 1/1000 of it.  See docs/hardening.md.
MAX_RENDER_COST = 400_000_000
#: Fixed cost of one segment or dot (Python + QPainter call overhead), in the same units.
SEGMENT_COST = 4000
#: Cost per canvas pixel of a segment's length (Qt strokes a wide line into a polygon and
#: rasterises it with antialiasing: ~1.5 us per pixel of length on the reference machine).
LENGTH_COST = 300
#: Most points a drawing may have and still be rendered (follows from the two numbers above).
MAX_RENDER_POINTS = MAX_RENDER_COST // SEGMENT_COST


class RenderError(DrawingError):
    """A drawing that is valid but too large or too costly to render (a DrawingError, so a ValueError)."""


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
        raise RenderError(f"canvas {width}x{height} is outside 1..{MAX_RENDER_SIDE} per side")
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


def render_cost(drawing: Drawing, default_width: float = DEFAULT_STROKE_WIDTH) -> float:
    """Estimated painting work of :func:`render`, in rough "pixel" units (~5-15 ns each).

    Per segment (or dot): SEGMENT_COST for the call overhead, LENGTH_COST per pixel of its
    length inside the canvas, per covered canvas row a cost growing with the canvas width
    (Qt's scanline handling), plus the painted area (the smaller of the segment's clipped
    bounding box and its capsule area).  Calibrated in docs/hardening.md; it errs high.  Cheap: numpy, and
    a drawing with more than MAX_RENDER_POINTS points is priced from its point count alone.
    """
    n_points = sum(len(s.points) for s in drawing.strokes)
    if n_points > MAX_RENDER_POINTS:
        return float(n_points) * SEGMENT_COST
    width, height = float(drawing.width), float(drawing.height)
    row_cost = 32.0 + max(width, height) / 8.0
    total = 0.0
    for stroke in drawing.strokes:
        if not stroke.points:
            continue
        pen = stroke.width if stroke.width is not None else default_width
        pts = np.asarray(stroke.points, dtype=np.float64).reshape(-1, 3)
        if len(pts) == 1:
            a = b = pts
            w = pen * (MIN_PRESSURE_FRACTION + (1.0 - MIN_PRESSURE_FRACTION) * np.clip(pts[:, 2], 0, 1))
        else:
            a, b = pts[:-1], pts[1:]
            p = np.clip((a[:, 2] + b[:, 2]) / 2, 0.0, 1.0)
            w = np.maximum(pen * (MIN_PRESSURE_FRACTION + (1.0 - MIN_PRESSURE_FRACTION) * p), 0.5)
        half = w / 2 + 1.0  # + antialiasing margin
        with np.errstate(over="ignore", invalid="ignore"):
            x0 = np.clip(np.minimum(a[:, 0], b[:, 0]) - half, 0, width)
            x1 = np.clip(np.maximum(a[:, 0], b[:, 0]) + half, 0, width)
            y0 = np.clip(np.minimum(a[:, 1], b[:, 1]) - half, 0, height)
            y1 = np.clip(np.maximum(a[:, 1], b[:, 1]) + half, 0, height)
            rows = y1 - y0
            box = rows * (x1 - x0)
            length = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])  # may be inf for huge coordinates
            capsule = (length + 2 * half) * (2 * half)
            area = np.fmin(box, capsule)
            inside = np.fmin(length, (x1 - x0) + rows)  # length within the clipped bounding box
        total += float(
            len(w) * SEGMENT_COST + (rows * row_cost).sum() + (inside * LENGTH_COST).sum() + area.sum()
        )
    return total


def check_renderable(drawing: Drawing, default_width: float = DEFAULT_STROKE_WIDTH) -> None:
    """Raise RenderError if :func:`render` would refuse the drawing (canvas too large, too costly)."""
    if not (0 < drawing.width <= MAX_RENDER_SIDE and 0 < drawing.height <= MAX_RENDER_SIDE):
        raise RenderError(f"canvas {drawing.width}x{drawing.height} is outside 1..{MAX_RENDER_SIDE} per side")
    cost = render_cost(drawing, default_width)
    if cost > MAX_RENDER_COST:
        n_points = sum(len(s.points) for s in drawing.strokes)
        raise RenderError(
            f"drawing too costly to render ({n_points:,} points, estimated work {cost:.3g} "
            f"> {MAX_RENDER_COST:.3g}; at most {MAX_RENDER_POINTS:,} points, fewer for wide strokes "
            "on large canvases)"
        )


def render(drawing: Drawing, default_width: float = DEFAULT_STROKE_WIDTH) -> np.ndarray:
    """The canvas image of a drawing: (height, width) uint8, ink = 255 on 0.

    Raises RenderError (a DrawingError, hence a ValueError) for a canvas beyond
    MAX_RENDER_SIDE or a drawing whose estimated cost exceeds MAX_RENDER_COST.
    """
    check_renderable(drawing, default_width)
    image = new_ink_image(drawing.width, drawing.height)
    painter = begin_painter(image)
    try:
        for stroke in drawing.strokes:
            paint_stroke(painter, stroke, default_width, INK)
    finally:
        painter.end()
    return qimage_to_array(image)
