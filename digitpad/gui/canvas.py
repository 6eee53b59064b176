"""The drawing surface: pointer input -> strokes (data) -> two images painted incrementally.

The drawing lives as data (:class:`~digitpad.drawing.Drawing` strokes in a
logical canvas).  A new drawing is 280 high and as wide as the widget's shape
allows (at least 280), so a wide window gives a wide page to write a number on;
the width follows later resizes but never cuts existing ink.  An opened drawing
keeps its own size.  Each new segment is painted with
the core's :func:`~digitpad.render.paint_segment` twice:

* into the **ink image** at logical resolution (8-bit, ink bright) - the image
  the model is given.  Painting with the same functions and the same points as
  :func:`~digitpad.render.render` makes it equal to ``render(drawing)`` pixel for
  pixel, and independent of the window size (at pen-up a stroke of one pressure
  is repainted as one polyline, as render() paints it: see ``_settle``);
* into the **display image** at widget size x devicePixelRatio, through a
  logical->widget transform that keeps the aspect ratio, so it stays sharp on
  high-DPI screens.  Only the segment's dirty rectangle is repainted.

Resizing re-renders the display image from the data.  Input: mouse, tablet
(pressure -> width, eraser end removes the strokes it touches) and one-finger
touch.  While a pen or finger stroke is active, mouse events are ignored so a
synthesized mouse event can never add a duplicate stroke.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QInputDevice,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPointingDevice,
    QResizeEvent,
    QTabletEvent,
    QTouchEvent,
    QTransform,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitpad.drawing import Drawing, Stroke
from digitpad.gui.document import Document
from digitpad.render import (
    DEFAULT_STROKE_WIDTH,
    INK,
    INTERACTIVE_RENDER_COST,
    MAX_RENDER_SIDE,
    affordable_scale,
    begin_painter,
    check_renderable,
    new_ink_image,
    paint_segment,
    paint_stroke,
    paints_as_polyline,
    pressure_width,
    qimage_to_array,
    render_cost,
)

#: Height (and least width) of the logical canvas new drawings are made in (the model never sees window pixels).
LOGICAL_SIZE = 280
#: At most this many undo steps are kept (each is a list of references, so cheap).
UNDO_LIMIT = 200
#: Live prediction while drawing refreshes at most this often.
LIVE_INTERVAL_MS = 50
#: After a pen-up, the screen's smooth repaint of the stroke waits this long without input
#: (the chart first; a person pauses longer than this between strokes).
SETTLE_DELAY_MS = 40
#: Pointer moves shorter than this (logical units) are skipped: invisible, and keeps drawings lean.
MIN_SEGMENT = 0.5
#: Radius (logical units) of the pen's eraser end.
ERASER_RADIUS = 8.0

_MOUSE, _TABLET, _TOUCH = "mouse", "tablet", "touch"


@dataclass(frozen=True)
class CanvasState:
    """One undo step: the strokes (shared, never mutated once finished) or a dropped picture,
    the drawing's extra fields (label, writer...: shared, never mutated), the document it
    belongs to and its version (new for every edit: see digitpad.gui.document)."""

    size: tuple[int, int]
    strokes: tuple[Stroke, ...]
    picture: np.ndarray | None
    extra: dict
    document: Document
    version: int
    fits: bool = False  # a new page: its width follows the widget's shape (see Canvas._fitted_size)


@dataclass(frozen=True)
class DigitMark:
    """A digit's box on the canvas (logical units, from the core's reading) and how to paint it."""

    box: tuple[float, float, float, float]
    selected: bool = False
    not_sure: bool = False


def _stroke_box(stroke: Stroke, width: float) -> QRectF:
    """Logical area a stroke's ink can touch: its points' box, padded by half the pen and antialiasing."""
    xs = [p[0] for p in stroke.points]
    ys = [p[1] for p in stroke.points]
    pad = width / 2 + 2
    return QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)


def _distance_to_segment(px: float, py: float, a: tuple, b: tuple) -> float:
    ax, ay, bx, by = a[0], a[1], b[0], b[1]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else min(max(((px - ax) * dx + (py - ay) * dy) / length2, 0.0), 1.0)
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def stroke_touches(stroke: Stroke, x: float, y: float, radius: float, default_width: float) -> bool:
    """Whether a circle at (x, y) overlaps the stroke's painted area (eraser hit test)."""
    reach = radius + (stroke.width if stroke.width is not None else default_width) / 2
    pts = stroke.points
    if len(pts) == 1:
        return math.hypot(x - pts[0][0], y - pts[0][1]) <= reach
    return any(_distance_to_segment(x, y, a, b) <= reach for a, b in zip(pts, pts[1:]))


class Canvas(QWidget):
    """Drawing widget.  ``inkChanged(final)`` fires on pen-up/edits (final) and while drawing (throttled)."""

    inkChanged = Signal(bool)
    historyChanged = Signal()
    #: A digit key 0-9 (main row or keypad, no Ctrl/Alt/Meta) pressed while the canvas has focus.
    digitTyped = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 220)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Drawing canvas")

        self._size = (LOGICAL_SIZE, LOGICAL_SIZE)
        self._fits = True
        self._marks: tuple[DigitMark, ...] = ()
        self._strokes: list[Stroke] = []
        self._picture: np.ndarray | None = None
        self._extra: dict = {}  # never mutated: undo steps share it
        self._document = Document(saved_version=0)
        self._version = 0
        self._versions = 0  # the last version handed out
        self._current: Stroke | None = None
        self._source: str | None = None
        self._erasing = False
        self._before: CanvasState | None = None
        self._touch_id: int | None = None
        self._stroke_width = float(DEFAULT_STROKE_WIDTH)
        self._undo: deque[CanvasState] = deque(maxlen=UNDO_LIMIT)
        self._redo: list[CanvasState] = []
        self._ink = new_ink_image(*self._size)
        self._display: QImage | None = None
        self._display_for: float | None = None  # the devicePixelRatio the display image was made for
        self._display_cost: tuple | None = None  # (strokes, size), their painting cost at scale 1
        self.hint = "Draw a digit or a number"

        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(LIVE_INTERVAL_MS)
        self._live.timeout.connect(self._live_tick)
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(SETTLE_DELAY_MS)
        self._settle_timer.timeout.connect(self._settle_display)
        # Both images as they were at pen-down: at pen-up the new stroke's area is restored
        # from them and the stroke painted once more, whole (cost independent of the drawing).
        self._ink_at_pen_down: QImage | None = None
        self._display_at_pen_down: QImage | None = None
        # The finished stroke whose screen pixels still show its segments, and its logical area.
        self._unsettled: tuple[Stroke, QRect] | None = None

    # ----------------------------------------------------------------- public API

    @property
    def stroke_width(self) -> float:
        return self._stroke_width

    def set_stroke_width(self, width: float) -> None:
        """Width (logical units) of the next stroke; strokes already drawn keep theirs."""
        self._stroke_width = float(width)

    @property
    def logical_size(self) -> tuple[int, int]:
        return self._size

    def is_empty(self) -> bool:
        return self._picture is None and not any(s.points for s in self._strokes) and self._current is None

    def has_picture(self) -> bool:
        return self._picture is not None

    def is_drawing(self) -> bool:
        return self._source is not None

    @property
    def document(self) -> Document:
        """The file the current content belongs to; undo and redo bring back each step's own."""
        return self._document

    @property
    def version(self) -> int:
        """A number that is new for every edit and comes back with undo/redo (for 'modified')."""
        return self._version

    def is_modified(self) -> bool:
        return self._document.is_modified(self._version)

    def drawing(self) -> Drawing:
        """The finished strokes as a Drawing (widths stored explicitly, so no default is needed)."""
        return Drawing(
            width=self._size[0],
            height=self._size[1],
            strokes=[Stroke(points=list(s.points), width=s.width) for s in self._strokes],
            extra=dict(self._extra),
        )

    def strokes_shown(self) -> Drawing | None:
        """The strokes the ink shows, the one being drawn included (what the trajectory model
        reads beside ``ink_array``); None when the canvas shows a picture, whose strokes are unknown."""
        if self._picture is not None:
            return None
        strokes = self._strokes + ([self._current] if self._current is not None else [])
        return Drawing(width=self._size[0], height=self._size[1],
                       strokes=[Stroke(points=list(s.points), width=s.width) for s in strokes])

    def ink_array(self) -> np.ndarray:
        """What the model is given: (height, width) uint8, ink = 255 on 0."""
        if self._picture is not None:
            return self._picture
        return qimage_to_array(self._ink)

    def ink_image(self) -> QImage:
        """A copy of the logical-resolution ink image (8-bit grayscale, ink bright)."""
        return self._ink.copy()

    def export_image(self) -> QImage:
        """Dark ink on white paper at logical resolution, for 'Export PNG'."""
        if self._picture is not None:
            arr = np.ascontiguousarray(self._picture)
            image = QImage(arr.data, arr.shape[1], arr.shape[0], arr.strides[0], QImage.Format.Format_Grayscale8).copy()
        else:
            image = self._ink.copy()
        image.invertPixels()
        return image

    def set_drawing(self, drawing: Drawing, document: Document | None = None, fit: bool = False) -> None:
        """Replace the content with a drawing, as a new document (undoable): ``document``
        names its file (None: an untitled one).  It keeps its own size unless ``fit`` (a
        drawing made on this canvas before, e.g. the autosave of a 280-high page): then its
        width follows the widget as a new page's does, never cutting its ink.

        Raises RenderError (a ValueError), before anything changes, for a canvas too large or
        a drawing too costly to paint on the UI thread (render.INTERACTIVE_RENDER_COST)."""
        check_renderable(drawing, DEFAULT_STROKE_WIDTH, INTERACTIVE_RENDER_COST)
        self._abort_stroke()
        self._push_undo(self._state())
        self._restore(
            CanvasState(
                (drawing.width, drawing.height),
                tuple(Stroke(points=list(s.points), width=s.width) for s in drawing.strokes),
                None,
                dict(drawing.extra),
                document if document is not None else Document(),
                self._version,
                fit and drawing.height == LOGICAL_SIZE,
            )
        )
        self.inkChanged.emit(True)

    def set_picture(self, ink: np.ndarray) -> None:
        """Show a loaded image (2-D uint8, ink bright) and predict it (undoable); an image is
        not a drawing file, so it starts an untitled document."""
        if ink.ndim != 2 or ink.dtype != np.uint8 or ink.size == 0:
            raise ValueError(f"expected a 2-D uint8 image, got {ink.dtype} {ink.shape}")
        self._abort_stroke()
        self._push_undo(self._state())
        self._restore(CanvasState(self._size, (), np.ascontiguousarray(ink).copy(), {}, Document(), self._version))
        self.inkChanged.emit(True)

    def clear(self) -> None:
        """Remove everything (undoable); a no-op on an empty canvas.  The document stays (Save
        writes to its file) but the extra fields go: they described the drawing just removed."""
        self._abort_stroke()
        if self.is_empty():
            return
        self._push_undo(self._state())
        self._restore(self._edited(strokes=(), picture=None, extra={}, fits=self._fits or self._size[1] == LOGICAL_SIZE))
        self.inkChanged.emit(True)

    def reset(self) -> None:
        """A blank page with no history (the Practice dialog's next digit: Undo must not bring
        back the drawing already kept)."""
        self._abort_stroke()
        self._undo.clear()
        self._redo.clear()
        self._versions += 1
        self._restore(CanvasState(self._size, (), None, {}, Document(saved_version=self._versions), self._versions,
                                  fits=True))
        self.historyChanged.emit()
        self.inkChanged.emit(True)

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        self._abort_stroke()
        if not self._undo:
            return
        self._redo.append(self._state())
        self._restore(self._undo.pop())
        self.historyChanged.emit()
        self.inkChanged.emit(True)

    def redo(self) -> None:
        self._abort_stroke()
        if not self._redo:
            return
        self._undo.append(self._state())
        self._restore(self._redo.pop())
        self.historyChanged.emit()
        self.inkChanged.emit(True)

    # ----------------------------------------------------------------- state

    def _state(self) -> CanvasState:
        return CanvasState(self._size, tuple(self._strokes), self._picture, self._extra, self._document, self._version,
                           self._fits)

    def _edited(self, **changes) -> CanvasState:
        """The current state with some fields changed (same document and version)."""
        return replace(self._state(), **changes)

    def _push_undo(self, state: CanvasState) -> None:
        """Record the state before an edit; what follows is a new version."""
        self._undo.append(state)
        self._redo.clear()
        self._versions += 1
        self._version = self._versions
        self.historyChanged.emit()

    def _restore(self, state: CanvasState) -> None:
        self._fits = state.fits and state.picture is None
        size = self._fitted_size(state.strokes, state.size[0]) if self._fits else state.size
        if size != self._size:
            self._size = size
        self._strokes = list(state.strokes)
        self._picture = state.picture
        self._extra = state.extra
        self._document = state.document
        self._version = state.version
        self._ink = new_ink_image(*self._size)
        painter = begin_painter(self._ink)
        try:
            for stroke in self._strokes:
                paint_stroke(painter, stroke, DEFAULT_STROKE_WIDTH, INK, self._size)
        finally:
            painter.end()
        self._render_display()
        self.update()

    # ----------------------------------------------------------------- geometry

    def _fitted_size(self, strokes, page_width: int) -> tuple[int, int]:
        """A new page's size: 280 high, as wide as the widget's shape (at least 280), never
        narrower than the ink's right edge as far as the page (``page_width`` wide now) shows it:
        ink drawn past the page's edge was never on it and must not widen it (nor past what
        the renderer accepts)."""
        h = LOGICAL_SIZE
        w = round(h * self.width() / self.height()) if self.height() > 0 else h
        right = 0.0
        for s in strokes:
            if s.points:
                pad = (s.width if s.width is not None else DEFAULT_STROKE_WIDTH) / 2 + 2
                right = max(right, max(p[0] for p in s.points) + pad)
        return min(MAX_RENDER_SIDE, max(LOGICAL_SIZE, w, math.ceil(min(right, page_width)))), h

    def fits_widget(self) -> bool:
        """True for a new page, whose width follows the widget; False for an opened drawing or picture."""
        return self._fits

    def set_marks(self, marks: list[DigitMark] | tuple[DigitMark, ...]) -> None:
        """Boxes painted over the ink (the digits of a number); an empty list removes them."""
        marks = tuple(marks)
        if marks == self._marks:
            return
        changed = set(marks).symmetric_difference(self._marks)  # only boxes that come, go or change
        self._marks = marks
        transform = self._transform()
        for mark in changed:
            self.update(transform.mapRect(QRectF(*mark.box)).toAlignedRect().adjusted(-3, -3, 3, 3))

    @property
    def marks(self) -> tuple[DigitMark, ...]:
        return self._marks

    def _transform(self) -> QTransform:
        """Logical canvas -> widget coordinates, uniform scale, centred."""
        w, h = self._size
        scale = min(self.width() / w, self.height() / h)
        ox = (self.width() - w * scale) / 2
        oy = (self.height() - h * scale) / 2
        return QTransform(scale, 0, 0, scale, ox, oy)

    def paper_rect(self) -> QRectF:
        """Where the logical canvas appears in the widget."""
        return self._transform().mapRect(QRectF(0, 0, *self._size))

    def _to_logical(self, pos: QPointF) -> tuple[float, float]:
        inverse, _ = self._transform().inverted()
        p = inverse.map(pos)
        return p.x(), p.y()

    # ----------------------------------------------------------------- display image

    def _ink_colour(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Text)

    def _display_painter(self) -> QPainter:
        painter = begin_painter(self._display)
        painter.setTransform(self._transform())
        painter.setClipRect(QRectF(0, 0, *self._size))  # ink outside the canvas is not in the model image either
        return painter

    def _render_display(self) -> None:
        """Re-render the display image from the data (resize, undo, palette change)."""
        self._settle_timer.stop()  # everything is repainted from the data now
        self._unsettled = None
        self._display_at_pen_down = None
        self._display_for = self.devicePixelRatioF()
        dpr = self._affordable_ratio()
        size = self.size() * dpr
        if self._display is None or self._display.size() != size or self._display.devicePixelRatioF() != dpr:
            self._display = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
            self._display.setDevicePixelRatio(dpr)
        self._display.fill(Qt.GlobalColor.transparent)
        colour = self._ink_colour()
        painter = self._display_painter()
        try:
            if self._picture is not None:
                arr = self._picture
                alpha = QImage(arr.data, arr.shape[1], arr.shape[0], arr.strides[0], QImage.Format.Format_Alpha8)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
                h, w = arr.shape
                scale = min(self._size[0] / w, self._size[1] / h)
                target = QRectF((self._size[0] - w * scale) / 2, (self._size[1] - h * scale) / 2, w * scale, h * scale)
                painter.drawImage(target, alpha)
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
                painter.fillRect(QRectF(0, 0, *self._size), colour)
            else:
                strokes = self._strokes + ([self._current] if self._current is not None else [])
                for stroke in strokes:
                    paint_stroke(painter, stroke, DEFAULT_STROKE_WIDTH, colour, self._size)
        finally:
            painter.end()

    def _affordable_ratio(self) -> float:
        """The screen's pixel ratio, lowered for a drawing too costly to paint sharp at this
        size within a UI step (render.affordable_scale): it shows a little soft, never frozen."""
        dpr = self.devicePixelRatioF()
        scale = self._transform().m11() * dpr
        if self._picture is not None or not self._strokes or scale <= 1.0:
            return dpr
        key = (tuple(map(id, self._strokes)), self._size)
        if self._display_cost is None or self._display_cost[0] != key:
            drawing = Drawing(self._size[0], self._size[1], self._strokes)
            self._display_cost = (key, render_cost(drawing, DEFAULT_STROKE_WIDTH))
        if self._display_cost[1] * scale * scale <= INTERACTIVE_RENDER_COST:
            return dpr  # (the cost grows at most with the square of the scale)
        drawing = Drawing(self._size[0], self._size[1], self._strokes)
        return dpr * affordable_scale(drawing, scale, INTERACTIVE_RENDER_COST, DEFAULT_STROKE_WIDTH) / scale

    def display_scale(self) -> float:
        """Display-image pixels per logical unit (tests, benchmarks)."""
        ratio = self._display.devicePixelRatioF() if self._display is not None else self.devicePixelRatioF()
        return self._transform().m11() * ratio

    def _dirty_rect(self, a: tuple, b: tuple | None, width: float) -> QRect:
        xs = [a[0]] + ([b[0]] if b else [])
        ys = [a[1]] + ([b[1]] if b else [])
        pad = width / 2 + 2
        logical = QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)
        return self._transform().mapRect(logical).toAlignedRect().adjusted(-2, -2, 2, 2)

    # ----------------------------------------------------------------- strokes

    def _begin(self, pos: QPointF, pressure: float, source: str) -> None:
        if self.is_empty():
            self.update()  # the hint goes: repaint all of it, not just the new stroke's rectangle
        self._before = self._state()
        if self._picture is not None:  # drawing over a dropped picture starts a fresh drawing, on a new page
            self._restore(self._edited(strokes=(), picture=None, fits=True))
        if self._settle_timer.isActive():  # the previous stroke's screen repaint, before the snapshot
            self._settle_timer.stop()
            self._settle_display()
        self._ink_at_pen_down = self._ink.copy()
        self._display_at_pen_down = self._display.copy() if self._display is not None else None
        x, y = self._to_logical(pos)
        point = (round(x, 3), round(y, 3), round(pressure, 4))
        self._current = Stroke(points=[point], width=self._stroke_width)
        self._source = source
        # Immediate feedback: a dot on screen.  The ink image gets the dot only if the
        # stroke stays a single point, exactly as render() paints it.
        painter = self._display_painter()
        try:
            paint_segment(painter, point, None, self._stroke_width, self._ink_colour())
        finally:
            painter.end()
        self.update(self._dirty_rect(point, None, self._stroke_width * self._transform().m11()))

    def _extend(self, pos: QPointF, pressure: float) -> None:
        stroke = self._current
        if stroke is None:
            return
        x, y = self._to_logical(pos)
        last = stroke.points[-1]
        if math.hypot(x - last[0], y - last[1]) < MIN_SEGMENT:
            return
        point = (round(x, 3), round(y, 3), round(pressure, 4))
        stroke.points.append(point)
        width = stroke.width if stroke.width is not None else DEFAULT_STROKE_WIDTH
        painter = begin_painter(self._ink)
        try:
            paint_segment(painter, last, point, width, INK)
        finally:
            painter.end()
        painter = self._display_painter()
        try:
            paint_segment(painter, last, point, width, self._ink_colour())
        finally:
            painter.end()
        self.update(self._dirty_rect(last, point, width * self._transform().m11()))
        if not self._live.isActive():
            self._live.start()

    def _end(self) -> None:
        stroke = self._current
        if stroke is None:
            return
        self._live.stop()
        if len(stroke.points) == 1:
            painter = begin_painter(self._ink)
            try:
                paint_segment(painter, stroke.points[0], None, stroke.width or DEFAULT_STROKE_WIDTH, INK)
            finally:
                painter.end()
        self._strokes.append(stroke)
        self._current = None
        self._source = None
        if paints_as_polyline(stroke, self._size):
            self._settle(stroke)
        if self._before is not None:
            self._push_undo(self._before)
        self._before = None
        self.inkChanged.emit(True)

    def _settle(self, stroke: Stroke) -> None:
        """Repaint a finished one-pressure stroke as render() paints it: one polyline.

        While drawing, each segment is painted as it arrives (round caps that overlap leave
        beads on antialiased edges).  At pen-up the stroke's area is restored from the
        pen-down copy and the stroke painted whole, so the ink image is again exactly
        render(drawing), at a cost that does not grow with the number of strokes.
        """
        width = stroke.width if stroke.width is not None else DEFAULT_STROKE_WIDTH
        clip = _stroke_box(stroke, pressure_width(width, stroke.points[0][2])).toAlignedRect()
        clip = clip.intersected(QRect(0, 0, *self._size))
        before, self._ink_at_pen_down = self._ink_at_pen_down, None
        if clip.isEmpty() or before is None:
            return
        painter = begin_painter(self._ink)
        try:
            painter.setClipRect(clip)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            painter.drawImage(clip, before, clip)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            paint_stroke(painter, stroke, DEFAULT_STROKE_WIDTH, INK, self._size)
        finally:
            painter.end()
        # The screen half waits for a pause in the input, so it never delays the chart or
        # a stroke: the answer first, the smoother edges a moment later.
        self._unsettled = (stroke, clip)
        self._settle_timer.start()

    def settle_pending(self) -> bool:
        """True while a finished stroke still shows its segments on screen (tests wait on it)."""
        return self._settle_timer.isActive()

    def _settle_display(self) -> None:
        """The screen half of _settle: restore the stroke's patch and paint the stroke whole."""
        unsettled, self._unsettled = self._unsettled, None
        before, self._display_at_pen_down = self._display_at_pen_down, None
        if self._display is None or before is None or unsettled is None:
            return  # (_render_display, the only place that reallocates the display, drops both)
        stroke, clip = unsettled
        # The patch is whole device pixels, so it has no seam.
        dpr = self._display.devicePixelRatioF()
        on_screen = self._transform().mapRect(QRectF(clip))
        device = QRectF(on_screen.x() * dpr, on_screen.y() * dpr, on_screen.width() * dpr, on_screen.height() * dpr)
        device = device.toAlignedRect().adjusted(-1, -1, 1, 1).intersected(QRect(QPoint(0, 0), self._display.size()))
        patch = QRectF(device.x() / dpr, device.y() / dpr, device.width() / dpr, device.height() / dpr)
        painter = QPainter(self._display)  # logical coordinates: `patch` covers exactly `device`
        try:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            painter.drawImage(patch, before, QRectF(device))
        finally:
            painter.end()
        painter = self._display_painter()
        try:
            paint_stroke(painter, stroke, DEFAULT_STROKE_WIDTH, self._ink_colour(), self._size)
        finally:
            painter.end()
        self.update(patch.toAlignedRect().adjusted(-1, -1, 1, 1))

    def _abort_stroke(self) -> None:
        """Finish any stroke in progress before an edit, so history stays consistent."""
        if self._erasing:
            self._end_erase()
        if self._current is not None:
            self._end()
        self._source = None

    # ----------------------------------------------------------------- eraser

    def _begin_erase(self, pos: QPointF, source: str) -> None:
        self._erasing = True
        self._source = source
        self._before = self._state()
        self._erase_at(pos)

    def _erase_at(self, pos: QPointF) -> None:
        x, y = self._to_logical(pos)
        hit = {
            id(s) for s in self._strokes if stroke_touches(s, x, y, ERASER_RADIUS, DEFAULT_STROKE_WIDTH)
        }
        if not hit:
            return
        self._restore(self._edited(strokes=tuple(s for s in self._strokes if id(s) not in hit)))
        if not self._live.isActive():
            self._live.start()

    def _end_erase(self) -> None:
        self._live.stop()
        self._erasing = False
        self._source = None
        before, self._before = self._before, None
        if before is not None and before.strokes != tuple(self._strokes):
            self._push_undo(before)
            self.inkChanged.emit(True)

    def _live_tick(self) -> None:
        if self._source is not None:
            self.inkChanged.emit(False)

    # ----------------------------------------------------------------- events

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._source is not None or event.button() != Qt.MouseButton.LeftButton:
            event.accept()  # a pen/finger stroke is active: never start a duplicate
            return
        self._begin(event.position(), 1.0, _MOUSE)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._source == _MOUSE:
            self._extend(event.position(), 1.0)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._source == _MOUSE and event.button() == Qt.MouseButton.LeftButton:
            self._extend(event.position(), 1.0)
            self._end()
        event.accept()

    @staticmethod
    def _pressure(event: QTabletEvent) -> float:
        device = event.pointingDevice()
        if device is not None and not (device.capabilities() & QInputDevice.Capability.Pressure):
            return 1.0  # tablets without pressure report 0 or garbage; draw at full width
        return min(max(float(event.pressure()), 0.0), 1.0)

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        eraser = event.pointerType() == QPointingDevice.PointerType.Eraser
        if kind == QEvent.Type.TabletPress:
            if self._source == _MOUSE:
                self._end()
            if self._source is None:
                if eraser:
                    self._begin_erase(event.position(), _TABLET)
                else:
                    self._begin(event.position(), self._pressure(event), _TABLET)
        elif kind == QEvent.Type.TabletMove:
            if self._source == _TABLET:
                if self._erasing:
                    self._erase_at(event.position())
                else:
                    self._extend(event.position(), self._pressure(event))
        elif kind == QEvent.Type.TabletRelease:
            if self._source == _TABLET:
                if self._erasing:
                    self._erase_at(event.position())
                    self._end_erase()
                else:
                    self._end()
        event.accept()  # accepted: Qt will not synthesize a mouse event from it

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            self._touch(event)  # type: ignore[arg-type]
            event.accept()
            return True
        return super().event(event)

    def _touch(self, event: QTouchEvent) -> None:
        kind = event.type()
        points = event.points()
        if kind == QEvent.Type.TouchBegin:
            if self._source is None and len(points) == 1:
                self._touch_id = points[0].id()
                self._begin(points[0].position(), 1.0, _TOUCH)
            return
        if self._source != _TOUCH:
            return
        if kind == QEvent.Type.TouchCancel:
            self._end()
            return
        mine = [p for p in points if p.id() == self._touch_id]
        if mine:
            self._extend(mine[0].position(), 1.0)
        if kind == QEvent.Type.TouchEnd or (mine and mine[0].state() == mine[0].State.Released) or not mine:
            self._end()
            self._touch_id = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Digit keys become ``digitTyped``; every other key goes on to the window (its shortcuts,
        a dialog's Enter), so the canvas takes no key it does not use."""
        chord = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
        if Qt.Key.Key_0 <= event.key() <= Qt.Key.Key_9 and not (event.modifiers() & chord) and not event.isAutoRepeat():
            self.digitTyped.emit(event.key() - Qt.Key.Key_0)
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fits and self._source is None and self._fitted_size(self._strokes, self._size[0]) != self._size:
            self._restore(self._state())  # the page follows the widget (ink and display repainted)
        else:
            self._render_display()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._render_display()
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._display is None or self._display_for != self.devicePixelRatioF():
            self._render_display()
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.Window))
        paper = self.paper_rect().adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.0))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(paper, 10, 10)
        painter.drawImage(QRectF(event.rect()), self._display, QRectF(self._source_rect(event.rect())))
        if self._marks:
            self._paint_marks(painter, event.rect())
        if self.is_empty():
            hint = QColor(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.setPen(hint)
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.4)
            painter.setFont(font)
            painter.drawText(paper, Qt.AlignmentFlag.AlignCenter, self.hint)
        painter.end()

    def _paint_marks(self, painter: QPainter, area: QRect) -> None:
        """Each digit's box in the accent colour (warm when not sure, tinted when
        selected); only the boxes that cross the repainted area."""
        palette = self.palette()
        accent = palette.color(QPalette.ColorRole.Highlight)
        warn = QColor(214, 120, 20)
        transform = self._transform()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # crisp lines, and several times faster
        for mark in self._marks:
            rect = transform.mapRect(QRectF(*mark.box)).toAlignedRect()  # (the box already covers the pen)
            if not rect.adjusted(-2, -2, 2, 2).intersects(area):
                continue
            colour = QColor(warn if mark.not_sure else accent)
            colour.setAlpha(230 if mark.selected else 130)
            painter.setPen(QPen(colour, 2.0 if mark.selected else 1.2))
            if mark.selected:
                fill = QColor(colour)
                fill.setAlpha(28)
                painter.setBrush(fill)
            else:
                painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
        painter.restore()

    def _source_rect(self, rect: QRect) -> QRect:
        dpr = self._display.devicePixelRatioF() if self._display is not None else 1.0
        return QRectF(rect.x() * dpr, rect.y() * dpr, rect.width() * dpr, rect.height() * dpr).toAlignedRect()
