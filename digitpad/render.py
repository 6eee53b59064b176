"""Drawing -> canvas image, painted exactly the way the on-screen canvas paints.

While a stroke is drawn, the canvas widget paints each new segment with
:func:`paint_segment`; at pen-up it repaints the stroke with :func:`paint_stroke`,
the function this module paints a whole drawing with onto a grayscale image.
So the image the model is given is, pixel for pixel, the ink the user sees
(a test checks canvas image == render(drawing)).  QPainter on a QImage needs
no window and no QApplication, so this runs in the CLI and in training too.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

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
#: The window paints a whole drawing on its UI thread (open, undo, redo, resize: once into the
#: model's image, once on screen), and no such step may take more than 200 ms.  At ~2-3.5 ns
#: per unit (measured on a loaded 2-core machine, docs/hardening.md) this is 50-90 ms per image.
INTERACTIVE_RENDER_COST = 25_000_000
#: A drawing with more points than this costs more than INTERACTIVE_RENDER_COST whatever its
#: shape (SEGMENT_COST each): the window refuses such a file before parsing it.
INTERACTIVE_MAX_POINTS = INTERACTIVE_RENDER_COST // SEGMENT_COST


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
    """Paint one segment p0->p1 (or a dot when p1 is None) of a stroke of the given width.

    A segment of length zero is painted as the dot: Qt paints nothing for a zero-length
    line, yet the user tapped there."""
    if p1 is not None and p0[0] == p1[0] and p0[1] == p1[1]:
        p0, p1 = (p0[0], p0[1], max(p0[2], p1[2])), None
    if p1 is None:
        w = pressure_width(width, p0[2])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(p0[0], p0[1]), w / 2, w / 2)
        return
    w = pressure_width(width, (p0[2] + p1[2]) / 2)
    painter.setPen(make_pen(color, w))
    painter.drawLine(QLineF(p0[0], p0[1], p1[0], p1[1]))


#: A stroke of one pressure is painted as one polyline only while its points and its length
#: stay below these bounds (length in multiples of the canvas's width + height).  A hand-drawn
#: stroke is far below them; a hostile one that zigzags thousands of times across the canvas
#: would make Qt's polyline fill many times slower than painting it segment by segment.
POLYLINE_MAX_POINTS = 4096
POLYLINE_MAX_LENGTH = 4.0


def paints_as_polyline(stroke: Stroke, canvas_size: tuple[float, float]) -> bool:
    """True for a stroke of two or more points at one pressure (mouse, touch, a pen without
    pressure) and of hand-drawn size: it is painted as one smooth polyline."""
    pts = stroke.points
    if not 2 <= len(pts) <= POLYLINE_MAX_POINTS or any(p[2] != pts[0][2] for p in pts):
        return False
    length = sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(pts, pts[1:]))  # plain floats: fast for short strokes
    return length <= POLYLINE_MAX_LENGTH * (canvas_size[0] + canvas_size[1])  # False for inf/nan


def paint_stroke(
    painter: QPainter, stroke: Stroke, default_width: float, color: QColor, canvas_size: tuple[float, float]
) -> None:
    """Paint a whole finished stroke, exactly as the canvas shows it after pen-up.

    A stroke of one pressure is one polyline with round joins (see :func:`paints_as_polyline`):
    the same shape as its round-capped segments, without the beads that overlapping
    antialiased caps leave along the edges.  Other strokes are painted segment by segment,
    each segment at its own width.
    """
    width = stroke.width if stroke.width is not None else default_width
    pts = stroke.points
    if not pts:
        return
    x0, y0 = pts[0][0], pts[0][1]
    if all(p[0] == x0 and p[1] == y0 for p in pts):  # one point, or a tap recorded as several
        paint_segment(painter, (x0, y0, max(p[2] for p in pts)), None, width, color)
        return
    if paints_as_polyline(stroke, canvas_size):
        painter.setPen(make_pen(color, pressure_width(width, pts[0][2])))
        painter.drawPolyline(QPolygonF([QPointF(p[0], p[1]) for p in pts]))
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


def render_cost(
    drawing: Drawing, default_width: float = DEFAULT_STROKE_WIDTH, scale: float = 1.0, limit: float = math.inf
) -> float:
    """Estimated painting work of :func:`render`, in rough "pixel" units (~2-15 ns each).

    ``scale``: the work of painting the drawing magnified that much (the screen's copy).
    ``limit``: stop adding once the total is past it (a refused drawing is priced quickly).

    Per segment (or dot): SEGMENT_COST for the call overhead, LENGTH_COST per pixel of its
    length inside the canvas, per covered canvas row a cost growing with the canvas width
    (Qt's scanline handling), plus the painted area (the smaller of the segment's clipped
    bounding box and its capsule area).  Calibrated in docs/hardening.md; it errs high.  Cheap: numpy, and
    a drawing with more than MAX_RENDER_POINTS points is priced from its point count alone.
    """
    n_points = sum(len(s.points) for s in drawing.strokes)
    if n_points > MAX_RENDER_POINTS or n_points * SEGMENT_COST > limit:
        return float(n_points) * SEGMENT_COST
    width, height = float(drawing.width) * scale, float(drawing.height) * scale
    row_cost = 32.0 + max(width, height) / 8.0
    total = 0.0
    for stroke in drawing.strokes:
        if not stroke.points:
            continue
        pen = (stroke.width if stroke.width is not None else default_width) * scale
        pts = np.asarray(stroke.points, dtype=np.float64).reshape(-1, 3)
        if scale != 1.0:
            pts[:, :2] *= scale
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
        if total > limit:
            break
    return total


def check_renderable(
    drawing: Drawing, default_width: float = DEFAULT_STROKE_WIDTH, max_cost: float = MAX_RENDER_COST
) -> None:
    """Raise RenderError if :func:`render` would refuse the drawing (canvas too large, too costly).

    The one cost guard: the CLI uses ``MAX_RENDER_COST``, the window ``INTERACTIVE_RENDER_COST``."""
    if not (0 < drawing.width <= MAX_RENDER_SIDE and 0 < drawing.height <= MAX_RENDER_SIDE):
        raise RenderError(f"canvas {drawing.width}x{drawing.height} is outside 1..{MAX_RENDER_SIDE} per side")
    cost = render_cost(drawing, default_width, limit=max_cost)
    if cost > max_cost:
        n_points = sum(len(s.points) for s in drawing.strokes)
        most = int(max_cost // SEGMENT_COST)
        raise RenderError(
            f"drawing too costly to render ({n_points:,} points, estimated work {cost:.3g} "
            f"> {max_cost:.3g}; at most {most:,} points, fewer for long or wide strokes "
            "on large canvases)"
        )


def affordable_scale(
    drawing: Drawing, scale: float, max_cost: float = INTERACTIVE_RENDER_COST,
    default_width: float = DEFAULT_STROKE_WIDTH,
) -> float:
    """The largest magnification up to ``scale`` at which painting the drawing stays within
    ``max_cost`` (at least 1): the window paints a costly drawing's screen copy at a lower
    resolution rather than blocking its UI thread.  At most a handful of render_cost calls."""
    if scale <= 1.0 or render_cost(drawing, default_width, scale, max_cost) <= max_cost:
        return scale
    low, high = 1.0, scale
    for _ in range(5):  # to within ~3 % of `scale`
        middle = (low + high) / 2
        if render_cost(drawing, default_width, middle, max_cost) <= max_cost:
            low = middle
        else:
            high = middle
    return low


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
            paint_stroke(painter, stroke, default_width, INK, (drawing.width, drawing.height))
    finally:
        painter.end()
    return qimage_to_array(image)
