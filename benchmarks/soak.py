"""Long session: 10,000 real mouse strokes through the window, with undo, redo and clear mixed in.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/soak.py [--strokes 10000] [--seed 0]
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/soak.py --kill 20     # kill -9 / restore check

Soak: the real MainWindow with the real model, autosave (renamed into place at pen-up, fsynced
by its writer thread) and rotating log, fed real QTest mouse events.  A seeded mix of what a
person does: digit after digit with a clear every few strokes, undo (sometimes redo) after
about one stroke in eight, and every 1,000 strokes a long drawing of 250 strokes without clearing, which fills the undo history past
its bound.  At strokes 100, 1,000 and 10,000 it prints the process RSS and the pen-up -> chart
repainted latency (release event, last segment, ink image, preprocess, model, verdict, chart,
preview, status bar, autosave request, and the chart's repaint) over the strokes since the
previous mark and over the last 100.  Targets (from the issue): RSS growth 1,000 -> 10,000
strokes < 20 MB; p99 < 16 ms and not growing.  It also checks, at every stroke, that the undo
history stays at or below its bound, and at the end that the autosave holds exactly the canvas.

--kill N: N times, a child process runs the real app (create_window, as at start-up), draws
strokes with human-like pauses, and is sent SIGKILL at a random moment (mid-stroke or between
strokes) or, every other run, as soon as the parent reads a pen-up (about 1 ms later, while that
stroke's fsync is still under way on the writer thread).  The next start (the real window, in
this process) must offer back the drawing up to the last finished stroke: the pen-up renames the
autosave into place before the child reports it, and a kill keeps the page cache.  Only the
drawing up to the stroke before (the old design's failure: its write was still in flight), a
damaged file or a stray temporary file breaks the check.

Settings, autosave and log go to temporary folders: the user's own are never read or touched.
Prints figures; exit status 1 only if an invariant breaks (undo bound, autosave content,
restore), not for a missed timing target.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import onnxruntime  # noqa: E402,F401  (before Qt, as in the app)
from PySide6.QtCore import QSettings, Qt  # noqa: E402,F401
from PySide6.QtTest import QTest  # noqa: E402,F401

from qt_input import make_window, pen_up_to_chart_ms, percentile, press_and_move, release, to_widget  # noqa: E402,F401  (CHILD uses soak.QTest, soak.Qt, soak.to_widget)

#: Temporary app-data (autosave, log) and settings folders, set by isolate() before any window exists.
TMP: Path
DATA: Path
SETTINGS: Path


def isolate() -> tempfile.TemporaryDirectory:
    global TMP, DATA, SETTINGS
    holder = tempfile.TemporaryDirectory(prefix="digitpad-soak-")
    TMP = Path(holder.name)
    DATA, SETTINGS = TMP / "appdata", TMP / "settings"
    DATA.mkdir()
    SETTINGS.mkdir()
    os.environ["DIGITPAD_DATA_DIR"] = str(DATA)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(SETTINGS))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(SETTINGS / "system"))
    return holder

MARKS = (100, 1_000, 10_000)
LONG_DRAWING = 250  # strokes without a clear, once every 1,000: more than the undo bound (200)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:  # Linux; the soak is a Linux benchmark
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def stroke_points(rng: random.Random, n: int = 20) -> list[tuple[float, float]]:
    """A vertical bar, a ring, a diagonal or a wiggle, jittered, in 0..1 canvas coordinates."""
    kind = rng.randrange(4)
    cx, cy, s = rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65), rng.uniform(0.6, 1.2)
    out = []
    for k in range(n + 1):
        t = k / n
        if kind == 0:
            x, y = 0, -0.3 + 0.6 * t
        elif kind == 1:
            x, y = 0.2 * math.sin(2 * math.pi * t), -0.3 * math.cos(2 * math.pi * t)
        elif kind == 2:
            x, y = -0.2 + 0.4 * t, 0.3 - 0.6 * t
        else:
            x, y = -0.25 + 0.5 * t, 0.1 * math.sin(6 * math.pi * t)
        out.append((min(0.98, max(0.02, cx + s * x + rng.gauss(0, 0.004))),
                    min(0.98, max(0.02, cy + s * y + rng.gauss(0, 0.004)))))
    return out


# ------------------------------------------------------------------ soak


def soak(strokes: int, seed: int) -> int:
    from digitpad import drawing as drawing_io
    from digitpad import logs
    from digitpad.gui.canvas import UNDO_LIMIT

    rng = random.Random(seed)
    logs.setup_logging()  # the rotating log in the temporary data folder, as the app does
    app, window = make_window()
    canvas, chart = window.canvas, window.chart
    counts = {"undo": 0, "redo": 0, "clear": 0, "timeouts": 0}
    latencies: list[float] = []
    on_short: list[float] = []  # pen-ups on a drawing of up to 20 strokes (a digit)
    on_long: list[float] = []  # and on the long drawings (21-250 strokes)
    rows = []
    max_undo = 0
    broken: list[str] = []
    started = time.perf_counter()
    rss_start = rss_mb()
    load_start = os.getloadavg()[0]  # other jobs on the machine show here
    since_clear = 0
    warmup = 10  # the first strokes warm caches (onnxruntime arenas, Qt glyphs): not timed

    for i in range(1, strokes + warmup + 1):
        long_drawing = (i - warmup) % 1000 >= 500 and (i - warmup) % 1000 < 500 + LONG_DRAWING
        if since_clear >= (LONG_DRAWING if long_drawing else rng.randint(1, 12)):
            canvas.clear()
            counts["clear"] += 1
            since_clear = 0
            app.processEvents()
        where = press_and_move(canvas, stroke_points(rng))
        elapsed = pen_up_to_chart_ms(app, canvas, chart, where)
        if elapsed is None:
            counts["timeouts"] += 1
            elapsed = 2000.0
        strokes_at_pen_up = len(canvas._strokes)
        since_clear += 1
        if rng.random() < 0.125:  # undo, and now and then redo
            canvas.undo()
            counts["undo"] += 1
            since_clear = max(0, since_clear - 1)
            if rng.random() < 0.3:
                canvas.redo()
                counts["redo"] += 1
                since_clear += 1
            app.processEvents()
        max_undo = max(max_undo, len(canvas._undo))
        if len(canvas._undo) > UNDO_LIMIT:
            broken.append(f"undo history {len(canvas._undo)} > {UNDO_LIMIT} at stroke {i - warmup}")
        if i <= warmup:
            continue
        latencies.append(elapsed)
        (on_long if strokes_at_pen_up > 20 else on_short).append(elapsed)
        n = i - warmup
        if n in MARKS or n == strokes:
            gc.collect()  # RSS of live memory, not of garbage waiting for the next collection
            window.autosave.flush()
            prev = rows[-1]["n"] if rows else 0
            window_ms = latencies[prev:]
            last = latencies[-100:]
            rows.append({
                "n": n, "rss": rss_mb(), "seconds": time.perf_counter() - started,
                "p50": percentile(window_ms, 50), "p99": percentile(window_ms, 99), "max": max(window_ms),
                "last_p50": percentile(last, 50), "last_p99": percentile(last, 99), "from": prev + 1,
            })
            r = rows[-1]
            print(f"  stroke {n:>6,}: RSS {r['rss']:6.1f} MB   pen-up->chart (strokes {r['from']:,}-{n:,}) "
                  f"p50 {r['p50']:5.2f}  p99 {r['p99']:5.2f}  max {r['max']:6.2f} ms   "
                  f"last 100: p50 {r['last_p50']:5.2f}  p99 {r['last_p99']:5.2f} ms   ({r['seconds']:.0f} s)", flush=True)

    assert window.autosave.flush(10.0), "autosave did not finish"
    saved = window.autosave.path  # this window's own autosave-<unique>.json
    if canvas.is_empty():
        if saved.exists():
            broken.append("autosave exists for an empty canvas")
    elif not saved.exists() or drawing_io.load(saved).strokes != canvas.drawing().strokes:
        broken.append("autosave differs from the canvas")
    if counts["timeouts"]:
        broken.append(f"{counts['timeouts']} pen-ups never repainted the chart")

    by_n = {r["n"]: r for r in rows}
    print()
    print(f"digitpad soak: {strokes:,} strokes (+{warmup} warm-up), seed {seed}, offscreen, "
          f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, {time.perf_counter() - started:.0f} s, load average at start {load_start:.1f}, "
          f"at end {os.getloadavg()[0]:.1f}")
    print(f"  mixed in: {counts['undo']:,} undo, {counts['redo']:,} redo, {counts['clear']:,} clear; "
          f"undo history max {max_undo} (bound {UNDO_LIMIT}); RSS before the first stroke {rss_start:.1f} MB")
    print(f"  {'stroke':>8} {'RSS MB':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}   (pen-up -> chart repainted, strokes since the previous row)")
    for r in rows:
        print(f"  {r['n']:>8,} {r['rss']:>8.1f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['max']:>8.2f}")
    if 1_000 in by_n and rows[-1]["n"] > 1_000:
        end = rows[-1]
        growth = end["rss"] - by_n[1_000]["rss"]
        print(f"  RSS growth 1,000 -> {end['n']:,}: {growth:+.1f} MB (target < 20 MB: {'ok' if growth < 20 else 'MISSED'})")
    worst = max(r["p99"] for r in rows)
    print(f"  p99 worst window {worst:.2f} ms (target < 16 ms: {'ok' if worst < 16 else 'MISSED'}); "
          f"p99 first 100 {rows[0]['p99']:.2f} ms -> last 100 {rows[-1]['last_p99']:.2f} ms "
          f"(all strokes: p50 {statistics.median(latencies):.2f}, p99 {percentile(latencies, 99):.2f} ms)")
    for name, values in (("on drawings of <= 20 strokes", on_short), ("on drawings of 21-250 strokes", on_long)):
        if values:
            print(f"  pen-up -> chart {name}: {len(values):,} strokes, p50 {percentile(values, 50):.2f}, "
                  f"p99 {percentile(values, 99):.2f}, max {max(values):.2f} ms")
    for problem in broken:
        print(f"  BROKEN: {problem}")
    window.close()
    return 1 if broken else 0


# ------------------------------------------------------------------ kill -9 and restore

# The child: the app as it starts (create_window restores any autosave; none here), then strokes
# with human-like pacing through the event loop.  After each pen-up it prints the drawing.
CHILD = r"""
import json, os, random, sys, time
sys.path.insert(0, os.environ["DIGITPAD_ROOT"])
import onnxruntime
from PySide6.QtCore import QSettings, QTimer
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.environ["SOAK_SETTINGS"])
import soak  # helpers only: importing it changes no folder
from digitpad import drawing
from digitpad.gui.app import create_window, ensure_application

app = ensure_application()
window = create_window()
window.resize(900, 600)
window.show()
canvas = window.canvas
rng = random.Random(int(os.environ["SOAK_SEED"]))
state = {"points": None, "k": 0}

def step():
    if state["points"] is None:                       # pen down
        state["points"] = soak.stroke_points(rng, n=rng.randint(8, 30))
        state["k"] = 1
        soak.QTest.mousePress(canvas, soak.Qt.MouseButton.LeftButton, soak.Qt.KeyboardModifier.NoModifier,
                              soak.to_widget(canvas, state["points"][0]))
        QTimer.singleShot(rng.randint(2, 12), step)
    elif state["k"] < len(state["points"]):          # moves, a few ms apart
        soak.QTest.mouseMove(canvas, soak.to_widget(canvas, state["points"][state["k"]]))
        state["k"] += 1
        QTimer.singleShot(rng.randint(2, 12), step)
    else:                                             # pen up, then a pause before the next stroke
        soak.release(canvas, soak.to_widget(canvas, state["points"][-1]))
        print(json.dumps({"t": time.time(), "drawing": json.loads(drawing.dumps(canvas.drawing()))}), flush=True)
        state["points"] = None
        QTimer.singleShot(rng.choice([0, 1, 5, 20, 80, 200]), step)

print("ready", flush=True)
QTimer.singleShot(0, step)
app.exec()
"""


def kill_check(runs: int, seed: int) -> int:
    from digitpad import drawing as drawing_io
    from digitpad.gui.app import create_window, ensure_application
    from digitpad.gui.settings import Settings, open_settings

    app = ensure_application()
    rng = random.Random(seed)
    results = {"last": 0, "previous": 0, "bad": 0}
    gaps_previous: list[float] = []
    strokes_total = temps_total = 0
    print(f"digitpad kill -9 check: {runs} runs, seed {seed}")
    for run in range(runs):
        data = TMP / f"kill{run}"
        data.mkdir()
        env = dict(os.environ, DIGITPAD_DATA_DIR=str(data), DIGITPAD_ROOT=str(ROOT), SOAK_SETTINGS=str(SETTINGS),
                   SOAK_SEED=str(seed * 1000 + run), QT_QPA_PLATFORM="offscreen",
                   PYTHONPATH=os.pathsep.join([str(ROOT / "benchmarks"), str(ROOT)]))
        child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True, bufsize=1)
        assert child.stdout.readline().strip() == "ready", "child did not start"
        lines = []
        if run % 2 == 0:  # a random moment: mid-stroke, between strokes, or just after a pen-up
            time.sleep(rng.uniform(0.3, 3.0))
        else:  # the worst moment: as soon as the parent hears of a pen-up (its fsync likely still running)
            for _ in range(rng.randint(1, 8)):
                lines.append(json.loads(child.stdout.readline()))
        killed_at = time.time()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        lines += [json.loads(line) for line in child.stdout.read().splitlines() if line.startswith("{")]
        child.stdout.close()
        finished = [drawing_io.from_dict(x["drawing"]) for x in lines]
        strokes_total += len(finished)

        os.environ["DIGITPAD_DATA_DIR"] = str(data)  # the next start, as the app does it
        temps_left = len(list(data.glob("*.tmp")))  # by a write the kill interrupted
        temps_total += temps_left
        window = create_window(settings=Settings(open_settings()))
        restored = window.canvas.drawing().strokes if window.restored else []
        window.autosave.flush()  # (the restored drawing is autosaved again by this process)
        stray = [p.name for p in data.iterdir() if p.name.endswith(".tmp") or p.name.endswith(".corrupt")]
        window.close()
        window.deleteLater()
        app.processEvents()
        last = finished[-1].strokes if finished else []
        previous = finished[-2].strokes if len(finished) >= 2 else []
        gap_ms = (killed_at - lines[-1]["t"]) * 1000 if lines else float("nan")
        if restored == last and not stray:
            verdict = "last finished stroke"
            results["last"] += 1
        elif len(restored) == len(last) + 1 and restored[:-1] == last and not stray:
            # The kill came between a pen-up (which puts the stroke in the autosave) and the
            # child's report of it: the stroke was finished, only its report was cut off.
            verdict = "last finished stroke (killed before the child could report it)"
            results["last"] += 1
        elif restored == previous and finished and not stray:
            verdict = "BROKEN: stroke before (its write was not in place yet)"
            results["previous"] += 1
            gaps_previous.append(gap_ms)
        else:
            verdict = f"BAD (restored {len(restored)} strokes; stray files {stray})"
            results["bad"] += 1
        print(f"  run {run + 1:>2} ({'at random' if run % 2 == 0 else 'at pen-up'}): killed {gap_ms:7.1f} ms after "
              f"pen-up #{len(finished)}: restored "
              f"{len(restored)} strokes = {verdict}" + (f", {temps_left} temporary file(s) removed at restart" if temps_left else ""),
              flush=True)
        for path in data.glob("autosave*.json"):
            drawing_io.load(path)  # still readable
    print(f"  {runs} kills, {strokes_total} finished strokes: restored up to the last finished stroke {results['last']}, "
          f"to the one before {results['previous']}"
          + (f" (killed {max(gaps_previous):.1f} ms or less after that pen-up)" if gaps_previous else "")
          + f", damaged/lost/left behind {results['bad']}; {temps_total} runs left temporary files (a write cut "
          f"short, or an old autosave not yet deleted: {'removed at restart' if not results['bad'] else 'see above'})")
    return 1 if results["bad"] or results["previous"] else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kill", type=int, metavar="N", default=0, help="instead of the soak: N kill -9 / restore runs")
    args = parser.parse_args()
    holder = isolate()  # noqa: F841  (removed at exit)
    if args.kill:
        return kill_check(args.kill, args.seed)
    return soak(args.strokes, args.seed)


if __name__ == "__main__":
    raise SystemExit(main())
