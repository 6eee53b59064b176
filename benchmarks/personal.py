"""Personal adaptation on writers the models never saw: error before and after, "not sure" of
real non-digits, fit and start-up time.

    python benchmarks/personal.py --data ../shared/data/pen-digits/unipen-dev.jsonl.gz \\
        --nondigits ../shared/data/pen-nondigits/unipen-nondigits-dev.jsonl.gz [--widths 16] [--json out.json]

For every test writer (digitpad.splits) with at least --min-per-digit drawings of each digit
and MIN_REST more,
and each k in 1, 2, 5 and each seed: k samples per digit are drawn at random from that writer
(all of a digit the writer drew fewer times), DrawingRecognizer.set_personal
adapts to them, exactly as the window and `digitpad predict --personal` do, and the writer's OTHER
drawings are read before and after.  Reported: pooled error, per-writer change (writers worse,
worst change), the same with samples the base model already reads right, the image model alone
(pictures), and for each adaptation the "not sure" rate of the test writers' real non-digits.
Every stroke is given the pen width (the drawings carry none).  Fit time: personal.fit on 1,000
samples' features; start-up: set_personal on 1,000 samples (render + both models + fit), then one
more sample added (the window after a correction).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import zlib
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.drawing import Drawing, Stroke, iter_jsonl  # noqa: E402
from digitpad.drawing_recognizer import DrawingRecognizer  # noqa: E402
from digitpad.evaluate import model_inputs  # noqa: E402
from digitpad.personal import fit  # noqa: E402
from digitpad.splits import split_of  # noqa: E402
from digitpad.trajectory import trajectory_features  # noqa: E402

KS = (1, 2, 5)
#: Drawings a writer must have beyond min-per-digit of each digit, to be read after adapting.
MIN_REST = 10


def with_width(d: Drawing, width: float) -> Drawing:
    return Drawing(d.width, d.height, [Stroke(s.points, width) for s in d.strokes], d.extra)


def read(models: DrawingRecognizer, inputs: np.ndarray, trajectories: list | None) -> np.ndarray:
    """(N, 10) probabilities, batched, fused where strokes are given."""
    out = []
    for i in range(0, len(inputs), 512):
        out.append(models.predict_features(inputs[i:i + 512], None if trajectories is None else trajectories[i:i + 512])[0])
    return np.concatenate(out) if out else np.zeros((0, 10), np.float32)


def not_sure(models: DrawingRecognizer, probs: np.ndarray, fused: bool) -> float:
    return float((probs.max(1) < models.threshold(fused)).mean())


def draw_samples(rng, idx: np.ndarray, labels: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """k of each digit of one writer (all of a digit it has fewer of), optionally among ``allowed`` only."""
    chosen = []
    for d in range(10):
        of_digit = idx[labels[idx] == d]
        pool = of_digit if allowed is None else of_digit[allowed[of_digit]]
        n = min(k, len(pool))
        if n > 0:
            chosen.extend(rng.choice(pool, n, replace=False))
    return np.asarray(chosen, int)


def run_width(models: DrawingRecognizer, digits: list[Drawing], nondigits: list[Drawing], width: float,
              seeds: int, min_per_digit: int) -> dict:
    digits = [with_width(d, width) for d in digits]
    nondigits = [with_width(d, width) for d in nondigits]
    labels = np.asarray([d.label for d in digits])
    writers = np.asarray([d.writer or "" for d in digits])
    x, traj = model_inputs(digits, width), [trajectory_features(d) for d in digits]
    nx, ntraj = model_inputs(nondigits, width), [trajectory_features(d) for d in nondigits]
    models.set_personal([])
    base = {"fused": read(models, x, traj), "image": read(models, x, None)}
    base_ns = {"fused": not_sure(models, read(models, nx, ntraj), True),
               "image": not_sure(models, read(models, nx, None), False)}
    right = base["fused"].argmax(1) == labels
    pool = [w for w in sorted(set(writers)) if np.bincount(labels[writers == w], minlength=10).min() >= min_per_digit
            and (writers == w).sum() >= 10 * min_per_digit + MIN_REST]
    result: dict = {"width": width, "writers": len(pool), "drawings": int(sum((writers == w).sum() for w in pool)),
                    "not_sure_nondigits_base": base_ns, "nondigits": len(nondigits)}
    cases = [(f"k={k}", k, None, "fused") for k in KS] + [("k=2, samples read right", 2, right, "fused"),
                                                          ("k=2, pictures (image alone)", 2, None, "image")]
    for name, k, allowed, path in cases:
        wrong_before = wrong_after = total = 0
        changes, ns_rates, samples_used = [], [], []
        for w in pool:
            idx = np.where(writers == w)[0]
            for seed in range(seeds):
                rng = np.random.default_rng([seed, zlib.crc32(w.encode())])
                chosen = draw_samples(rng, idx, labels, k, allowed)
                rest = np.setdiff1d(idx, chosen)
                if len(rest) == 0:  # k=5 on a writer with few of each digit: nothing left to read
                    continue
                models.set_personal([digits[i] for i in chosen])
                after = read(models, x[rest], None if path == "image" else [traj[i] for i in rest])
                before = base[path][rest]
                wb = int((before.argmax(1) != labels[rest]).sum())
                wa = int((after.argmax(1) != labels[rest]).sum())
                wrong_before, wrong_after, total = wrong_before + wb, wrong_after + wa, total + len(rest)
                changes.append((wa - wb) / len(rest) * 100)
                samples_used.append(len(chosen))
                if seed < 3 and (seed == 0 or k == 2):
                    ns_rates.append(not_sure(models, read(models, nx, None if path == "image" else ntraj), path == "fused"))
        models.set_personal([])
        eb, ea = wrong_before / total * 100, wrong_after / total * 100
        result[name] = {
            "path": path, "adaptations": len(changes), "samples_mean": statistics.mean(samples_used),
            "error_before_pct": eb, "error_after_pct": ea,
            "error_cut_pct": (1 - wrong_after / wrong_before) * 100 if wrong_before else 0.0,
            "accuracy_change_points": eb - ea,
            "writers_worse": sum(c > 0 for c in changes), "writers_better": sum(c < 0 for c in changes),
            "worst_change_points": max(changes),
            "not_sure_nondigits_pct": {"base": base_ns[path] * 100, "mean": statistics.mean(ns_rates) * 100,
                                       "lowest": min(ns_rates) * 100},
        }
    return result


def timings(models: DrawingRecognizer, digits: list[Drawing], width: float) -> dict:
    rng = np.random.default_rng(0)
    samples = [with_width(digits[i], width) for i in rng.choice(len(digits), 1001, replace=False)]
    for i, s in enumerate(samples):
        s.extra = dict(s.extra) | {"id": f"{i:032x}"}
    out = {}
    starts = []
    for _ in range(3):
        fresh = DrawingRecognizer.load()
        started = time.perf_counter()
        fresh.set_personal(samples[:1000])
        starts.append(time.perf_counter() - started)
    out["startup_1000_s"] = statistics.median(starts)
    started = time.perf_counter()
    rendered = model_inputs(samples[:1000], width)
    out["of_which_render_preprocess_s"] = time.perf_counter() - started
    adds = []
    for _ in range(5):
        fresh.set_personal(samples[:1000])
        started = time.perf_counter()
        fresh.set_personal(samples)  # one more sample: the window after a correction
        adds.append(time.perf_counter() - started)
    out["add_one_to_1000_ms"] = statistics.median(adds) * 1000
    _, image_features = models.image.predict_with_features(rendered)
    traj = np.stack([trajectory_features(s) for s in samples[:1000]])
    _, traj_features = models.trajectory.predict_batch(traj)
    labels = np.asarray([s.label for s in samples[:1000]])
    both = np.hstack([image_features, traj_features])
    fits = []
    for _ in range(20):
        started = time.perf_counter()
        fit(image_features, labels, models.personal_stats.image)
        fit(both, labels, models.personal_stats.fused)
        fits.append(time.perf_counter() - started)
    out["fit_1000_ms"] = statistics.median(fits) * 1000
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--nondigits", required=True)
    ap.add_argument("--widths", default="16", help="comma-separated pen widths (default 16)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--min-per-digit", type=int, default=2)
    ap.add_argument("--timing-only", action="store_true", help="only the fit and start-up times")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    models = DrawingRecognizer.load()
    if not models.fused or models.personal_stats is None:
        print("error: needs the fused models and models/personal.npz", file=sys.stderr)
        return 1
    digits = [d for d in iter_jsonl(args.data) if d.label is not None and split_of(d.writer or "") == "test"]
    nondigits = [d for d in iter_jsonl(args.nondigits) if split_of(d.writer or "") == "test"]
    report = {"widths": [], "command": "python benchmarks/personal.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    for width in (float(w) for w in args.widths.split(",")) if not args.timing_only else ():
        r = run_width(models, digits, nondigits, width, args.seeds, args.min_per_digit)
        report["widths"].append(r)
        print(f"\npen width {width:g}: {r['writers']} test writers with >= {args.min_per_digit} of each digit "
              f"({r['drawings']} drawings), {args.seeds} seeds; {r['nondigits']} real non-digits of test writers")
        print(f"{'case':<30}{'error before':>13}{'after':>8}{'cut':>7}{'worse':>9}{'worst':>8}{'not sure (non-digits)':>30}")
        for name, c in r.items():
            if not isinstance(c, dict) or "path" not in c:
                continue
            ns = c["not_sure_nondigits_pct"]
            print(f"{name:<30}{c['error_before_pct']:>12.2f}%{c['error_after_pct']:>7.2f}%{c['error_cut_pct']:>6.0f}%"
                  f"{c['writers_worse']:>5}/{c['adaptations']:<3}{c['worst_change_points']:>+7.2f}"
                  f"{ns['base']:>11.1f}% -> {ns['mean']:.1f}% (lowest {ns['lowest']:.1f}%)")
    report["timing"] = timings(models, digits, float(args.widths.split(",")[0]))
    report["timing"]["load_average"] = os.getloadavg()[0]
    t = report["timing"]
    print(f"\nfit on 1,000 samples' features (both spaces): {t['fit_1000_ms']:.1f} ms median; start-up with 1,000 "
          f"samples (render + models + fit): {t['startup_1000_s']:.2f} s median (render + preprocess alone "
          f"{t['of_which_render_preprocess_s']:.2f} s); one sample added to 1,000: {t['add_one_to_1000_ms']:.1f} ms "
          f"(load average {t['load_average']:.1f})")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
