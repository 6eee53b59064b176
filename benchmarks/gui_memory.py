"""Memory after 100 and 1,000 strokes, and time from launch to the window shown.

    python benchmarks/gui_memory.py [--launches 5]

Strokes are real mouse strokes with a prediction after each, clearing the
canvas every 10 strokes (a user drawing digit after digit; undo history stays
at its bound).  Targets: RSS < 200 MB, no growth from 100 to 1,000 strokes,
window shown < 1.0 s after the process starts.  Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # peak, not current, where /proc is missing (macOS reports bytes)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def child_shown(launched: float) -> int:
    """Run in a fresh process: start the app as main() does and report when the canvas first paints."""
    sys.path.insert(0, str(HERE.parent))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    import onnxruntime  # noqa: F401
    from PySide6.QtCore import QEvent, QObject, QSettings

    scratch = tempfile.mkdtemp(prefix="digitpad-bench-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, scratch)
    os.environ["DIGITPAD_DATA_DIR"] = scratch  # autosave and log: never the user's
    from digitpad.gui.app import create_window, ensure_application

    app = ensure_application()
    window = create_window()

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
            if event.type() == QEvent.Type.Paint and not hasattr(self, "done"):
                self.done = True
                print(f"shown {time.time() - launched:.4f}", flush=True)
                app.quit()
            return False

    spy = FirstPaint()
    window.canvas.installEventFilter(spy)
    window.show()
    app.exec()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--child-shown", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_shown is not None:
        return child_shown(args.child_shown)

    shown = []
    for _ in range(args.launches):
        launched = time.time()
        out = subprocess.run(
            [sys.executable, __file__, "--child-shown", repr(launched)], capture_output=True, text=True, timeout=120
        ).stdout
        shown += [float(line.split()[1]) for line in out.splitlines() if line.startswith("shown ")]

    from gui_latency import stroke_points
    from qt_input import make_window, press_and_move, release

    app, window = make_window()
    start = rss_mb()
    marks = {}
    for i in range(1, 1001):
        release(window.canvas, press_and_move(window.canvas, stroke_points(i)))
        app.processEvents()
        if i % 10 == 0:
            window.canvas.clear()
            app.processEvents()
        if i in (100, 500, 1000):
            marks[i] = rss_mb()

    print("digitpad GUI memory and start-up (offscreen)")
    print(f"  RSS with window open        {start:7.1f} MB")
    print(f"  RSS after 100 strokes       {marks[100]:7.1f} MB")
    print(f"  RSS after 500 strokes       {marks[500]:7.1f} MB   (undo history full at its bound by now)")
    print(f"  RSS after 1,000 strokes     {marks[1000]:7.1f} MB   (growth {marks[1000] - marks[100]:+.1f} MB from 100, "
          f"{marks[1000] - marks[500]:+.1f} MB from 500)")
    if shown:
        print(f"  window shown after launch   median {statistics.median(shown):.3f} s   max {max(shown):.3f} s   ({len(shown)} launches)")
    else:
        print("  window shown after launch   (child process reported nothing)")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
