"""Shared set-up for the GUI benchmarks: offscreen Qt, temporary settings, real mouse strokes."""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import onnxruntime  # noqa: E402,F401  (before Qt, as in the app)
from PySide6.QtCore import QPoint, QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

_TMP = tempfile.TemporaryDirectory(prefix="digitpad-bench-")
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _TMP.name)


def make_window(size: tuple[int, int] = (980, 640)):
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


def stroke_points(i: int, n: int = 12) -> list[tuple[float, float]]:
    """Alternating strokes (a vertical bar, a ring, a diagonal) in 0..1 canvas coordinates."""
    kind = i % 3
    if kind == 0:
        return [(0.5, 0.2 + 0.6 * k / n) for k in range(n + 1)]
    if kind == 1:
        return [(0.5 + 0.2 * math.sin(2 * math.pi * k / n), 0.5 - 0.3 * math.cos(2 * math.pi * k / n)) for k in range(n + 1)]
    return [(0.3 + 0.4 * k / n, 0.8 - 0.6 * k / n) for k in range(n + 1)]


def to_widget(canvas, p: tuple[float, float]) -> QPoint:
    rect = canvas.paper_rect()
    return QPoint(round(rect.x() + p[0] * rect.width()), round(rect.y() + p[1] * rect.height()))


def press_and_move(canvas, points: list[tuple[float, float]]) -> QPoint:
    """Pen-down and moves of one stroke with real QTest events; returns where to release."""
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, points[0]))
    for p in points[1:]:
        QTest.mouseMove(canvas, to_widget(canvas, p))
    return to_widget(canvas, points[-1])


def release(canvas, where: QPoint) -> None:
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]
