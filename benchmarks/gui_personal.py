"""The window with N handwriting samples: start-up time, and correction -> chart repainted.

    python benchmarks/gui_personal.py [--samples 1000] [--launches 3] [--corrections 20]

Samples are the first N labelled drawings of ../shared/data/pen-digits/unipen-dev.jsonl.gz,
written as the samples file of a scratch data folder.  Start-up: a fresh process per launch
(as ``digitpad`` starts: create_window, which reads the samples and adapts to them), from the
process start to the canvas's first paint, with 0 and with N samples (the fit to the samples
runs on a worker thread and is not part of it).  Correction: in one window, draw a digit
(real mouse events), press a digit key on the canvas (a real key event) and time until the
chart has repainted with the adapted answer, and how long the key press itself held the UI
thread; each sample is then taken back with the status bar's Undo button, so every
correction sees N samples.
Targets (issue 13): start-up < 1 s with 1,000 samples, correction -> chart < 50 ms.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data" / "pen-digits" / "unipen-dev.jsonl.gz"


def write_samples(folder: Path, n: int) -> Path:
    """The samples file of ``folder`` with ``n`` labelled drawings (ids as the store gives them)."""
    sys.path.insert(0, str(ROOT))
    import uuid

    from digitpad import drawing as drawing_io
    from digitpad.personal_samples import SAMPLES_FILE

    lines = []
    for d in itertools.islice(drawing_io.iter_jsonl(DATA), n):
        d.extra = {"label": int(d.label), "id": uuid.uuid4().hex}
        lines.append(drawing_io.dumps(d) + "\n")
    if len(lines) < n:
        raise SystemExit(f"{DATA} has only {len(lines)} drawings")
    path = folder / SAMPLES_FILE
    path.write_text("".join(lines))
    return path


def child(launched: float) -> int:
    """In a fresh process: start as main() does; print the time to the first paint and the samples used."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import onnxruntime  # noqa: F401
    from PySide6.QtCore import QEvent, QObject, QSettings, QTimer

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.environ["DIGITPAD_DATA_DIR"])
    from digitpad.gui.app import create_window, ensure_application

    app = ensure_application()
    window = create_window()

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
            if event.type() == QEvent.Type.Paint and not hasattr(self, "done"):
                self.done = True
                self.shown = time.time() - launched
                QTimer.singleShot(0, self.until_adapted)
            return False

        def until_adapted(self):
            if window.adapter.busy():
                QTimer.singleShot(1, self.until_adapted)
                return
            print(f"shown {self.shown:.4f} {time.time() - launched:.4f} {window.predictor.personal_count}", flush=True)
            app.quit()

    spy = FirstPaint()
    window.canvas.installEventFilter(spy)
    window.show()
    app.exec()
    return 0


def launch(folder: Path) -> tuple[float, float, int]:
    env = dict(os.environ, DIGITPAD_DATA_DIR=str(folder), QT_QPA_PLATFORM="offscreen")
    started = time.time()
    out = subprocess.run([sys.executable, __file__, "--child", repr(started)], env=env, capture_output=True,
                         text=True, timeout=120)
    line = next((x for x in out.stdout.splitlines() if x.startswith("shown ")), None)
    if line is None:
        raise SystemExit(out.stdout + out.stderr)
    _, seconds, adapted, used = line.split()
    return float(seconds), float(adapted), int(used)


def corrections(folder: Path, count: int) -> tuple[list[float], list[float]]:
    """Correction -> adapted chart repainted, and how long the key press held the UI thread
    (storing the sample; the fit runs on a worker), ms, ``count`` times, in one window on ``folder``."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    os.environ["DIGITPAD_DATA_DIR"] = str(folder)
    import onnxruntime  # noqa: F401
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    from qt_input import make_window, press_and_move, release

    app, window = make_window()
    canvas, chart = window.canvas, window.chart
    while window.adapter.busy():  # the start-up fit
        app.processEvents()
        time.sleep(0.001)
    seven = [(0.25, 0.2), (0.5, 0.2), (0.75, 0.2), (0.6, 0.45), (0.4, 0.85)]
    times: list[float] = []
    held: list[float] = []
    for i in range(count + 2):
        canvas.clear()
        release(canvas, press_and_move(canvas, seven))
        app.processEvents()
        t0 = time.perf_counter()
        QTest.keyClick(canvas, Qt.Key.Key_1)
        blocked = (time.perf_counter() - t0) * 1000
        while window.adapter.busy():
            app.processEvents()
            time.sleep(0.0005)
        before = chart.paint_count
        while chart.paint_count == before:  # the re-read answer on screen
            app.processEvents()
        elapsed = (time.perf_counter() - t0) * 1000
        assert window.last_outcome.personal
        QTest.mouseClick(window.sample_undo_button, Qt.MouseButton.LeftButton)  # back to N samples
        while window.adapter.busy():
            app.processEvents()
            time.sleep(0.001)
        if i >= 2:  # the first ones warm caches
            times.append(elapsed)
            held.append(blocked)
    window.close()
    return times, held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--corrections", type=int, default=20)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return child(float(args.child))
    with tempfile.TemporaryDirectory(prefix="digitpad-bench-") as empty, \
            tempfile.TemporaryDirectory(prefix="digitpad-bench-") as full:
        write_samples(Path(full), args.samples)
        print(f"digitpad window with handwriting samples (offscreen, {args.launches} launches each)")
        for name, folder in (("0 samples", empty), (f"{args.samples} samples", full)):
            runs = [launch(Path(folder)) for _ in range(args.launches)]
            seconds = [s for s, _, _ in runs]
            adapted = [a for _, a, _ in runs]
            warm = adapted[1:] or adapted
            print(f"  start-up to first paint, {name:14s} median {statistics.median(seconds):.3f} s "
                  f"(min {min(seconds):.3f}, max {max(seconds):.3f}); answers adapted with {runs[0][2]} samples "
                  f"after {adapted[0]:.3f} s at the first start (features not yet kept), "
                  f"{statistics.median(warm):.3f} s at later starts (median)")
        times, held = corrections(Path(full), args.corrections)
        print(f"  correction -> adapted chart repainted, {args.samples} samples: median {statistics.median(times):.1f} ms, "
              f"max {max(times):.1f} ms ({len(times)} corrections)")
        print(f"  of which the UI thread was held (storing the sample): median {statistics.median(held):.1f} ms, "
              f"max {max(held):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
