"""Reading whole numbers: real pen-written numbers, synthetic ones, and the cost of a reading.

(Named number_reading.py, not numbers.py: a script's folder comes first on sys.path, and a
benchmarks/numbers.py would hide the standard library's ``numbers`` from every script here.)

    python benchmarks/number_reading.py [--strings ../shared/data/pen-strings/unipen-strings-dev.jsonl.gz]
        [--digits ../shared/data/pen-digits/unipen-dev.jsonl.gz] [--per-length 40] [--json out.json]
    python benchmarks/number_reading.py --tune      # fit number.Weights on the tuning writers (+ val-writer single digits and synthetic numbers), print them

Writers: the pen-strings writers (the ``writer`` field, one file each) are split with
digitpad.splits' stable hash: "test" writers (buckets 0-19) are never tuned on; the others
("train" and "val") are the tuning writers.  No pen width is given in the data: every
number is read at each of 8, 16 and 28 px (all strokes of a drawing at that width).

Synthetic numbers: 2-10 digits, each number from the isolated digits of ONE test-split
writer of the pen-digits data, digits drawn uniformly (no number is likelier than
another), each digit scaled to a common line height (x 0.85-1.1), baselines moved by up
to +-8 % of it, gaps from -12 % (overlapping) to +35 % of it; pen width cycles 8/16/28.

Timing (single-threaded onnxruntime, this machine): a 10-digit number's pen-up -> reading
with the NumberReader cache holding everything but the last stroke; a cold full reading;
a 1-digit drawing read as a number vs today's single prediction (render, preprocess, one
call per model).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.drawing import Drawing, Stroke, iter_jsonl  # noqa: E402
from digitpad.drawing_recognizer import DrawingRecognizer  # noqa: E402
from digitpad.evaluate import model_inputs  # noqa: E402
from digitpad.number import WEIGHTS, NumberReader, Weights, choose, read_number_image  # noqa: E402
from digitpad.number_eval import NumberReport, evaluate_numbers, label_of, report_of  # noqa: E402
from digitpad.render import render  # noqa: E402
from digitpad.splits import split_of  # noqa: E402

HERE = Path(__file__).resolve().parent.parent
STRINGS = HERE.parent / "shared/data/pen-strings/unipen-strings-dev.jsonl.gz"
DIGITS = HERE.parent / "shared/data/pen-digits/unipen-dev.jsonl.gz"
WIDTHS = (8, 16, 28)
SEED = 14


# ---------------------------------------------------------------- synthetic numbers

def _box(d: Drawing) -> tuple[float, float, float, float]:
    xs = [p[0] for s in d.strokes for p in s.points]
    ys = [p[1] for s in d.strokes for p in s.points]
    return min(xs), min(ys), max(xs), max(ys)


def synth_number(digits: list[Drawing], rng: random.Random, width: float, line_h: float = 110.0) -> Drawing:
    """Digits of one writer side by side as one drawing, with uneven gaps, sizes and baselines."""
    strokes: list[Stroke] = []
    x = 40.0
    base = 40.0 + line_h
    for d in digits:
        x0, y0, x1, y1 = _box(d)
        h = max(y1 - y0, 1.0)
        scale = line_h * rng.uniform(0.85, 1.1) / h
        if (x1 - x0) * scale > 1.3 * line_h:  # a very wide digit (a flat 7): keep its width sane
            scale = 1.3 * line_h / max(x1 - x0, 1.0)
        shift_y = base + rng.uniform(-0.08, 0.08) * line_h - y1 * scale
        shift_x = x - x0 * scale
        for s in d.strokes:
            if s.points:
                strokes.append(Stroke([(px * scale + shift_x, py * scale + shift_y, p) for px, py, p in s.points], width))
        x += (x1 - x0) * scale + rng.uniform(-0.12, 0.35) * line_h
    ink_right = max(p[0] for s in strokes for p in s.points)
    w = int(np.ceil((ink_right + 40) / 10) * 10)
    return Drawing(max(w, 280), int(base + 0.3 * line_h + 40), strokes)


def synthetic_set(path: Path, per_length: int, lengths=range(2, 11), seed: int = SEED,
                  split: str = "test") -> list[tuple[str, Drawing]]:
    """(label, drawing) for ``per_length`` numbers of each length, each from one writer of ``split``."""
    by_writer: dict[str, dict[int, list[Drawing]]] = {}
    for d in iter_jsonl(path):
        if d.label is not None and split_of(d.writer or "") == split and any(s.points for s in d.strokes):
            by_writer.setdefault(d.writer, {}).setdefault(d.label, []).append(d)
    writers = sorted(w for w, ds in by_writer.items() if len(ds) == 10)  # writers with all ten digits
    rng = random.Random(seed)
    out = []
    k = 0
    for n in lengths:
        for _ in range(per_length):
            digits = by_writer[rng.choice(writers)]
            label = "".join(str(rng.randrange(10)) for _ in range(n))
            sample = [rng.choice(digits[int(c)]) for c in label]
            out.append((label, synth_number(sample, rng, WIDTHS[k % len(WIDTHS)])))
            k += 1
    return out


# ---------------------------------------------------------------- tuning

FIELDS = [f.name for f in dataclasses.fields(Weights)]


def tune(models: DrawingRecognizer, drawings: list[Drawing], singles: list[Drawing],
         synthetic: list[tuple[str, Drawing]], rounds: int = 4) -> Weights:
    """Coordinate search over the weights maximising exact matches (then digit level) on ``drawings``
    and on single digits (which must stay one digit) at every width; the candidates are scored
    once, only the split is redone per trial."""
    items = []
    for w in WIDTHS:
        reader = NumberReader(models, w)
        items += [(label_of(d), reader.candidates(d)) for d in drawings]
        items += [(str(d.label), reader.candidates(d)) for d in singles]
    for k, (label, d) in enumerate(synthetic):
        items.append((label, NumberReader(models, WIDTHS[k % len(WIDTHS)]).candidates(d)))

    def objective(weights: Weights, show: bool = False) -> tuple[int, float]:
        report = NumberReport()
        for label, c in items:
            report.add(label, choose(models, c, weights).text if c is not None else "")
        if show:
            for n, r in report.by_length().items():
                print(f"  length {n}: {r.count} exact {r.exact * 100:.2f} % digit level {r.digit_level * 100:.2f} %")
        return round(report.exact * len(items)), report.digit_level

    best, best_score = WEIGHTS, objective(WEIGHTS)
    print(f"start: exact {best_score[0]}/{len(items)}, digit level {best_score[1] * 100:.2f} %", flush=True)
    for r in range(rounds):
        improved = False
        for name in FIELDS:
            now = getattr(best, name)
            for value in sorted({now * f for f in (0.0, 0.5, 0.7, 0.85, 1.2, 1.4, 2.0)} | {now + d for d in (-1, -0.3, -0.1, 0.1, 0.3, 1)}):
                if name != "group_cost" and value < 0:
                    continue
                trial = dataclasses.replace(best, **{name: round(value, 4)})
                score = objective(trial)
                if score > best_score:
                    best, best_score, improved = trial, score, True
                    print(f"round {r}: {name} = {value:.4g}: exact {score[0]}/{len(items)}, "
                          f"digit level {score[1] * 100:.2f} %", flush=True)
        if not improved:
            break
    objective(best, show=True)
    return best


# ---------------------------------------------------------------- timing

def _percentiles(ms: list[float]) -> dict:
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)), "n": len(ms)}


def time_readings(models: DrawingRecognizer, numbers: list[Drawing], singles: list[Drawing], repeats: int) -> dict:
    pen_up, cold = [], []
    for _ in range(repeats):
        for d in numbers:
            before = Drawing(d.width, d.height, d.strokes[:-1])
            reader = NumberReader(models)
            reader.read(before)
            t = time.perf_counter()
            reader.read(d)
            pen_up.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            NumberReader(models).read(d)
            cold.append((time.perf_counter() - t) * 1000)
    today, as_number, as_number_pen_up = [], [], []
    for d in singles:
        t = time.perf_counter()
        x = model_inputs([d], 18.0)
        models.predict_batch(x, [d])
        today.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        NumberReader(models).read(d)
        as_number.append((time.perf_counter() - t) * 1000)
        reader = NumberReader(models)
        if len(d.strokes) > 1:
            reader.read(Drawing(d.width, d.height, d.strokes[:-1]))
        t = time.perf_counter()
        reader.read(d)
        as_number_pen_up.append((time.perf_counter() - t) * 1000)
    return {"ten_digit_pen_up": _percentiles(pen_up), "ten_digit_cold": _percentiles(cold),
            "one_digit_today": _percentiles(today), "one_digit_as_number_cold": _percentiles(as_number),
            "one_digit_as_number_pen_up": _percentiles(as_number_pen_up)}


# ---------------------------------------------------------------- main

def _row(name: str, report: NumberReport) -> str:
    return f"| {name} | {report.count} | {report.exact * 100:.1f} % | {report.digit_level * 100:.2f} % |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--strings", default=str(STRINGS))
    ap.add_argument("--digits", default=str(DIGITS))
    ap.add_argument("--model", default=None)
    ap.add_argument("--per-length", type=int, default=40, help="synthetic numbers per length (2-10 digits)")
    ap.add_argument("--repeats", type=int, default=3, help="timing passes over the 10-digit numbers")
    ap.add_argument("--tune", action="store_true", help="fit the weights on the tuning writers and print them")
    ap.add_argument("--tune-singles", type=int, default=300, help="single digits (val writers) in the tuning objective")
    ap.add_argument("--tune-synthetic", type=int, default=20, help="synthetic numbers per length (val writers) in it")
    ap.add_argument("--only", default="real,synthetic,singles,timing",
                    help="comma-separated parts to run (default: all of real,synthetic,singles,timing)")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args(argv)

    models = DrawingRecognizer.load(args.model)
    strings = [d for d in iter_jsonl(args.strings) if label_of(d) is not None]
    tuning = [d for d in strings if split_of(d.writer or "") != "test"]
    test = [d for d in strings if split_of(d.writer or "") == "test"]
    print(f"pen-strings: {len(strings)} numbers; tuning writers {len({d.writer for d in tuning})} "
          f"({len(tuning)} numbers), test writers {len({d.writer for d in test})} ({len(test)} numbers)")
    if args.tune:
        singles = [d for d in iter_jsonl(args.digits) if split_of(d.writer or "") == "val" and d.label is not None]
        singles = random.Random(SEED).sample(singles, min(len(singles), args.tune_singles))
        print(f"tuning also on {len(singles)} single digits of val-split pen-digits writers")
        synthetic = synthetic_set(Path(args.digits), args.tune_synthetic, split="val")
        print(f"and on {len(synthetic)} synthetic numbers (2-10 digits) of val-split pen-digits writers")
        weights = tune(models, tuning, singles, synthetic)
        print("fitted:", weights)
        return 0

    only = set(args.only.split(","))
    out: dict = {"weights": dataclasses.asdict(WEIGHTS), "real": {}, "synthetic": {}}
    if "real" in only:
        real_numbers(models, strings, tuning, test, out)
    if "synthetic" in only:
        synthetic_numbers(models, Path(args.digits), args.per_length, out)
    singles = [d for d in iter_jsonl(args.digits) if split_of(d.writer or "") == "test" and d.label is not None]
    if "singles" in only:
        single_digits(models, singles, out)
    if "timing" in only:
        tens = [d for label, d in synthetic_set(Path(args.digits), 30, lengths=[10], seed=SEED + 1)]
        load_before = os.getloadavg()[0]
        timing = time_readings(models, tens, singles[:200], args.repeats)
        out["timing"] = timing | {"load_average": [load_before, os.getloadavg()[0]]}
        print(f"\n(timing at load average {load_before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        print("\n| timing | p50 ms | p99 ms | n |\n| --- | --- | --- | --- |")
        for k, v in timing.items():
            print(f"| {k} | {v['p50_ms']:.2f} | {v['p99_ms']:.2f} | {v['n']} |")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


def _text(reading) -> str:
    return reading.text if reading is not None else ""


def real_numbers(models: DrawingRecognizer, strings: list[Drawing], tuning: list[Drawing], test: list[Drawing],
                 out: dict) -> None:
    print("\n| real numbers | count | exact | digit level |\n| --- | --- | --- | --- |")
    for w in WIDTHS:
        for name, subset in (("test writers", test), ("tuning writers", tuning), ("all", strings)):
            report = evaluate_numbers(models, subset, w)
            out["real"][f"{name} @{w}"] = report.to_dict()
            print(_row(f"{name}, width {w}", report), flush=True)
    print("\n| real numbers as images (rendered, image model alone) | count | exact | digit level |\n| --- | --- | --- | --- |")
    for w in WIDTHS:
        for name, subset in (("test writers", test), ("all", strings)):
            report = report_of((label_of(d), _text(read_number_image(render(d, float(w)), models)), d.writer or "")
                               for d in subset)
            out["real"][f"images {name} @{w}"] = report.to_dict()
            print(_row(f"{name}, width {w}", report), flush=True)
    mistakes = {m["label"] + " -> " + m["read"] for k, r in out["real"].items() if k.startswith("test writers") for m in r["mistakes"]}
    print("test-writer mistakes (any width):", ", ".join(sorted(mistakes)) or "none")



def synthetic_numbers(models: DrawingRecognizer, digits: Path, per_length: int, out: dict) -> None:
    synth = synthetic_set(digits, per_length)
    reader_by_width = {w: NumberReader(models, w) for w in WIDTHS}
    report = NumberReport()
    for label, d in synth:
        r = reader_by_width[d.strokes[0].width].read(d)
        report.add(label, r.text if r is not None else "")
    print("\n| synthetic (test writers) | count | exact | digit level |\n| --- | --- | --- | --- |")
    for n, r in report.by_length().items():
        print(_row(f"{n} digits", r))
        out["synthetic"][str(n)] = {"count": r.count, "exact": r.exact, "digit_level": r.digit_level}
    print(_row("all lengths", report))
    out["synthetic"]["all"] = {"count": report.count, "exact": report.exact, "digit_level": report.digit_level}


def single_digits(models: DrawingRecognizer, singles: list[Drawing], out: dict) -> None:
    """Single digits of the test writers read as numbers: one digit, exactly today's answer?"""
    out["single_digits"] = {}
    labels = np.asarray([d.label for d in singles])
    for w in WIDTHS:
        reader = NumberReader(models, float(w))
        x = model_inputs(singles, float(w))
        today = np.concatenate([models.predict_batch(x[i:i + 512], singles[i:i + 512])[0]
                                for i in range(0, len(x), 512)])
        one = same = right = 0
        for d, p in zip(singles, today):
            r = reader.read(d)
            one += r is not None and len(r.digits) == 1
            same += r is not None and len(r.digits) == 1 and np.array_equal(r.digits[0].probs, p)
            right += r is not None and r.text == str(d.label)
        n = len(singles)
        row = {"count": n, "read_as_one_digit": one / n, "identical_to_today": same / n,
               "number_accuracy": right / n, "today_accuracy": float((today.argmax(1) == labels).mean())}
        out["single_digits"][str(w)] = row
        print(f"single digits of test writers at {w} px: {n}; read as one digit {one / n * 100:.2f} %, "
              f"probabilities identical to today's {same / n * 100:.2f} %, accuracy as a number "
              f"{right / n * 100:.2f} % (today {row['today_accuracy'] * 100:.2f} %)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
