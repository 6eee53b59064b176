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
from itertools import chain

import numpy as np

from digitpad.drawing import Drawing

#: Bumped whenever the output of this module changes for any input (models record it).  The
#: one-pass computation gives the stroke-by-stroke recipe's output up to float rounding (1e-14 on
#: every pen and generated drawing), so the version stayed 1.
TRAJECTORY_VERSION = 1
POINTS = 64
FEATURES = ("x", "y", "dx", "dy", "pen_up", "cos", "sin")


def _allocate(lengths: np.ndarray, n: int) -> np.ndarray:
    """Points per stroke, proportional to length, summing to n; >= 1 each while strokes <= n
    (a dot or a short tick still shows up), else the shortest strokes get none."""
    k = len(lengths)
    total = float(lengths.sum())
    share = lengths / total if total > 0 else np.full(k, 1.0 / k)
    if k <= n:
        scaled = share * (n - k)
        whole = np.floor(scaled)
        counts = 1 + whole.astype(int)
        rest = scaled - whole
    else:
        counts = np.floor(share * n).astype(int)
        rest = share * n - counts
    missing = n - int(counts.sum())
    counts[np.argsort(-rest, kind="stable")[:missing]] += 1
    return counts


def _xy(strokes: list) -> np.ndarray:
    """(points, 2) float64 positions of all strokes (lists of points) in writing order.  The points
    are (x, y, pressure) tuples (drawing.py makes them so); one flat ``fromiter`` of those reads
    them about three times faster than a comprehension unpacking every point, which stays for
    other shapes."""
    if set(map(len, chain.from_iterable(strokes))) == {3}:
        return np.fromiter(chain.from_iterable(chain.from_iterable(strokes)), np.float64).reshape(-1, 3)[:, :2]
    return np.asarray([(x, y) for s in strokes for x, y, *_ in s], np.float64)


def trajectory_features(drawing: Drawing, n: int = POINTS) -> np.ndarray | None:
    """(n, len(FEATURES)) float32 for a drawing with ink; None for a blank one (like ``preprocess``).

    All strokes are handled in one pass of array operations (a 20-stroke drawing costs about
    what a 1-stroke one does): each stroke's arc length is laid on one increasing axis, the
    strokes one unit apart, so a single interpolation resamples every stroke.  It runs on every
    pen-up, and the overhead of each numpy call on these small arrays is most of its cost, so
    the calls are few."""
    if n < 2:
        raise ValueError(f"need at least 2 points, got {n}")
    strokes = [s.points for s in drawing.strokes if s.points]
    if not strokes:
        return None
    k = len(strokes)
    sizes = np.fromiter(map(len, strokes), np.int64, k)
    p = _xy(strokes)
    first = np.cumsum(sizes) - sizes  # index of each stroke's first point
    step_xy = p[1:] - p[:-1]
    seg = np.hypot(step_xy[:, 0], step_xy[:, 1])
    seg[first[1:] - 1] = 0.0  # no length across a pen lift
    arc = np.zeros(len(p))
    np.cumsum(seg, out=arc[1:])
    # Each stroke's length summed within the stroke, so equal strokes get equal lengths and the
    # allocation's ties stay ties (a difference of arc values would carry the strokes before).
    lined = sizes > 1
    if lined.all():
        lengths = np.add.reduceat(seg, first)
    else:
        lengths = np.zeros(k)
        if lined.any():
            lengths[lined] = np.add.reduceat(seg, first[lined])
    counts = _allocate(lengths, n)
    number = np.arange(k)
    axis = arc + np.repeat(number, sizes)  # strokes one unit apart on one increasing axis
    which = np.repeat(number, counts)  # stroke of every output point
    begins = np.cumsum(counts) - counts
    idx = np.arange(n)
    step = idx - begins[which]  # its index within the stroke
    c = counts[which]
    a0 = arc[first[which]]
    a1 = arc[(first + sizes - 1)[which]]  # the stroke's last point
    frac = np.where(c > 1, step / np.maximum(c - 1, 1), 0.5)
    t = a0 + (a1 - a0) * frac + which
    pts = np.empty((n, 2))
    pts[:, 0] = np.interp(t, axis, p[:, 0])
    pts[:, 1] = np.interp(t, axis, p[:, 1])
    if not lengths.all():  # a dot stays exactly one point (no direction from rounding noise)
        dot = lengths[which] <= 0
        pts[dot] = p[first[which[dot]]]
    span = float((pts.max(axis=0) - pts.min(axis=0)).max())
    pts = (pts - pts.sum(axis=0) / n) / (span if span > 0 else 1.0)
    out = np.zeros((n, len(FEATURES)), np.float32)
    out[:, 0:2] = pts
    out[1:, 2:4] = pts[1:] - pts[:-1]
    out[begins[counts > 0][1:], 4] = 1.0  # a stroke given no points (more strokes than points) starts nothing
    # Direction of travel within the stroke: central differences, one-sided at its ends (np.gradient).
    prev = idx - (step > 0)
    nxt = idx + (step < c - 1)
    d = (pts[nxt] - pts[prev]) / np.maximum(nxt - prev, 1)[:, None]
    norm = np.hypot(d[:, 0], d[:, 1])[:, None]
    out[:, 5:7] = np.divide(d, norm, out=np.zeros_like(d), where=norm > 0)
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
