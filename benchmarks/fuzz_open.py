"""The window's open path under costly and hostile drawings: how long each UI-thread step takes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/fuzz_open.py                # scenarios + 300 fuzzed files
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/fuzz_open.py --examples 2000 --seed 1

Scenarios (issue 11 item 4), in the real MainWindow with the real model, each step timed from
the call until the event loop has painted the result:

* the hostile file: 1,000 random zigzag strokes of 60 points (~1.5 MB, within the reader's
  limits): Open, and a restart with it left as an autosave; and a file at the reader's limit of
  1,000,000 points (~24 MB), refused by its point count before it is parsed;
* the costliest drawing the window accepts (zigzag strokes up to render.INTERACTIVE_RENDER_COST):
  Open, resize to 1900x1400, undo, redo, and a restart with it as the autosave;
* a 12 Mpx noisy PNG photo (read on a worker thread): the longest the event loop stood still.

Then --examples files from benchmarks/fuzz.py's drawing generator (valid drawings mutated into
invalid ones, junk values, huge canvases) go through ``MainWindow.open_path`` one by one, each
followed by an undo when it was accepted.  For each: the open step's time and the growth of the
process's peak RSS (VmHWM, reset before each input through /proc/self/clear_refs).  A *crash* is
any exception out of open_path (it must turn every bad file into a message).  Target: no UI step
over 200 ms.  Exit status 1 only for a crash; timings are reported, not judged.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import onnxruntime  # noqa: E402,F401  (before Qt, as in the app)
from PySide6.QtCore import QSettings  # noqa: E402

STEP_TARGET_S = 0.2


def isolate() -> tempfile.TemporaryDirectory:
    """Temporary settings and data folders: the user's own are never read or touched."""
    holder = tempfile.TemporaryDirectory(prefix="digitpad-fuzz-open-")
    tmp = Path(holder.name)
    for name in ("appdata", "settings", "files"):
        (tmp / name).mkdir()
    os.environ["DIGITPAD_DATA_DIR"] = str(tmp / "appdata")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(tmp / "settings" / "system"))
    return holder


def zigzags(n_strokes: int, points: int = 60, seed: int = 0):
    from digitpad.drawing import Drawing, Stroke

    rng = random.Random(seed)
    return Drawing(280, 280, [
        Stroke([(round(rng.uniform(0, 280), 3), round(rng.uniform(0, 280), 3), round(rng.uniform(0, 1), 4))
                for _ in range(points)], 18.0)
        for _ in range(n_strokes)
    ])


def costliest_accepted():
    from digitpad import render
    from digitpad.drawing import Drawing

    strokes = zigzags(200, seed=1).strokes
    for n in range(1, len(strokes)):
        if render.render_cost(Drawing(280, 280, strokes[: n + 1])) > render.INTERACTIVE_RENDER_COST:
            return Drawing(280, 280, strokes[:n])
    raise RuntimeError("never reached the limit")


def peak_reset() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    except OSError:
        pass


def peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def settle(app) -> None:
    for _ in range(3):
        app.processEvents()


def timed(app, step) -> float:
    start = time.perf_counter()
    step()
    settle(app)
    return time.perf_counter() - start


def close_boxes(window) -> None:
    if window._message_box is not None:
        window._message_box.close()
        window._message_box = None


def noisy_photo(path: Path, size=(4032, 3024)) -> None:
    """A phone-photo-sized picture of a 1 on grey, noisy paper (slow to decode and to clean)."""
    import numpy as np
    from PIL import Image, ImageDraw

    w, h = size
    paper = np.random.default_rng(0).normal(150, 20, (h, w, 3)).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(paper)
    ImageDraw.Draw(image).line([(w // 2, h // 5), (w // 2, 4 * h // 5)], fill=(30, 30, 30), width=w // 25)
    image.save(path)


def image_open(app, window, path: Path) -> tuple[str, float, str]:
    """Open a photo (read on a worker thread): the longest the event loop stood still while it
    was read, with the time until it was shown."""
    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(5)
    window.last_error = None
    start = time.perf_counter()
    window.open_path(path)
    while not window.canvas.has_picture() and window.last_error is None and time.perf_counter() - start < 30:
        app.processEvents()
        time.sleep(0.001)
    shown = time.perf_counter() - start
    settle(app)
    timer.stop()
    stamps = [start, *ticks, time.perf_counter()]
    gap = max(b - a for a, b in zip(stamps, stamps[1:]))
    return (f"open a 12 Mpx noisy photo: longest UI stall", gap,
            f"shown after {shown * 1000:.0f} ms, digit {window.chart.top_digit}")


def scenarios(files: Path, data: Path) -> list[tuple[str, float, str]]:
    from digitpad import drawing as drawing_io
    from digitpad.gui.app import create_window, ensure_application
    from digitpad.gui.settings import Settings, open_settings
    from qt_input import make_window

    app = ensure_application()
    rows = []
    hostile, heavy = files / "zigzag.json", files / "heavy.json"
    drawing_io.save(zigzags(1000), hostile)
    drawing_io.save(costliest_accepted(), heavy)
    size = hostile.stat().st_size

    _, window = make_window((900, 600))
    seconds = timed(app, lambda: window.open_path(hostile))
    rows.append((f"open hostile zigzag file ({size / 1e6:.2f} MB)", seconds, "refused" if window.last_error else "opened"))
    close_boxes(window)
    biggest = files / "million.json"
    drawing_io.save(zigzags(1000, points=1000, seed=2), biggest)  # the reader's 1,000,000-point limit
    seconds = timed(app, lambda: window.open_path(biggest))
    rows.append((f"open 1,000,000 points ({biggest.stat().st_size / 1e6:.1f} MB)", seconds,
                 "refused" if window.last_error else "opened"))
    close_boxes(window)
    biggest.unlink()
    rows.append(("open costliest accepted drawing", timed(app, lambda: window.open_path(heavy)),
                 f"{len(window.canvas.drawing().strokes)} strokes"))
    rows.append(("resize 900x600 -> 1900x1400", timed(app, lambda: (window.resize(1900, 1400), window.canvas.repaint())),
                 f"screen copy at {window.canvas.display_scale():.2f} px/unit"))
    rows.append(("undo (to the empty canvas)", timed(app, window.canvas.undo), ""))
    rows.append(("redo (paints it all again)", timed(app, window.canvas.redo), ""))
    rows.append(("resize 1900x1400 -> 700x520", timed(app, lambda: (window.resize(700, 520), window.canvas.repaint())), ""))
    photo = files / "photo.png"
    noisy_photo(photo)
    rows.append(image_open(app, window, photo))
    window.close()

    for name, path in (("hostile zigzag", hostile), ("costliest accepted", heavy)):
        for old in data.glob("autosave*"):
            old.unlink()
        drawing_io.save(drawing_io.load(path), data / "autosave-0123456789ab.json")
        start = time.perf_counter()
        window = create_window(settings=Settings(open_settings()))
        window.resize(900, 600)
        window.show()
        settle(app)
        rows.append((f"restart with the {name} drawing as autosave", time.perf_counter() - start,
                     "restored" if window.restored else "kept aside, not restored"))
        window.close()
        window.deleteLater()
        settle(app)
    return rows


def fuzz(files: Path, examples: int, seed: int, save: Path) -> tuple[list[float], list[float], int, list[str]]:
    import fuzz as reader_fuzz  # benchmarks/fuzz.py: the drawing generator

    from qt_input import make_window

    app, window = make_window((900, 600))
    rng = random.Random(seed)
    times, peaks, accepted, crashes = [], [], 0, []
    for i in range(examples):
        path = files / f"fuzz{i % 4}.json"
        path.write_text(reader_fuzz.gen_drawing_text(rng), encoding="utf-8", errors="surrogatepass")
        peak_reset()
        before = peak_mb()
        start = time.perf_counter()
        try:
            ok = window.open_path(path)
            settle(app)
        except Exception:  # noqa: BLE001 - anything out of open_path is a crash
            crashes.append(f"input {i}: {traceback.format_exc(limit=3)}")
            save.mkdir(parents=True, exist_ok=True)  # outside the temporary folder, kept for replay
            (save / f"open-crash{i}.json").write_bytes(path.read_bytes())
            continue
        times.append(time.perf_counter() - start)
        peaks.append(peak_mb() - before)
        close_boxes(window)
        if ok:
            accepted += 1
            window.canvas.undo()
            settle(app)
    window.close()
    return times, peaks, accepted, crashes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=300, help="fuzzed files opened in the window")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", type=Path, default=Path("fuzz-failures"), help="folder for inputs that crashed")
    args = ap.parse_args(argv)
    save = args.save.resolve()  # before isolate() points anything elsewhere
    holder = isolate()
    tmp = Path(holder.name)
    try:
        from digitpad.logs import setup_logging

        setup_logging()
        print("digitpad window open path: UI-thread step times (target < 200 ms each)")
        for name, seconds, note in scenarios(tmp / "files", tmp / "appdata"):
            flag = "" if seconds < STEP_TARGET_S else "  OVER 200 ms"
            print(f"  {name:<52} {seconds * 1000:8.1f} ms  {note}{flag}", flush=True)
        if args.examples:
            times, peaks, accepted, crashes = fuzz(tmp / "files", args.examples, args.seed, save)
            times_ms = sorted(t * 1000 for t in times) or [float("nan")]  # (every input crashed)
            peaks = peaks or [float("nan")]
            over = sum(1 for t in times if t >= STEP_TARGET_S)
            print(f"  fuzz: {args.examples} files, {accepted} opened, {len(times) - accepted} refused with a message, "
                  f"{len(crashes)} crashes; open step p50 {times_ms[len(times_ms) // 2]:.1f} ms, "
                  f"max {times_ms[-1]:.1f} ms, {over} over 200 ms; peak RSS growth per input max {max(peaks):.1f} MB")
            for crash in crashes[:5]:
                print(crash)
            return 1 if crashes else 0
        return 0
    finally:
        holder.cleanup()


if __name__ == "__main__":
    sys.exit(main())
