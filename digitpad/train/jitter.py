"""Trajectory jitter for pen drawings (numpy only): random affine about the ink centre + smooth noise."""

from __future__ import annotations

import numpy as np

from digitpad.drawing import Drawing, Stroke


def jitter_drawing(d: Drawing, rng: np.random.Generator, strength: float = 1.0) -> Drawing:
    """A copy of the drawing with rotation, shear, aspect change and small smooth point noise."""
    pts = [np.asarray([(x, y) for x, y, _ in s.points], dtype=np.float64) for s in d.strokes if s.points]
    if not pts:
        return d
    allp = np.concatenate(pts)
    c = allp.mean(0)
    a = rng.normal(0, 0.12 * strength)
    sh = rng.normal(0, 0.18 * strength)
    sx, sy = np.exp(rng.normal(0, 0.12 * strength, 2))
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.array([[1, sh], [0, 1]]) @ np.diag([sx, sy])
    span = float(np.ptp(allp, axis=0).max()) or 1.0
    strokes = []
    for s, p in zip([s for s in d.strokes if s.points], pts):
        q = (p - c) @ m.T + c
        noise = rng.normal(0, 0.006 * span * strength, q.shape)
        if len(q) > 4:  # smooth noise: neighbouring points move together
            k = np.ones(3) / 3
            noise = np.stack([np.convolve(noise[:, i], k, mode="same") for i in range(2)], 1)
        q = q + noise
        strokes.append(Stroke(points=[(float(x), float(y), pr) for (x, y), (_, _, pr) in zip(q, s.points)], width=s.width))
    # keep the ink on the canvas (shift, then shrink if needed)
    allq = np.concatenate([np.asarray([(x, y) for x, y, _ in s.points]) for s in strokes])
    lo, hi = allq.min(0), allq.max(0)
    size = np.array([d.width, d.height], dtype=np.float64)
    scale = min(1.0, float(((size - 10) / np.maximum(hi - lo, 1e-6)).min()))
    off = np.clip(lo, 5, None) - lo
    off = np.where(hi + off > size - 5, size - 5 - hi, off)
    final = []
    for s in strokes:
        p = np.asarray([(x, y) for x, y, _ in s.points])
        if scale < 1.0:
            p = (p - lo) * scale + 5
        else:
            p = p + off
        p = np.clip(p, 0, size - 1)
        final.append(Stroke(points=[(float(x), float(y), pr) for (x, y), (_, _, pr) in zip(p, s.points)], width=s.width))
    return Drawing(width=d.width, height=d.height, strokes=final, extra=dict(d.extra))
