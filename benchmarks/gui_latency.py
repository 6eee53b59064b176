"""Pen-up -> chart repainted latency, and the cost of one pointer move, offscreen.

    python benchmarks/gui_latency.py [--strokes 300]

Pen-up time covers: the release event, the last segment, reading the ink image,
preprocess, the model, verdict/chart/preview updates and the chart's repaint.
Target p99 < 16 ms (one frame at 60 Hz).  A pointer move must stay well
under 1 ms for smooth drawing at 1,000 events/s.  Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import time

# ---- shared with gui_memory.py: offscreen Qt, temporary settings, stroke shapes
import math
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import onnxruntime  # noqa: E402,F401  (before Qt, as in the app)
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from qt_input import make_window, pen_up_to_chart_ms, percentile, press_and_move  # noqa: E402

_TMP = tempfile.TemporaryDirectory(prefix="digitpad-bench-")
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _TMP.name)
os.environ["DIGITPAD_DATA_DIR"] = _TMP.name  # autosave and log: never the user's


def stroke_points(i: int, n: int = 12) -> list[tuple[float, float]]:
    """Alternating strokes (a vertical bar, a ring, a diagonal) in 0..1 canvas coordinates."""
    kind = i % 3
    if kind == 0:
        return [(0.5, 0.2 + 0.6 * k / n) for k in range(n + 1)]
    if kind == 1:
        return [(0.5 + 0.2 * math.sin(2 * math.pi * k / n), 0.5 - 0.3 * math.cos(2 * math.pi * k / n)) for k in range(n + 1)]
    return [(0.3 + 0.4 * k / n, 0.8 - 0.6 * k / n) for k in range(n + 1)]


# ---- the benchmark


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=300)
    args = parser.parse_args()
    app, window = make_window()
    canvas, chart = window.canvas, window.chart

    pen_up: list[float] = []
    model: list[float] = []
    moves: list[float] = []
    for i in range(args.strokes + 10):
        if i % 3 == 0:
            canvas.clear()
            app.processEvents()
        # Each stroke a little apart from the last time the same shape was drawn: nothing is served
        # from a cache (the number reader keeps scored strokes), every pen-up pays the models.
        k = i // 3  # a new place, a pixel or more apart, for each drawing of a run (up to 1,200 strokes)
        dx, dy = 0.0025 * (k % 20), 0.0025 * (k // 20 % 20)
        points = [(x + dx, y + dy) for x, y in stroke_points(i, n=24)]
        t = time.perf_counter()
        where = press_and_move(canvas, points)
        move_ms = (time.perf_counter() - t) * 1000 / len(points)
        elapsed = pen_up_to_chart_ms(app, canvas, chart, where, timeout_s=60.0)
        if i >= 10:  # the first strokes warm caches; not what a user feels after a second
            pen_up.append(elapsed)
            moves.append(move_ms)
            model.append(window.last_outcome.latency_ms)

    print(f"digitpad GUI latency ({len(pen_up)} strokes, offscreen, {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.machine()})")
    for name, values in (("pen-up -> chart repainted", pen_up), ("  of which preprocess+model", model), ("pointer move (per event)", moves)):
        print(f"  {name:28s} p50 {percentile(values, 50):6.2f} ms   p99 {percentile(values, 99):6.2f} ms   max {max(values):6.2f} ms")
    window.close()
    QTest.qWait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
