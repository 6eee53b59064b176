"""Render the pen data (and generated non-digits) into a compressed .npz cache of 28x28 model frames.

    python -m digitpad.train.pen_cache --pen ../shared/data/pen-digits/unipen-dev.jsonl.gz --out .cache/pen.npz \
        [--scan-rate 0.15] [--nondigits-real ../shared/data/pen-nondigits/unipen-nondigits-dev.jsonl.gz]

Needs PySide6 (digitpad.render, the GUI's own painter) but not torch, so the cache
can be built on a machine with Qt and carried to a GPU machine without it.
Every image is ``to_mnist_28(render(drawing, width))`` rounded to uint8.

Arrays: train_x/train_y/train_w (train writers, ``--variants`` renderings each:
variant 0 as drawn, the others jittered, random pen width 3..40 px, some 0/1/7
given the continental forms: slashed or phi zero, crossed seven, 1 with flag and base,
9 with a curled "g" tail; with --scan-rate that share of the jittered copies, and of the
non-digits, as bold scanned forms, see digitpad.train.scanned),
val_x/val_y/val_width and test_x/test_y/test_width (held-out writers, as drawn, at
widths 8, 16 and 28), nd_train_x (generated non-digits, and with --nondigits-real the train
writers' real letters and symbols, random widths) and nd_val_x (generated, at 8/16/28 px).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from digitpad.drawing import Drawing, Stroke, iter_jsonl
from digitpad.splits import DESCRIPTION, split_of
from digitpad.train.jitter import jitter_drawing
from digitpad.train.nondigits import make_nondigits
from digitpad.train.provenance import relative
from digitpad.train.scanned import ScanLook, random_look

EVAL_WIDTHS = (8, 16, 28)
MIN_WIDTH, MAX_WIDTH = 3.0, 40.0
#: Share of the jittered copies (and of the training non-digits) rendered as bold scanned forms.
#: Share of jittered copies and non-digits measured as bold scanned forms (``--scan-rate 0.15``,
#: docs/accuracy.md); the shipped model's recipe renders none (rate 0, the default).
SCAN_RATE = 0.15

#: One rendering: a drawing, its pen width, and the scanned look it is given (None: as the canvas shows it).
RenderJob = tuple[Drawing, float, "ScanLook | None"]


def random_width(rng: np.random.Generator) -> float:
    """Pen width in canvas px, log-uniform in 3..40 (the slider's range and beyond)."""
    return float(np.exp(rng.uniform(np.log(MIN_WIDTH), np.log(MAX_WIDTH))))


def _line(p0, p1, n: int = 8) -> Stroke:
    return Stroke(points=[(float(p0[0] + (p1[0] - p0[0]) * t), float(p0[1] + (p1[1] - p0[1]) * t), 1.0)
                          for t in np.linspace(0, 1, n)])


def continental_form(d: Drawing, rng: np.random.Generator) -> Drawing:
    """Add the stroke that turns a plain 0 / 7 / 1 into a slashed zero / crossed seven / flagged 1."""
    label = d.label
    pts = np.asarray([(x, y) for s in d.strokes for x, y, _ in s.points])
    if label not in (0, 1, 7, 9) or len(pts) < 2:
        return d
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    extra: list[Stroke] = []
    if label == 0 and rng.random() < 0.5:  # slash from lower left to upper right, a little past the ring
        over = rng.uniform(-0.05, 0.15)
        extra.append(_line((x0 + w * (0.15 - over), y1 - h * (0.05 - over)), (x1 - w * (0.15 - over), y0 + h * (0.05 - over))))
    elif label == 0:  # near-vertical stroke through the ring (the "phi" zero)
        xm = x0 + w * rng.uniform(0.35, 0.65)
        lean = w * rng.uniform(-0.3, 0.3)
        over = h * rng.uniform(0.0, 0.25)
        extra.append(_line((xm + lean / 2, y0 - over), (xm - lean / 2, y1 + over)))
    elif label == 9:  # tail curling back to the left at the bottom (the "g" nine)
        last = max(d.strokes, key=lambda s: max(p[1] for p in s.points))
        end = np.asarray(last.points[-1][:2])
        r = h * rng.uniform(0.08, 0.2)
        t = np.linspace(0, rng.uniform(0.6, 1.1) * np.pi, 10)
        arc = np.stack([end[0] - r + r * np.cos(t), end[1] + r * np.sin(t) * rng.uniform(0.6, 1.0)], 1)
        i = d.strokes.index(last)
        strokes = list(d.strokes)
        strokes[i] = Stroke(points=list(last.points) + [(float(x), float(y), last.points[-1][2]) for x, y in arc[1:]],
                            width=last.width)
        return Drawing(width=d.width, height=d.height, strokes=strokes, extra=dict(d.extra))
    elif label == 7:  # bar across the middle of the stem
        ym = y0 + h * rng.uniform(0.45, 0.6)
        extra.append(_line((x0 + w * rng.uniform(0.1, 0.35), ym), (x0 + w * rng.uniform(0.75, 1.0), ym + rng.normal(0, h * 0.03))))
    else:  # 1: flag at the top and (often) a base
        top = pts[np.argmin(pts[:, 1])]
        bottom = pts[np.argmax(pts[:, 1])]
        flag = (top[0] - h * rng.uniform(0.12, 0.25), top[1] + h * rng.uniform(0.12, 0.25))
        extra.append(_line(flag, top))
        if rng.random() < 0.6:
            half = h * rng.uniform(0.15, 0.3)
            extra.append(_line((bottom[0] - half, bottom[1]), (bottom[0] + half, bottom[1])))
    strokes = list(d.strokes)
    if label == 1 and rng.random() < 0.5:  # flag drawn in the same stroke as the stem
        s = strokes[0]
        strokes[0] = Stroke(points=extra[0].points[:-1] + s.points, width=s.width)
        extra = extra[1:]
    return Drawing(width=d.width, height=d.height, strokes=strokes + extra, extra=dict(d.extra))


def scan_or_not(rng: np.random.Generator, rate: float = 0.0) -> ScanLook | None:
    """A scanned look for ``rate`` of the copies, None for the others (rate 0 draws nothing)."""
    return random_look(rng) if rate > 0 and rng.random() < rate else None


def training_variants(d: Drawing, variants: int, rng: np.random.Generator,
                      scan_rate: float = 0.0) -> list[RenderJob]:
    """The renderings a training drawing becomes: as drawn, then jittered copies, every third
    of which for a 0/1/7/9 is first given its continental form, and ``scan_rate`` of which are
    bold scanned forms."""
    out: list[RenderJob] = []
    for v in range(variants):
        dv = d
        if v > 0 and d.label in (0, 1, 7, 9) and v % 3 == 1:
            dv = continental_form(dv, rng)
        if v > 0:
            dv = jitter_drawing(dv, rng)
        out.append((dv, random_width(rng), scan_or_not(rng, scan_rate) if v > 0 else None))
    return out


def nondigit_jobs(drawings: list[Drawing], rng: np.random.Generator, scan_rate: float = 0.0) -> list[RenderJob]:
    """Training renderings of generated non-digits: random pen widths, ``scan_rate`` of them scanned."""
    return [(d, random_width(rng), scan_or_not(rng, scan_rate)) for d in drawings]


def real_nondigit_jobs(drawings: list[Drawing], variants: int, rng: np.random.Generator,
                       scan_rate: float = 0.0) -> list[RenderJob]:
    """Training renderings of real pen-drawn letters and symbols: as drawn, then jittered copies
    (``scan_rate`` of those scanned), each at a random pen width."""
    out: list[RenderJob] = []
    for d in drawings:
        for v in range(variants):
            out.append((jitter_drawing(d, rng) if v else d, random_width(rng),
                        scan_or_not(rng, scan_rate) if v else None))
    return out


def render_frame(d: Drawing, width: float, look: ScanLook | None = None) -> np.ndarray | None:
    """The model's 28x28 frame of one rendering: the app's renderer and preprocessor, with the
    scanner's down-sampling and threshold in between for a scanned look."""
    from digitpad.preprocess import to_mnist_28
    from digitpad.render import render
    from digitpad.train.scanned import scan_drawing, scan_image

    if look is None:
        return to_mnist_28(render(d, width))
    scanned, bold = scan_drawing(d, look)
    return to_mnist_28(scan_image(render(scanned, bold), look))


def _render_jobs(jobs: list[tuple]) -> np.ndarray:
    from digitpad.drawing import from_dict

    out = np.zeros((len(jobs), 28, 28), dtype=np.uint8)
    for i, (data, width, look) in enumerate(jobs):
        frame = render_frame(from_dict(data), width, ScanLook(**look) if look else None)
        if frame is not None:
            out[i] = np.clip(np.rint(frame), 0, 255).astype(np.uint8)
    return out


def render_many(jobs: list[tuple], workers: int, desc: str) -> np.ndarray:
    """Frames of (drawing, width) or (drawing, width, look) jobs, rendered in ``workers`` processes."""
    from dataclasses import asdict

    from tqdm import tqdm

    payload = [(job[0].to_dict(), job[1], asdict(job[2]) if len(job) > 2 and job[2] else None) for job in jobs]
    chunk = 500
    parts = [payload[i : i + chunk] for i in range(0, len(payload), chunk)]
    if workers <= 1:
        results = [_render_jobs(p) for p in tqdm(parts, desc=desc)]
    else:
        with ProcessPoolExecutor(workers) as pool:
            results = list(tqdm(pool.map(_render_jobs, parts), total=len(parts), desc=desc))
    return np.concatenate(results) if results else np.zeros((0, 28, 28), np.uint8)


def build(pen: Path, variants: int, n_nondigit: int, n_nondigit_val: int, seed: int, workers: int,
          nondigits_real: Path | None = None, real_variants: int = 2,
          scan_rate: float = 0.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    drawings = list(iter_jsonl(pen))
    split = [split_of(d.writer or "") for d in drawings]
    writers = sorted({d.writer or "" for d in drawings})
    windex = {w: i for i, w in enumerate(writers)}
    train_jobs, train_y, train_w = [], [], []
    for d, s in zip(drawings, split):
        if s != "train":
            continue
        for job in training_variants(d, variants, rng, scan_rate):
            train_jobs.append(job)
            train_y.append(d.label)
            train_w.append(windex[d.writer or ""])
    arrays: dict[str, np.ndarray] = {}
    arrays["train_x"] = render_many(train_jobs, workers, "render train writers")
    arrays["train_y"] = np.asarray(train_y, np.int64)
    arrays["train_w"] = np.asarray(train_w, np.int32)
    for name in ("val", "test"):
        jobs, ys, ws = [], [], []
        for width in EVAL_WIDTHS:
            for d, s in zip(drawings, split):
                if s == name:
                    jobs.append((d, float(width)))
                    ys.append(d.label)
                    ws.append(width)
        arrays[f"{name}_x"] = render_many(jobs, workers, f"render {name} writers")
        arrays[f"{name}_y"] = np.asarray(ys, np.int64)
        arrays[f"{name}_width"] = np.asarray(ws, np.int32)
    nd = make_nondigits(n_nondigit, seed + 1000)
    nd_jobs = nondigit_jobs(nd, rng, scan_rate)
    real_train = []
    if nondigits_real is not None:  # only the train writers' letters and symbols: the others measure
        real_train = [d for d in iter_jsonl(nondigits_real) if d.strokes and split_of(d.writer or "") == "train"]
        nd_jobs += real_nondigit_jobs(real_train, real_variants, rng, scan_rate)
    arrays["nd_train_x"] = render_many(nd_jobs, workers, "render non-digits (train)")
    ndv = make_nondigits(n_nondigit_val, seed + 2000)
    arrays["nd_val_x"] = render_many([(d, float(EVAL_WIDTHS[i % 3])) for i, d in enumerate(ndv)], workers,
                                     "render non-digits (val)")
    from digitpad.preprocess import PREPROCESS_VERSION

    arrays["meta"] = np.array(json.dumps({
        "preprocess_version": PREPROCESS_VERSION,
        "source": relative(str(pen)), "variants": variants, "seed": seed, "split": DESCRIPTION, "scan_rate": scan_rate,
        "real_nondigits": {"source": relative(str(nondigits_real)), "train_writers_drawings": len(real_train),
                           "variants": real_variants} if nondigits_real is not None else None,
        "widths": f"train: log-uniform {MIN_WIDTH:g}..{MAX_WIDTH:g}; val/test: {list(EVAL_WIDTHS)}",
    }))
    return arrays


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m digitpad.train.pen_cache", description=__doc__.splitlines()[0])
    ap.add_argument("--pen", required=True, help="pen-digits .jsonl.gz (label + writer per drawing)")
    ap.add_argument("--out", default=".cache/pen.npz")
    ap.add_argument("--variants", type=int, default=8, help="renderings per training drawing")
    ap.add_argument("--nondigits", type=int, default=12000)
    ap.add_argument("--nondigits-val", type=int, default=3000)
    ap.add_argument("--nondigits-real", help="pen-nondigits .jsonl.gz: its train writers' letters and symbols "
                    "are rendered as non-digits")
    ap.add_argument("--real-variants", type=int, default=2, help="renderings per real train non-digit")
    ap.add_argument("--scan-rate", type=float, default=0.0,
                    help=f"share of jittered copies and non-digits rendered as bold scanned forms (measured: {SCAN_RATE})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    t = time.time()
    arrays = build(Path(args.pen), args.variants, args.nondigits, args.nondigits_val, args.seed, args.workers,
                   Path(args.nondigits_real) if args.nondigits_real else None, args.real_variants, args.scan_rate)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.time() - t:.0f} s:",
          {k: v.shape for k, v in arrays.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
