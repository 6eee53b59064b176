"""The image model on held-out writers' digits made to look like bold scanned forms.

    python benchmarks/scanned_forms.py --data ../shared/data/pen-digits/unipen-dev.jsonl.gz \
        [--model models/digit.onnx] [--looks 3] [--json scanned.json] [--sheet scanned.png]

A picture of a filled-in form (``digitpad predict scan.png``) reaches the image model alone.
Every drawing of the test writers (digitpad.splits; never trained or tuned on) is given
``--looks`` scanned looks (digitpad.train.scanned: stretched to a box 0.5-1.7 as wide, a pen
0.12-0.3 of the digit's height, 14-44 scanner pixels high, binary), drawn with a fixed seed so
two models meet the very same images.  Prints accuracy, calibration error and the "not sure"
rate with the model's threshold, overall and by stretch, boldness and scan height.  No torch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.drawing import iter_jsonl  # noqa: E402
from digitpad.recognizer import Recognizer  # noqa: E402
from digitpad.splits import split_of  # noqa: E402
from digitpad.train.metrics import below_rate, ece  # noqa: E402
from digitpad.train.pen_cache import render_many  # noqa: E402
from digitpad.train.scanned import random_look  # noqa: E402

SEED = 4242  # the training renderings use seed 0 and their own stream


def buckets(values: np.ndarray, edges: tuple[float, ...], names: tuple[str, ...]) -> np.ndarray:
    return np.asarray(names)[np.digitize(values, edges)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="pen-digits .jsonl.gz with label and writer fields")
    ap.add_argument("--model", default=None, help="ONNX image model (default: the shipped models/digit.onnx)")
    ap.add_argument("--looks", type=int, default=3, help="scanned looks per drawing")
    ap.add_argument("--split", default="test", choices=("test", "val"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--sheet", help="write a PNG of the first 128 inputs as the model sees them")
    args = ap.parse_args(argv)

    drawings = [d for d in iter_jsonl(args.data) if d.label is not None and split_of(d.writer or "") == args.split]
    rng = np.random.default_rng(SEED)
    jobs, looks, labels = [], [], []
    for d in drawings:
        for _ in range(args.looks):
            look = random_look(rng)
            jobs.append((d, 16.0, look))
            looks.append(look)
            labels.append(d.label)
    frames = render_many(jobs, args.workers, "render scanned forms")
    rec = Recognizer(args.model)
    x = (frames.astype(np.float32) / 255.0)[:, None]
    probs = np.concatenate([rec.predict_batch(x[i : i + 1024]) for i in range(0, len(x), 1024)])
    y = np.asarray(labels)
    ok = probs.argmax(1) == y
    th = rec.not_sure_threshold
    result = {"model": str(args.model or "models/digit.onnx"), "writers": args.split, "drawings": len(drawings),
              "images": len(y), "accuracy": round(float(ok.mean()), 5), "ece": round(ece(probs, y), 5),
              "not_sure_rate": round(below_rate(probs.max(1), th), 5), "threshold": th, "by": {}}
    groups = {
        "stretch": buckets(np.asarray([lk.stretch for lk in looks]), (0.75, 1.33), ("narrow <0.75", "0.75-1.33",
                                                                                   "wide >1.33")),
        "bold": buckets(np.asarray([lk.bold for lk in looks]), (0.18, 0.24), ("0.12-0.18", "0.18-0.24",
                                                                             "0.24-0.30")),
        "height": buckets(np.asarray([lk.height for lk in looks]), (22, 32), ("14-21 px", "22-31 px", "32-44 px")),
        "digit": y.astype(str),
    }
    for name, g in groups.items():
        result["by"][name] = {k: {"images": int((g == k).sum()), "accuracy": round(float(ok[g == k].mean()), 5)}
                              for k in sorted(set(g.tolist()))}
    print(f"{result['model']}: {args.split} writers' {len(drawings)} digits x {args.looks} scanned looks: "
          f"accuracy {result['accuracy']:.2%}, ECE {result['ece']:.2%}, not sure {result['not_sure_rate']:.2%}")
    for name, rows in result["by"].items():
        print(f"  by {name}: " + ", ".join(f"{k} {v['accuracy']:.2%}" for k, v in rows.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.sheet:
        from pen_accuracy import contact_sheet  # the benchmarks' one contact sheet (this folder is on sys.path)

        n = min(128, len(frames))
        contact_sheet(list(frames[:n]), [f"{y[i]}>{probs[i].argmax()}" for i in range(n)], args.sheet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
