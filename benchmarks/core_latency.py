"""Preprocess + inference latency for one canvas, model size, and CLI cold-start time.

    python benchmarks/core_latency.py [--canvas 560] [--runs 2000] [--against-plain]

Also the path the window takes for a drawing with strokes: a 20-stroke drawing, preprocess +
trajectory features + image model + trajectory model + fusion (digitpad.drawing_recognizer).

--against-plain also times the fused path with the plain implementations the fast ones
replaced (preprocess, trajectory features, the probability check, the fusion floor; kept in
tests/test_fast_paths.py, which proves both give the same numbers), alternating blocks of runs
of the two in one process, so both meet the same load.

Prints figures and the load average they were taken at; asserts nothing (machines here are noisy:
compare figures taken in the same minute).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def stroke_canvas(side: int) -> np.ndarray:
    from digitpad.drawing import Drawing, Stroke
    from digitpad.render import render

    s = side / 280
    pts = [(s * (140 + 60 * math.sin(t / 30 * math.tau)), s * (140 - 95 * math.cos(t / 30 * math.tau)), 1.0)
           for t in range(31)]
    return render(Drawing(side, side, [Stroke(pts, width=18.0 * s)]))


def twenty_strokes(side: int):
    """A zero drawn in 20 short strokes (the most strokes a digit plausibly has), and its ink."""
    from digitpad.drawing import Drawing, Stroke
    from digitpad.render import render

    s = side / 280
    ring = [(s * (140 + 60 * math.sin(t / 100 * math.tau)), s * (140 - 95 * math.cos(t / 100 * math.tau)), 1.0)
            for t in range(101)]
    d = Drawing(side, side, [Stroke(ring[i * 5 : i * 5 + 6], width=18.0 * s) for i in range(20)])
    return d, render(d)


def fused_parts(models, drawing, ink: np.ndarray, runs: int) -> dict[str, list[float]]:
    """Seconds of each step of the fused path, timed in sequence (each step leaves the caches as
    the next one finds them in the window, so the parts add up to about the whole)."""
    from digitpad.fusion import fuse
    from digitpad.preprocess import preprocess
    from digitpad.trajectory import trajectory_features

    parts: dict[str, list[float]] = {k: [] for k in ("preprocess", "trajectory features", "image model",
                                                      "trajectory model", "fusion")}
    for i in range(runs + 50):
        t0 = time.perf_counter()
        x = preprocess(ink)
        t1 = time.perf_counter()
        f = trajectory_features(drawing)
        t2 = time.perf_counter()
        p = models.image.predict_batch(x)
        t3 = time.perf_counter()
        q, _ = models.trajectory.predict_batch(f[None])
        t4 = time.perf_counter()
        fuse(p, q, models.fusion)
        t5 = time.perf_counter()
        if i >= 50:
            for v, dt in zip(parts.values(), (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                v.append(dt)
    return parts


def against_plain(models, drawing, ink: np.ndarray, runs: int, blocks: int = 10) -> dict[str, list[float]]:
    """Seconds of the fused path with today's functions and with the plain ones, in alternating blocks."""
    from contextlib import ExitStack
    from unittest import mock

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    import test_fast_paths as plain

    from digitpad import drawing_recognizer, fusion, preprocess, recognizer, trajectory_recognizer

    swaps = [(drawing_recognizer, "trajectory_features", lambda d: plain.plain_trajectory_features(d, 64)),
             (recognizer, "probability_problem", plain.plain_probability_problem),
             (trajectory_recognizer, "probability_problem", plain.plain_probability_problem),
             (fusion, "fused_logits", plain.plain_fused_logits)]
    ways = {"fast": preprocess.preprocess, "plain": plain.plain_preprocess}
    times: dict[str, list[float]] = {k: [] for k in ways}
    answers = {}
    for b in range(blocks):
        for way in (("fast", "plain") if b % 2 == 0 else ("plain", "fast")):
            prep = ways[way]
            with ExitStack() as stack:
                if way == "plain":
                    for module, name, f in swaps:
                        stack.enter_context(mock.patch.object(module, name, f))
                for i in range(runs // blocks + 20):
                    t0 = time.perf_counter()
                    answers[way], _ = models.predict_batch(prep(ink), [drawing])
                    if i >= 20:
                        times[way].append(time.perf_counter() - t0)
    if not np.array_equal(answers["fast"], answers["plain"]):
        raise SystemExit("the fast and the plain path gave different probabilities")
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--canvas", type=int, default=560)
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--against-plain", action="store_true",
                    help="also time the fused path with the plain implementations, alternating, same process")
    args = ap.parse_args()

    from digitpad.preprocess import preprocess
    from digitpad.recognizer import Recognizer
    from digitpad.resources import model_path

    load = os.getloadavg()
    canvas = stroke_canvas(args.canvas)
    rec = Recognizer()
    for _ in range(50):
        rec.predict(preprocess(canvas))
    pre, inf, both = [], [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        x = preprocess(canvas)
        t1 = time.perf_counter()
        rec.predict(x)
        t2 = time.perf_counter()
        pre.append(t1 - t0)
        inf.append(t2 - t1)
        both.append(t2 - t0)
    ms = lambda v, q: float(np.percentile(v, q)) * 1000  # noqa: E731
    print(f"canvas {args.canvas}x{args.canvas}, {args.runs} runs, one onnxruntime thread")
    print(f"preprocess          median {ms(pre, 50):.3f} ms  p99 {ms(pre, 99):.3f} ms")
    print(f"inference           median {ms(inf, 50):.3f} ms  p99 {ms(inf, 99):.3f} ms")
    print(f"preprocess+inference median {ms(both, 50):.3f} ms  p99 {ms(both, 99):.3f} ms")
    size = model_path().stat().st_size
    print(f"model file          {size / 1e6:.2f} MB ({model_path()})")

    from digitpad.drawing_recognizer import DrawingRecognizer

    models = DrawingRecognizer.load()
    drawing, ink = twenty_strokes(args.canvas)
    for _ in range(50):
        models.predict_batch(preprocess(ink), [drawing])
    fused = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        _, was_fused = models.predict_batch(preprocess(ink), [drawing])
        fused.append(time.perf_counter() - t0)
    print(f"20-stroke drawing, preprocess + trajectory + both models + fusion (fused: {bool(was_fused[0])}): "
          f"median {ms(fused, 50):.3f} ms  p99 {ms(fused, 99):.3f} ms")
    if models.fusion is not None:
        parts = fused_parts(models, drawing, ink, args.runs)
        print("  its parts, one after another as the window runs them: "
              + ", ".join(f"{name} {ms(v, 50):.3f}" for name, v in parts.items()) + " ms (medians)")
    if args.against_plain and models.fusion is not None:
        for way, v in against_plain(models, drawing, ink, args.runs).items():
            print(f"  alternating blocks, {way:5s} functions: median {ms(v, 50):.3f} ms  p99 {ms(v, 99):.3f} ms")
    print(f"load average while measuring: {' '.join(f'{x:.2f}' for x in load)} -> "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    if models.trajectory is not None:
        both = size + models.trajectory.path.stat().st_size
        print(f"model files together {both / 1e6:.2f} MB (+ {models.trajectory.path.name})")

    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "digit.png"
        Image.fromarray(255 - canvas).save(png)
        walls = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "digitpad", "predict", str(png)], check=True,
                           capture_output=True)
            walls.append(time.perf_counter() - t0)
    print(f"`digitpad predict one.png` wall time: median {np.median(walls):.2f} s, max {max(walls):.2f} s (5 runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
