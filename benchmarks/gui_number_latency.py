"""Pen-up -> reading shown, for a 10-digit number written stroke by stroke in the shown window.

    python benchmarks/gui_number_latency.py [--numbers 20] [--text 3141592653] [--size 980x640]

Each number is written with real QTest mouse events (benchmarks/digit_shapes.py: hand-made
digits side by side across the page) on a cleared canvas; every pen-up is timed from the
release until the chart has repainted (by then the number view, the digit boxes, the
verdict and the preview have been updated in the same step).  Target p99 < 16 ms (one frame
at 60 Hz).  Also prints what the window read, and the model time of the last stroke's
reading.  Prints figures; asserts nothing.  For one digit, see gui_latency.py.
"""

from __future__ import annotations

import argparse
import os
import platform
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

from digit_shapes import number_strokes  # noqa: E402
from qt_input import make_window, pen_up_to_chart_ms, percentile, press_and_move, to_page  # noqa: E402

_TMP = tempfile.TemporaryDirectory(prefix="digitpad-bench-")
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _TMP.name)
os.environ["DIGITPAD_DATA_DIR"] = _TMP.name  # autosave and log: never the user's


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=20, help="how many times the number is written")
    parser.add_argument("--text", default="3141592653")
    parser.add_argument("--size", default="980x640", help="window size WxH")
    parser.add_argument("--height", type=float, default=0.15, help="digit height, of the page's")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.lower().split("x"))
    app, window = make_window((w, h))
    canvas, chart = window.canvas, window.chart

    pen_up: list[float] = []
    model: list[float] = []
    read: dict[str, int] = {}
    for n in range(args.numbers + 1):
        canvas.clear()
        app.processEvents()
        # Each time a pixel or more apart: the reader's cache must not serve strokes seen before.
        left, top = 0.02 + 0.003 * (n % 10), 0.25 + 0.004 * (n // 10 % 10)
        for stroke in number_strokes(args.text, canvas.logical_size, height=args.height, gap=0.25, left=left, top=top):
            points = [stroke[0]] + [(a[0] + (b[0] - a[0]) * t / 3, a[1] + (b[1] - a[1]) * t / 3)
                                    for a, b in zip(stroke, stroke[1:]) for t in (1, 2, 3)]
            where = press_and_move(canvas, points, to_page)
            elapsed = pen_up_to_chart_ms(app, canvas, chart, where, timeout_s=60.0)
            if n > 0:  # the first number warms caches
                pen_up.append(elapsed)
                model.append(window.last_outcome.latency_ms)
        if n > 0:
            read[window.number_view.text] = read.get(window.number_view.text, 0) + 1

    print(f"digitpad GUI number latency: {args.text!r} written {args.numbers} times, {len(pen_up)} pen-ups, "
          f"window {w}x{h} (page {canvas.logical_size[0]}x{canvas.logical_size[1]}), offscreen, "
          f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}")
    for name, values in (("pen-up -> reading shown", pen_up), ("  of which preprocess+models", model)):
        print(f"  {name:30s} p50 {percentile(values, 50):6.2f} ms   p99 {percentile(values, 99):6.2f} ms   max {max(values):6.2f} ms")
    print("  read as: " + ", ".join(f"{text!r} x{k}" for text, k in sorted(read.items(), key=lambda kv: -kv[1])))
    window.close()
    QTest.qWait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
