"""Stroke-level augmentation for the trajectory model (numpy only, no torch, no Qt).

An image model can be taught a form by any picture of it; a trajectory model also
has to see the order and direction real writers use.  These functions change a
Drawing's strokes the way hands differ: slant, rotation and aspect (via
:func:`digitpad.train.jitter.jitter_drawing`), the tablet's sampling rate and speed
(:func:`resample_jitter`), and the forms issue 12 names, each in the writing
direction people use and sometimes the other way round: the 1 with a long lead-in
rising from the lower left (in the stem's stroke or as a separate first stroke),
zeros crossed by a slash or a bar, and the crossed seven.
"""

from __future__ import annotations

import numpy as np

from digitpad.drawing import Drawing, Stroke
from digitpad.train.jitter import jitter_drawing
from digitpad.train.pen_cache import continental_form


def _line(p0, p1, n: int = 10) -> list[tuple[float, float, float]]:
    return [(float(p0[0] + (p1[0] - p0[0]) * t), float(p0[1] + (p1[1] - p0[1]) * t), 1.0)
            for t in np.linspace(0.0, 1.0, n)]


def _ink(d: Drawing) -> np.ndarray:
    return np.asarray([(x, y) for s in d.strokes for x, y, _ in s.points], np.float64).reshape(-1, 2)


def _with(d: Drawing, strokes: list[Stroke]) -> Drawing:
    return Drawing(width=d.width, height=d.height, strokes=strokes, extra=dict(d.extra))


def resample_jitter(d: Drawing, rng: np.random.Generator) -> Drawing:
    """Each stroke re-sampled at a random density with an uneven pen speed: tablets sample at
    50-200 points per second and people slow down in curves, so the raw point spacing carries
    nothing a model should rely on."""
    strokes = []
    for s in d.strokes:
        p = np.asarray([(x, y) for x, y, _ in s.points], np.float64)
        if len(p) < 3:
            strokes.append(s)
            continue
        seg = np.hypot(*np.diff(p, axis=0).T)
        arc = np.concatenate([[0.0], np.cumsum(seg)])
        if arc[-1] <= 0:
            strokes.append(s)
            continue
        m = max(2, int(round(len(p) * float(np.exp(rng.uniform(-1.0, 0.7))))))
        steps = rng.uniform(0.4, 1.6, m - 1)  # uneven speed along the stroke
        t = np.concatenate([[0.0], np.cumsum(steps)])
        t = t / t[-1] * arc[-1]
        q = np.stack([np.interp(t, arc, p[:, 0]), np.interp(t, arc, p[:, 1])], 1)
        pressure = float(s.points[0][2])
        strokes.append(Stroke(points=[(float(x), float(y), pressure) for x, y in q], width=s.width))
    return _with(d, strokes)


def lead_in_one(d: Drawing, rng: np.random.Generator) -> Drawing:
    """A 1 with a lead-in: a flag rising from the lower left to the top of the stem, 40-90 % of
    the stem's length, 15-70 degrees above the horizontal, drawn in the stem's stroke (then down
    the stem) or as a separate first stroke."""
    pts = _ink(d)
    if d.label != 1 or len(pts) < 2:
        return d
    top = pts[np.argmin(pts[:, 1])]
    h = max(float(np.ptp(pts[:, 1])), 1.0)
    length = h * rng.uniform(0.4, 0.9)
    a = np.radians(rng.uniform(15.0, 70.0))
    start = (top[0] - length * np.cos(a), top[1] + length * np.sin(a))
    flag = _line(start, top, 12)
    first = d.strokes[0]
    strokes = list(d.strokes)
    starts_at_top = np.hypot(first.points[0][0] - top[0], first.points[0][1] - top[1]) < 0.25 * h
    if starts_at_top and rng.random() < 0.6:  # one stroke: up the flag, down the stem
        strokes[0] = Stroke(points=flag[:-1] + list(first.points), width=first.width)
    else:
        strokes.insert(0, Stroke(points=flag, width=first.width))
    return _with(d, strokes)


def crossed_zero(d: Drawing, rng: np.random.Generator) -> Drawing:
    """A zero crossed by a slash that may overshoot the ring (up from the lower left or down from
    the upper right) or by a horizontal bar (short or long, left to right mostly); the crossing
    stroke usually comes after the ring."""
    pts = _ink(d)
    if d.label != 0 or len(pts) < 2:
        return d
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    if rng.random() < 0.55:  # slash
        over = rng.uniform(-0.1, 0.5)
        a = (x0 - w * over, y1 + h * over * rng.uniform(0.3, 1.0))
        b = (x1 + w * over, y0 - h * over * rng.uniform(0.3, 1.0))
        p0, p1 = (a, b) if rng.random() < 0.7 else (b, a)
    else:  # horizontal bar through the middle
        ym = y0 + h * rng.uniform(0.4, 0.6)
        over = w * rng.uniform(-0.1, 0.8)
        a = (x0 - over, ym + rng.normal(0, 0.03 * h))
        b = (x1 + over * rng.uniform(0.5, 1.0), ym + rng.normal(0, 0.03 * h))
        p0, p1 = (a, b) if rng.random() < 0.85 else (b, a)
    bar = Stroke(points=_line(p0, p1), width=d.strokes[0].width)
    strokes = list(d.strokes) + [bar] if rng.random() < 0.85 else [bar] + list(d.strokes)
    return _with(d, strokes)


def crossed_seven(d: Drawing, rng: np.random.Generator) -> Drawing:
    """A seven with a bar across the middle of its stem, drawn after it, mostly left to right."""
    pts = _ink(d)
    if d.label != 7 or len(pts) < 2:
        return d
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    ym = y0 + h * rng.uniform(0.4, 0.65)
    a = (x0 + w * rng.uniform(0.0, 0.4), ym)
    b = (x0 + w * rng.uniform(0.7, 1.1), ym + rng.normal(0, 0.04 * h))
    p0, p1 = (a, b) if rng.random() < 0.85 else (b, a)
    return _with(d, list(d.strokes) + [Stroke(points=_line(p0, p1), width=d.strokes[0].width)])


FORMS = {0: crossed_zero, 1: lead_in_one, 7: crossed_seven}


def augment(d: Drawing, rng: np.random.Generator, form_rate: float = 0.3) -> Drawing:
    """One random variant: maybe a world form (lead-in 1, crossed 0/7, or the image recipe's flag,
    base and curled-tail forms), then slant/rotation/aspect/point noise, then resampling."""
    if d.label in FORMS and rng.random() < form_rate:
        d = FORMS[d.label](d, rng) if rng.random() < 0.7 else continental_form(d, rng)
    elif d.label == 9 and rng.random() < form_rate * 0.5:
        d = continental_form(d, rng)
    d = jitter_drawing(d, rng, strength=float(rng.uniform(0.3, 1.6)))
    if rng.random() < 0.8:
        d = resample_jitter(d, rng)
    return d
