"""Image model alone, trajectory model alone and the two fused, on held-out pen writers.

    python benchmarks/trajectory_accuracy.py --data ../shared/data/pen-digits/unipen-dev.jsonl.gz \
        --real-nondigits ../shared/data/pen-nondigits/unipen-nondigits-dev.jsonl.gz [--json out.json]

Every drawing of the test writers (digitpad.splits) is rendered at 8, 16 and 28 px
with the app's renderer and preprocessor for the image model; the trajectory model
reads its strokes through digitpad.trajectory (width plays no part there).  Prints
accuracy per width, expected calibration error (15 bins, widths pooled) and the
"not sure" rate of real digits for each of the three, each with its own threshold
(models/digit.json, models/trajectory.json and its ``fusion`` entry), then the
"not sure" rates of generated non-digits and, with --real-nondigits, of real pen
letters and symbols (all writers and the test writers).  No torch.
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
from digitpad.fusion import FusionParams, fuse  # noqa: E402
from digitpad.recognizer import Recognizer  # noqa: E402
from digitpad.splits import split_of  # noqa: E402
from digitpad.train.fusion_fit import WIDTHS, both_probs  # noqa: E402
from digitpad.train.metrics import below_rate, ece  # noqa: E402
from digitpad.train.nondigits import make_nondigits  # noqa: E402
from digitpad.trajectory_recognizer import TrajectoryRecognizer  # noqa: E402

NONDIGIT_SEED = 777  # as benchmarks/pen_accuracy.py


def three_ways(drawings, image, trajectory, params):
    ip, tp = both_probs(drawings, image, trajectory)
    return {"image": ip, "trajectory": tp, "fused": fuse(ip, tp, params)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--image-model", default=None)
    ap.add_argument("--trajectory-model", default=None)
    ap.add_argument("--split", default="test", choices=("test", "val", "train"))
    ap.add_argument("--nondigits", type=int, default=1500)
    ap.add_argument("--real-nondigits", metavar="FILE")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    started = time.time()
    image, trajectory = Recognizer(args.image_model), TrajectoryRecognizer(args.trajectory_model)
    params = FusionParams.from_metadata(trajectory.metadata)
    if params is None:
        print(f"error: {trajectory.path.with_suffix('.json')} has no 'fusion' entry "
              "(python -m digitpad.train.fusion_fit)", file=sys.stderr)
        return 2
    thresholds = {"image": image.not_sure_threshold,
                  "trajectory": float(trajectory.metadata.get("not_sure_threshold", 0.6)),
                  "fused": params.not_sure_threshold}
    drawings = [d for d in iter_jsonl(args.data)
                if d.label is not None and d.strokes and split_of(d.writer or "") == args.split]
    labels = np.tile(np.asarray([d.label for d in drawings]), len(WIDTHS))
    widths = np.repeat(np.asarray(WIDTHS), len(drawings))
    probs = three_ways(drawings, image, trajectory, params)
    result: dict = {"writers": args.split, "drawings": len(drawings), "thresholds": thresholds,
                    "fusion": {"image_weight": params.image_weight, "temperature": params.temperature}}
    for name, p in probs.items():
        ok = p.argmax(1) == labels
        result[name] = {
            "accuracy_by_width": {str(w): round(float(ok[widths == w].mean()), 5) for w in WIDTHS},
            "ece": round(ece(p, labels), 5),
            "not_sure_rate_digits": round(below_rate(p.max(1), thresholds[name]), 5),
        }
    nd = make_nondigits(args.nondigits, NONDIGIT_SEED)
    nd_probs = three_ways(nd, image, trajectory, params)
    for name, p in nd_probs.items():
        result[name]["not_sure_rate_generated_nondigits"] = round(below_rate(p.max(1), thresholds[name]), 5)
    if args.real_nondigits:
        real = [d for d in iter_jsonl(args.real_nondigits) if d.strokes]
        test = np.tile(np.asarray([split_of(d.writer or "") == "test" for d in real]), len(WIDTHS))
        chars = np.tile(np.asarray([str(d.extra.get("label", "")) for d in real]), len(WIDTHS))
        for name, p in three_ways(real, image, trajectory, params).items():
            unsure = p.max(1) < thresholds[name]
            result[name]["not_sure_rate_real_nondigits"] = round(float(unsure.mean()), 5)
            result[name]["not_sure_rate_real_nondigits_test_writers"] = round(float(unsure[test].mean()), 5)
            result[name]["real_nondigits_least_not_sure"] = {
                c: round(float(unsure[chars == c].mean()), 3)
                for c in sorted(set(chars.tolist()), key=lambda c: float(unsure[chars == c].mean()))[:8]}
    result["seconds"] = round(time.time() - started, 1)

    print(f"{len(drawings)} drawings of the {args.split} writers, widths {list(WIDTHS)}; fusion w = "
          f"{params.image_weight:g}, T = {params.temperature:g}")
    print(f"{'':12} {'8 px':>8} {'16 px':>8} {'28 px':>8} {'ECE':>7} {'digits ns':>10} {'gen. nd ns':>11}"
          + (f" {'real nd ns':>11} {'(test wr.)':>11}" if args.real_nondigits else ""))
    for name in probs:
        r = result[name]
        line = (f"{name:12} " + " ".join(f"{r['accuracy_by_width'][str(w)]:8.2%}" for w in WIDTHS)
                + f" {r['ece']:7.2%} {r['not_sure_rate_digits']:10.2%} {r['not_sure_rate_generated_nondigits']:11.2%}")
        if args.real_nondigits:
            line += f" {r['not_sure_rate_real_nondigits']:11.2%} {r['not_sure_rate_real_nondigits_test_writers']:11.2%}"
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
