"""Re-calibrate and re-export a trained checkpoint without training again.

    python -m digitpad.train.calibrate --checkpoint digit.pt --data ../shared/data/mnist \
        --pen-cache .cache/pen.npz --out models/digit.onnx [--meta-from trained/digit.json]

Fits the temperature and the "not sure" threshold on the val writers (same code
as the end of ``python -m digitpad.train``), exports the ONNX model and writes
digit.json; training facts (command, device, seconds) are kept from --meta-from.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from digitpad.mnist import load_mnist
from digitpad.train.model import DigitNet
from digitpad.train.provenance import command_line
from digitpad.train.train import export_with_metadata, preprocess_all


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m digitpad.train.calibrate", description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", required=True, help="MNIST folder")
    ap.add_argument("--pen-cache", required=True)
    ap.add_argument("--out", default="models/digit.onnx")
    ap.add_argument("--meta-from", help="digit.json of the training run (training facts are copied)")
    ap.add_argument("--max-digit-not-sure", type=float, default=0.01)
    args = ap.parse_args(argv)
    ckpt = torch.load(args.checkpoint, map_location="cpu")
    net = DigitNet(ckpt["width"])
    net.load_state_dict(ckpt["state_dict"])
    images, labels = load_mnist(args.data, "test")
    x_test = preprocess_all(images, "preprocess MNIST test")
    with np.load(args.pen_cache) as z:
        pen = {k: z[k] for k in z.files}
    facts = {}
    if args.meta_from:
        old = json.loads(Path(args.meta_from).read_text(encoding="utf-8"))
        facts = {key: old[key] for key in ("training_seconds", "device", "torch", "command") if key in old}
    facts["recalibrated_by"] = command_line("python -m digitpad.train.calibrate",
                                            argv if argv is not None else sys.argv[1:])
    return export_with_metadata(net, pen, x_test, labels, Path(args.out), args.max_digit_not_sure, facts)


if __name__ == "__main__":
    raise SystemExit(main())
