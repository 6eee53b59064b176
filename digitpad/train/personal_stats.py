"""python -m digitpad.train.personal_stats --data PEN.jsonl.gz [--image-model M] [--trajectory-model T]

Computes models/personal.npz, the whitening :mod:`digitpad.personal` measures distances
in: for the image features and for image + trajectory features, the within-digit
covariance of the training writers' unit-length pooled features (each drawing rendered
at one of 8, 16 and 28 px by the app's renderer and preprocessor), shrunk 10 % towards
its mean variance, and its inverse square root (float16: distances need no more).  Stores the sha256 of both models, so a
new model means a new file.  numpy + onnxruntime + PySide6 (rendering); no torch.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from digitpad.drawing import iter_jsonl
from digitpad.evaluate import model_inputs
from digitpad.files import sha256_file
from digitpad.personal import STATS_FILE, unit_rows
from digitpad.recognizer import Recognizer
from digitpad.splits import split_of
from digitpad.trajectory import trajectory_batch
from digitpad.trajectory_recognizer import TrajectoryRecognizer

WIDTHS = (8, 16, 28)
SHRINK = 0.1
BATCH = 512


def whitening(features: np.ndarray, labels: np.ndarray, shrink: float = SHRINK) -> tuple[np.ndarray, np.ndarray]:
    """(centre, whitening matrix) of unit-length features from their within-digit covariance."""
    f = unit_rows(features)
    means = np.stack([f[labels == c].mean(0) for c in range(10)])
    residual = f - means[labels]
    cov = residual.T @ residual / len(f)
    d = cov.shape[0]
    cov = (1 - shrink) * cov + shrink * np.trace(cov) / d * np.eye(d)
    values, vectors = np.linalg.eigh(cov)
    return means.mean(0), vectors / np.sqrt(values)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m digitpad.train.personal_stats", description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="pen-digits .jsonl.gz (its train writers are used)")
    ap.add_argument("--image-model", default=None, help="default: the shipped models/digit.onnx")
    ap.add_argument("--trajectory-model", default=None, help="default: models/trajectory.onnx")
    args = ap.parse_args(argv)
    image = Recognizer(args.image_model)
    trajectory = TrajectoryRecognizer(args.trajectory_model)
    drawings = [d for d in iter_jsonl(args.data)
                if d.label is not None and d.strokes and split_of(d.writer or "") == "train"]
    labels = np.asarray([d.label for d in drawings])
    inputs = np.concatenate([model_inputs(drawings[i::len(WIDTHS)], w) for i, w in enumerate(WIDTHS)])
    labels = np.concatenate([labels[i::len(WIDTHS)] for i in range(len(WIDTHS))])
    order = np.concatenate([np.arange(len(drawings))[i::len(WIDTHS)] for i in range(len(WIDTHS))])
    image_features = np.concatenate([image.predict_with_features(inputs[i:i + BATCH])[1]
                                     for i in range(0, len(inputs), BATCH)])
    traj, _ = trajectory_batch(drawings)
    traj_features = np.concatenate([trajectory.predict_batch(traj[i:i + BATCH])[1]
                                    for i in range(0, len(traj), BATCH)])[order]
    image_center, image_whiten = whitening(image_features, labels)
    fused_center, fused_whiten = whitening(np.hstack([image_features, traj_features]), labels)
    out = image.path.with_name(STATS_FILE)
    with open(out, "wb") as fh:
        np.savez_compressed(
            fh, image_center=image_center.astype(np.float32), image_whiten=image_whiten.astype(np.float16),
            fused_center=fused_center.astype(np.float32), fused_whiten=fused_whiten.astype(np.float16),
            image_model_sha256=np.array(sha256_file(image.path)),
            trajectory_model_sha256=np.array(sha256_file(trajectory.path)),
            fitted_on=np.array(f"train writers' drawings ({len(drawings)}), one of widths {list(WIDTHS)} each; "
                               f"shrink {SHRINK}; command: python -m digitpad.train.personal_stats "
                               + " ".join(argv if argv is not None else sys.argv[1:])),
        )
    print(f"{out}: {len(drawings)} drawings, {out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
