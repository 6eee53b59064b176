"""The window, real QTest mouse strokes and a percentile, shared by the GUI benchmarks.

Importing this changes no folder, setting or environment variable: each benchmark
isolates its own settings and data folder before it builds a window.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest


def make_window(size: tuple[int, int] = (980, 640)):
    """The app's main window, shown, on the settings and data folder the caller isolated."""
    from digitpad.gui.app import ensure_application
    from digitpad.gui.settings import Settings, open_settings
    from digitpad.gui.window import MainWindow

    app = ensure_application()
    window = MainWindow(settings=Settings(open_settings()))
    window.resize(*size)
    window.show()
    for _ in range(5):
        app.processEvents()
    return app, window


def to_widget(canvas, p: tuple[float, float]) -> QPoint:
    """A point in 0..1 coordinates of a square as high as the paper, centred on it -> widget
    pixels: a digit keeps its shape however wide the page is."""
    rect = canvas.paper_rect()
    side = rect.height()
    x0 = rect.x() + (rect.width() - side) / 2
    return QPoint(round(x0 + p[0] * side), round(rect.y() + p[1] * side))


def to_page(canvas, p: tuple[float, float]) -> QPoint:
    """A point in 0..1 coordinates of the whole paper (x across its width) -> widget pixels."""
    rect = canvas.paper_rect()
    return QPoint(round(rect.x() + p[0] * rect.width()), round(rect.y() + p[1] * rect.height()))


def press_and_move(canvas, points: list[tuple[float, float]], where=to_widget) -> QPoint:
    """Pen-down and moves of one stroke with real QTest events; returns where to release.
    ``where`` maps the points to the widget (``to_page``: 0..1 across the whole page)."""
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where(canvas, points[0]))
    for p in points[1:]:
        QTest.mouseMove(canvas, where(canvas, p))
    return where(canvas, points[-1])


def release(canvas, where: QPoint) -> None:
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: an observed value, never an interpolation."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def pen_up_to_chart_ms(app, canvas, chart, where: QPoint, timeout_s: float = 2.0) -> float | None:
    """Release the pen, then run the event loop until the chart repaints: the delay a user sees.

    Returns milliseconds, or None when the chart did not repaint within `timeout_s`.
    """
    app.processEvents()  # paint the stroke now, as the event loop would while drawing
    before = chart.paint_count
    t0 = time.perf_counter()
    release(canvas, where)
    while chart.paint_count == before:
        app.processEvents()
        if time.perf_counter() - t0 > timeout_s:
            return None
    return (time.perf_counter() - t0) * 1000
