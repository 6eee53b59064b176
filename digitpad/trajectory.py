"""The one trajectory preprocessor: a Drawing's strokes -> a fixed-length point sequence.

An image keeps where the ink is; the canvas also knows the order and direction
it was written in (a 1's lead-in rises from the lower left, a 7's bar starts at
the top left).  This module turns the strokes into what a sequence model reads,
the way :mod:`digitpad.preprocess` turns an image into the image model's input:
training, the window and the CLI call :func:`trajectory_features` and nothing else.

Recipe: all strokes, in writing order, are resampled to ``n`` points spaced equally
by arc length (every stroke gets at least one point while there are no more strokes
than points), then position and scale are normalised as the image preprocessor does
it: the centre of mass of the ink moves to (0, 0) and the longer side of the ink's
bounding box becomes 1 (aspect kept).  The length is fixed so that many drawings
(candidate digits of a number) stack into one (B, n, FEATURES) batch for one call.

Features per point (``FEATURES``): x, y (normalised, y down), dx, dy (step from the
previous point, the jump across a pen lift included), pen_up (1 where a new stroke
starts after a lift, else 0), cos, sin (the pen's direction of travel at the point,
within its stroke; 0, 0 for a lone dot).  numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from digitpad.drawing import Drawing

#: Bumped whenever the output of this module changes for any input (models record it).
TRAJECTORY_VERSION = 1
POINTS = 64
FEATURES = ("x", "y", "dx", "dy", "pen_up", "cos", "sin")


def _strokes(drawing: Drawing) -> list[np.ndarray]:
    return [np.asarray([(x, y) for x, y, *_ in s.points], np.float64) for s in drawing.strokes if s.points]


def _arc_length(p: np.ndarray) -> np.ndarray:
    """Cumulative length along a polyline, starting at 0."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))]) if len(p) > 1 else np.zeros(1)


def _allocate(lengths: np.ndarray, n: int) -> np.ndarray:
    """Points per stroke, proportional to length, summing to n; >= 1 each while strokes <= n
    (a dot or a short tick still shows up), else the shortest strokes get none."""
    k = len(lengths)
    total = float(lengths.sum())
    share = lengths / total if total > 0 else np.full(k, 1.0 / k)
    if k <= n:
        counts = 1 + np.floor(share * (n - k)).astype(int)
        rest = (share * (n - k)) - np.floor(share * (n - k))
    else:
        counts = np.floor(share * n).astype(int)
        rest = share * n - counts
    missing = n - int(counts.sum())
    counts[np.argsort(-rest, kind="stable")[:missing]] += 1
    return counts


def _resample(p: np.ndarray, count: int) -> np.ndarray:
    """``count`` points equally spaced by arc length from the first to the last point."""
    s = _arc_length(p)
    if count == 0:
        return np.zeros((0, 2))
    if s[-1] <= 0:
        return np.repeat(p[:1], count, axis=0)
    t = np.linspace(0.0, s[-1], count) if count > 1 else np.array([s[-1] / 2])
    return np.stack([np.interp(t, s, p[:, 0]), np.interp(t, s, p[:, 1])], axis=1)


def _directions(q: np.ndarray) -> np.ndarray:
    """Unit direction of travel at each point of one resampled stroke (central differences)."""
    if len(q) < 2:
        return np.zeros((len(q), 2))
    d = np.gradient(q, axis=0)
    norm = np.hypot(d[:, 0], d[:, 1])[:, None]
    return np.divide(d, norm, out=np.zeros_like(d), where=norm > 0)


def trajectory_features(drawing: Drawing, n: int = POINTS) -> np.ndarray | None:
    """(n, len(FEATURES)) float32 for a drawing with ink; None for a blank one (like ``preprocess``)."""
    if n < 2:
        raise ValueError(f"need at least 2 points, got {n}")
    strokes = _strokes(drawing)
    if not strokes:
        return None
    counts = _allocate(np.asarray([_arc_length(p)[-1] for p in strokes]), n)
    parts = [(_resample(p, c), c) for p, c in zip(strokes, counts) if c > 0]
    pts = np.concatenate([q for q, _ in parts])
    starts = np.cumsum([0] + [c for _, c in parts[:-1]])
    span = float(np.ptp(pts, axis=0).max())
    pts = (pts - pts.mean(axis=0)) / (span if span > 0 else 1.0)
    out = np.zeros((n, len(FEATURES)), np.float32)
    out[:, 0:2] = pts
    out[1:, 2:4] = np.diff(pts, axis=0)
    out[starts[1:], 4] = 1.0
    out[:, 5:7] = np.concatenate([_directions(pts[a : a + c]) for a, (_, c) in zip(starts, parts)])
    return out


def trajectory_batch(drawings: Sequence[Drawing], n: int = POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(B, n, FEATURES) float32 and a (B,) bool mask of drawings with ink (blank rows are zeros)."""
    batch = np.zeros((len(drawings), n, len(FEATURES)), np.float32)
    present = np.zeros(len(drawings), bool)
    for i, d in enumerate(drawings):
        f = trajectory_features(d, n)
        if f is not None:
            batch[i], present[i] = f, True
    return batch, present
