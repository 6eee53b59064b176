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

from _guibench import make_window, percentile, press_and_move, release, stroke_points
from PySide6.QtTest import QTest


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
        points = stroke_points(i, n=24)
        t = time.perf_counter()
        where = press_and_move(canvas, points)
        move_ms = (time.perf_counter() - t) * 1000 / len(points)
        app.processEvents()  # paint the stroke now, as the event loop would while drawing
        before = chart.paint_count
        t0 = time.perf_counter()
        release(canvas, where)
        while chart.paint_count == before:
            app.processEvents()
        elapsed = (time.perf_counter() - t0) * 1000
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
