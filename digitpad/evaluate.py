"""Scoring the recognizer on labelled data, the way the app would see it.

Pure functions shared by `digitpad eval` and the benchmarks: drawings are
rendered with the app's renderer, images go through the one preprocessor,
strokes through the one trajectory preprocessor, and the batch goes to the same
DrawingRecognizer (image model, fused with the trajectory model) the window uses.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from digitpad.drawing import Drawing
from digitpad.drawing_recognizer import DrawingRecognizer
from digitpad.preprocess import preprocess
from digitpad.recognizer import Recognizer
from digitpad.render import DEFAULT_STROKE_WIDTH, render

BATCH = 512


@dataclass
class Report:
    labels: np.ndarray  # (N,) int
    probs: np.ndarray  # (N, 10)
    groups: list[str] = field(default_factory=list)  # writer per sample, "" if unknown

    @property
    def predicted(self) -> np.ndarray:
        return self.probs.argmax(axis=1)

    @property
    def accuracy(self) -> float:
        return float((self.predicted == self.labels).mean()) if len(self.labels) else 0.0

    def confusion(self) -> np.ndarray:
        """10x10 counts, rows = true digit, columns = predicted."""
        matrix = np.zeros((10, 10), dtype=np.int64)
        np.add.at(matrix, (self.labels, self.predicted), 1)
        return matrix

    def per_digit(self) -> dict[int, float]:
        m = self.confusion()
        return {d: float(m[d, d] / m[d].sum()) for d in range(10) if m[d].sum()}

    def per_group(self) -> dict[str, tuple[int, int]]:
        """writer -> (correct, total)."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for g, ok in zip(self.groups, self.predicted == self.labels):
            out[g][0] += int(ok)
            out[g][1] += 1
        return {g: (c, t) for g, (c, t) in out.items()}

    def worst_confusions(self, n: int = 5) -> list[tuple[int, int, int]]:
        """(true, predicted, count), most frequent mistakes first."""
        counts = Counter(
            (int(t), int(p)) for t, p in zip(self.labels, self.predicted) if t != p
        )
        return [(t, p, c) for (t, p), c in counts.most_common(n)]

    def expected_calibration_error(self, bins: int = 15) -> float:
        conf = self.probs.max(axis=1)
        correct = self.predicted == self.labels
        edges = np.linspace(0.0, 1.0, bins + 1)
        ece = 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            mask = (conf > lo) & (conf <= hi)
            if mask.any():
                ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
        return float(ece)

    def to_dict(self) -> dict:
        return {
            "count": int(len(self.labels)),
            "accuracy": self.accuracy,
            "per_digit": {str(d): a for d, a in self.per_digit().items()},
            "per_writer": {g: {"correct": c, "total": t} for g, (c, t) in sorted(self.per_group().items())},
            "confusion": self.confusion().tolist(),
            "worst_confusions": [{"true": t, "predicted": p, "count": c} for t, p, c in self.worst_confusions()],
            "ece": self.expected_calibration_error(),
        }


def model_inputs(drawings: Sequence[Drawing], width: float) -> np.ndarray:
    """(N, 1, 28, 28) as the app makes them: render at ``width``, the one preprocessor (a blank
    drawing gives zeros), so benchmarks and fits batch whole sets in one model call."""
    out = np.zeros((len(drawings), 1, 28, 28), np.float32)
    for i, d in enumerate(drawings):
        x = preprocess(render(d, width))
        if x is not None:
            out[i] = x[0]
    return out


def predict_inputs(recognizer: DrawingRecognizer | Recognizer, inputs: Iterable[np.ndarray | None],
                   drawings: Sequence[Drawing] | None = None) -> np.ndarray:
    """Model inputs (and, to fuse with the stroke model, the drawings they were rendered from)
    -> (N, 10) probabilities in batches; a blank image (None) gets a uniform row."""
    models = recognizer if isinstance(recognizer, DrawingRecognizer) else DrawingRecognizer(recognizer)
    inputs = list(inputs)
    probs = np.full((len(inputs), 10), 0.1, dtype=np.float32)
    present = [i for i, x in enumerate(inputs) if x is not None]
    for start in range(0, len(present), BATCH):
        idx = present[start : start + BATCH]
        probs[idx] = models.predict_batch(np.concatenate([inputs[i] for i in idx]),
                                          None if drawings is None else [drawings[i] for i in idx])[0]
    return probs


def evaluate_images(recognizer: DrawingRecognizer | Recognizer, images: Iterable[np.ndarray], labels: Iterable[int],
                    groups: Iterable[str] | None = None) -> Report:
    """Canvas images (ink bright) with labels -> Report (the image model alone: no strokes)."""
    labels = np.asarray(list(labels), dtype=np.int64)
    probs = predict_inputs(recognizer, (preprocess(img) for img in images))
    return Report(labels, probs, list(groups) if groups is not None else [""] * len(labels))


def evaluate_drawings(recognizer: DrawingRecognizer | Recognizer, drawings: list[Drawing],
                      width: float = DEFAULT_STROKE_WIDTH) -> Report:
    """Labelled drawings rendered at `width` (where a stroke gives none), and their strokes -> Report.
    A plain Recognizer scores the image model alone."""
    labelled = [d for d in drawings if d.label is not None]
    probs = predict_inputs(recognizer, (preprocess(render(d, width)) for d in labelled), labelled)
    return Report(np.asarray([d.label for d in labelled], np.int64), probs, [d.writer or "" for d in labelled])
