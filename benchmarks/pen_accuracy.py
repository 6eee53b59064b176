"""Accuracy of the shipped model on held-out pen WRITERS, at pen widths 8, 16 and 28 px.

    python benchmarks/pen_accuracy.py --data ../shared/data/pen-digits/unipen-dev.jsonl.gz \
        [--model models/digit.onnx] [--mnist ../shared/data/mnist] [--errors-png errors.png] [--json out.json] \
        [--real-nondigits ../shared/data/pen-nondigits/unipen-nondigits-dev.jsonl.gz]

Renders every drawing of the test writers (digitpad.splits: ~20 % of writers,
chosen by a stable hash of the writer id, never trained or tuned on) with the
app's own renderer at each width, runs render -> preprocess -> model exactly as
the app does, and prints accuracy per width, expected calibration error, and the
"not sure" rates (top probability below models/digit.json's not_sure_threshold)
on those real digits and on freshly generated non-digit drawings.  With
--real-nondigits, also the "not sure" rate on real pen-drawn letters and symbols
(every drawing at each width): overall, per writer split, per character and per
collection.  No torch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.drawing import iter_jsonl  # noqa: E402
from digitpad.evaluate import model_inputs  # noqa: E402
from digitpad.preprocess import to_mnist_28  # noqa: E402
from digitpad.recognizer import Recognizer  # noqa: E402
from digitpad.splits import DESCRIPTION, split_of  # noqa: E402
from digitpad.train.metrics import below_rate, ece  # noqa: E402
from digitpad.train.nondigits import make_nondigits  # noqa: E402

WIDTHS = (8, 16, 28)
NONDIGIT_SEED = 777  # differs from the training (1000) and threshold-choosing (2000) seeds


def predict(rec: Recognizer, x: np.ndarray) -> np.ndarray:
    return np.concatenate([rec.predict_batch(x[i : i + 512]) for i in range(0, len(x), 512)]) if len(x) else \
        np.zeros((0, 10), np.float32)


def real_nondigits(rec: Recognizer, path: str, threshold: float) -> dict:
    """ "Not sure" rates on real pen-drawn letters and symbols (label = the character), each at 8/16/28 px."""
    from digitpad.train.loco import collection_of

    drawings = [d for d in iter_jsonl(path) if d.strokes]
    chars = np.tile(np.asarray([str(d.extra.get("label", "")) for d in drawings]), len(WIDTHS))
    splits = np.tile(np.asarray([split_of(d.writer or "") for d in drawings]), len(WIDTHS))
    cols = np.tile(np.asarray([collection_of(d.writer or "") for d in drawings]), len(WIDTHS))
    widths = np.repeat(np.asarray(WIDTHS), len(drawings))
    probs = np.concatenate([predict(rec, model_inputs(drawings, w)) for w in WIDTHS])
    unsure = probs.max(1) < threshold
    read_as = probs.argmax(1)

    def rate(m: np.ndarray) -> float:
        return round(float(unsure[m].mean()), 5)

    return {
        "file": path, "drawings": len(drawings), "writer_count": len({d.writer for d in drawings}),
        "not_sure_rate": rate(np.ones(len(unsure), bool)),
        "not_sure_rate_by_width": {str(w): rate(widths == w) for w in WIDTHS},
        "not_sure_rate_by_split": {s: rate(splits == s) for s in ("train", "val", "test") if (splits == s).any()},
        "drawings_by_split": {s: int((splits == s).sum() // len(WIDTHS)) for s in ("train", "val", "test")},
        "not_sure_rate_by_collection": {c: rate(cols == c) for c in sorted(set(cols.tolist()))},
        "not_sure_rate_by_char": {c: rate(chars == c) for c in sorted(set(chars.tolist()))},
        "confident_reads_by_char": {  # the digit it is read as, when it is read confidently
            c: {str(k): int(v) for k, v in zip(*np.unique(read_as[(chars == c) & ~unsure], return_counts=True))}
            for c in sorted(set(chars.tolist()))},
    }


def contact_sheet(images: list[np.ndarray], captions: list[str], path: str, cols: int = 16) -> None:
    from PIL import Image, ImageDraw

    cell, pad = 56, 14
    rows = max(1, (len(images) + cols - 1) // cols)
    sheet = Image.new("L", (cols * cell, rows * (cell + pad)), 40)
    draw = ImageDraw.Draw(sheet)
    for i, (img, cap) in enumerate(zip(images, captions)):
        r, c = divmod(i, cols)
        tile = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).resize((cell - 4, cell - 4), Image.NEAREST)
        sheet.paste(tile, (c * cell + 2, r * (cell + pad) + 2))
        draw.text((c * cell + 2, r * (cell + pad) + cell - 2), cap, fill=255)
    sheet.save(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="pen-digits .jsonl.gz with label and writer fields")
    ap.add_argument("--model", default=None, help="ONNX model (default: the shipped models/digit.onnx)")
    ap.add_argument("--mnist", help="MNIST folder: also report MNIST test accuracy")
    ap.add_argument("--split", default="test", choices=("test", "val", "train"), help="which writers (default test)")
    ap.add_argument("--nondigits", type=int, default=1500, help="generated non-digit drawings")
    ap.add_argument("--real-nondigits", metavar="FILE",
                    help="real pen non-digits .jsonl.gz (label = the character): report their 'not sure' rates")
    ap.add_argument("--errors-png", help="write a contact sheet of the misread drawings (as the model sees them)")
    ap.add_argument("--json", help="also write the figures as JSON here")
    args = ap.parse_args(argv)

    started = time.time()
    rec = Recognizer(args.model)
    threshold = rec.not_sure_threshold
    drawings = [d for d in iter_jsonl(args.data) if d.label is not None and split_of(d.writer or "") == args.split]
    labels = np.asarray([d.label for d in drawings])
    result: dict = {"model": str(rec.path), "writers": args.split, "split": DESCRIPTION,
                    "drawings": len(drawings), "writer_count": len({d.writer for d in drawings}),
                    "not_sure_threshold": threshold, "accuracy_by_width": {}}
    all_probs, all_labels, errors, captions = [], [], [], []
    for width in WIDTHS:
        x = model_inputs(drawings, width)
        probs = predict(rec, x)
        pred = probs.argmax(1)
        result["accuracy_by_width"][str(width)] = round(float((pred == labels).mean()), 5)
        all_probs.append(probs)
        all_labels.append(labels)
        for i in np.flatnonzero(pred != labels):
            errors.append(x[i, 0] * 255.0)
            captions.append(f"{labels[i]}>{pred[i]} w{width}")
    probs, labels_all = np.concatenate(all_probs), np.concatenate(all_labels)
    accs = list(result["accuracy_by_width"].values())
    result["accuracy_spread"] = round(max(accs) - min(accs), 5)
    result["ece"] = round(ece(probs, labels_all), 5)
    result["not_sure_rate_digits"] = round(below_rate(probs.max(1), threshold), 5)

    nd = make_nondigits(args.nondigits, NONDIGIT_SEED)
    nd_probs = np.concatenate([predict(rec, model_inputs(nd[i::3], w)) for i, w in enumerate(WIDTHS)])
    result["not_sure_rate_nondigits"] = round(below_rate(nd_probs.max(1), threshold), 5)
    kinds = np.concatenate([[d.extra["kind"] for d in nd[i::3]] for i in range(3)])
    result["not_sure_rate_nondigits_by_kind"] = {
        k: round(below_rate(nd_probs.max(1)[kinds == k], threshold), 5) for k in sorted(set(kinds))}

    if args.mnist:
        from digitpad.mnist import load_mnist

        images, mlabels = load_mnist(args.mnist, "test")
        mx = np.zeros((len(images), 1, 28, 28), np.float32)
        for i, img in enumerate(images):
            frame = to_mnist_28(img)
            if frame is not None:
                mx[i, 0] = frame / 255.0
        result["mnist_test_accuracy"] = round(float((predict(rec, mx).argmax(1) == mlabels).mean()), 5)

    if args.real_nondigits:
        result["real_nondigits"] = real_nondigits(rec, args.real_nondigits, threshold)

    if args.errors_png:
        contact_sheet(errors, captions, args.errors_png)
        result["errors_png"] = args.errors_png
    result["seconds"] = round(time.time() - started, 1)

    print(f"model {result['model']}  ({result['writer_count']} {args.split} writers, {len(drawings)} drawings)")
    for w in WIDTHS:
        print(f"  pen width {w:>2} px: accuracy {result['accuracy_by_width'][str(w)]:.2%}")
    print(f"  spread between widths: {result['accuracy_spread'] * 100:.2f} points")
    print(f"  expected calibration error: {result['ece']:.2%}")
    print(f"  not sure (top probability < {threshold:g}): real digits {result['not_sure_rate_digits']:.2%}, "
          f"generated non-digits {result['not_sure_rate_nondigits']:.2%}")
    if "mnist_test_accuracy" in result:
        print(f"  MNIST test accuracy: {result['mnist_test_accuracy']:.2%}")
    if "real_nondigits" in result:
        r = result["real_nondigits"]
        by_split = ", ".join(f"{k} writers {v:.2%}" for k, v in r["not_sure_rate_by_split"].items())
        print(f"  real non-digits ({r['drawings']} drawings x {len(WIDTHS)} widths): not sure {r['not_sure_rate']:.2%}"
              f" ({by_split})")
        worst = sorted(r["not_sure_rate_by_char"].items(), key=lambda kv: kv[1])[:10]
        print("    least often 'not sure': " + ", ".join(f"{c!s} {v:.0%}" for c, v in worst))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
