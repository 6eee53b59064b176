"""The per-answer hot paths give exactly what their plain versions give.

preprocess, trajectory_features and probability_problem run on every pen-up, so they are
written for speed (Pillow's C passes instead of numpy reductions over the canvas, few numpy
calls on small arrays, an accept-fast check).  Each is compared here, bit for bit, with the
plain implementation it replaced, kept below as the reference, on many random inputs: the
models were trained on, and calibrated for, exactly those numbers.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from PIL import Image

from digitpad.drawing import Drawing, Stroke
from digitpad.fusion import FLOOR, FusionParams, fuse, fused_logits
from digitpad.preprocess import BOX, FRAME, _centred_offset, ink_bbox, preprocess
from digitpad.recognizer import SUM_TOLERANCE, probability_problem
from digitpad.render import render
from digitpad.trajectory import FEATURES, _allocate, trajectory_features

# ---------------------------------------------------------------- plain references


def plain_ink_bbox(image: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(image.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(image[rows[0] : rows[-1] + 1].any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def plain_preprocess(image: np.ndarray) -> np.ndarray | None:
    box = plain_ink_bbox(image)
    if box is None:
        return None
    top, bottom, left, right = box
    crop = image[top:bottom, left:right].astype(np.float32)
    h, w = crop.shape
    scale = BOX / max(h, w)
    new_h = max(1, min(BOX, int(round(h * scale))))
    new_w = max(1, min(BOX, int(round(w * scale))))
    small = np.array(Image.fromarray(crop).resize((new_w, new_h), Image.Resampling.BOX), dtype=np.float32)
    peak = float(small.max())
    if peak > 0 and peak < crop.max() * 0.5:
        small *= crop.max() / peak
    np.clip(small, 0.0, 255.0, out=small)
    mass = small.sum()
    ys, xs = np.indices(small.shape, dtype=np.float32)
    cy = float((ys * small).sum() / mass)
    cx = float((xs * small).sum() / mass)
    oy = _centred_offset(cy, new_h)
    ox = _centred_offset(cx, new_w)
    frame = np.zeros((FRAME, FRAME), dtype=np.float32)
    frame[oy : oy + new_h, ox : ox + new_w] = small
    return (frame / 255.0).reshape(1, 1, FRAME, FRAME).astype(np.float32, copy=False)


def plain_trajectory_features(drawing: Drawing, n: int) -> np.ndarray | None:
    sizes = np.array([len(s.points) for s in drawing.strokes if s.points], dtype=np.int64)
    if not len(sizes):
        return None
    p = np.asarray([(x, y) for s in drawing.strokes for x, y, *_ in s.points], np.float64)
    k = len(sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    last = first + sizes - 1
    seg = np.hypot(*np.diff(p, axis=0).T)
    seg[first[1:] - 1] = 0.0
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    lengths = np.zeros(k)
    lined = sizes > 1
    if lined.any():
        lengths[lined] = np.add.reduceat(seg, first[lined])
    counts = _allocate(lengths, n)
    axis = arc + np.repeat(np.arange(k), sizes)
    which = np.repeat(np.arange(k), counts)
    step = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    c = counts[which]
    a0, a1 = arc[first[which]], arc[last[which]]
    frac = np.where(c > 1, step / np.maximum(c - 1, 1), 0.5)
    t = a0 + (a1 - a0) * frac + which
    pts = np.stack([np.interp(t, axis, p[:, 0]), np.interp(t, axis, p[:, 1])], axis=1)
    dot = lengths[which] <= 0
    pts[dot] = p[first[which[dot]]]
    span = float(np.ptp(pts, axis=0).max())
    pts = (pts - pts.mean(axis=0)) / (span if span > 0 else 1.0)
    out = np.zeros((n, len(FEATURES)), np.float32)
    out[:, 0:2] = pts
    out[1:, 2:4] = np.diff(pts, axis=0)
    starts = np.flatnonzero(step == 0)
    out[starts[1:], 4] = 1.0
    idx = np.arange(n)
    prev = np.where(step > 0, idx - 1, idx)
    nxt = np.where(step < c - 1, idx + 1, idx)
    d = (pts[nxt] - pts[prev]) / np.maximum(nxt - prev, 1)[:, None]
    norm = np.hypot(d[:, 0], d[:, 1])[:, None]
    out[:, 5:7] = np.divide(d, norm, out=np.zeros_like(d), where=norm > 0)
    return out


def plain_probability_problem(probs: np.ndarray) -> str | None:
    if not np.all(np.isfinite(probs)):
        return "NaN or infinite values"
    if probs.size and float(probs.min()) < 0.0:
        return f"negative values (min {float(probs.min()):.4g})"
    sums = probs.sum(axis=1, dtype=np.float64)
    worst = int(np.argmax(np.abs(sums - 1.0))) if len(sums) else 0
    if len(sums) and abs(sums[worst] - 1.0) > SUM_TOLERANCE:
        return f"a row sums to {sums[worst]:.6g}, not 1"
    return None


def plain_fused_logits(image_probs: np.ndarray, trajectory_probs: np.ndarray, image_weight: float) -> np.ndarray:
    li = np.log(np.clip(np.asarray(image_probs, np.float64), FLOOR, None))
    lt = np.log(np.clip(np.asarray(trajectory_probs, np.float64), FLOOR, None))
    return image_weight * li + (1.0 - image_weight) * lt


# ---------------------------------------------------------------- random inputs


def random_drawing(rng: np.random.Generator, max_strokes: int = 25, side: int = 560) -> Drawing:
    """Random walks, dots (one point or many equal points) and integer grids (repeated points)."""
    strokes = []
    for _ in range(int(rng.integers(1, max_strokes + 1))):
        m = int(rng.integers(1, 30))
        kind = int(rng.integers(0, 5))
        if kind == 0:
            pts = np.repeat(rng.uniform(0, side, (1, 2)), m, axis=0)
        elif kind == 1:
            pts = np.round(rng.uniform(0, side / 10, (m, 2)))
        else:
            pts = rng.uniform(0, side, (1, 2)) + np.cumsum(rng.normal(0, rng.uniform(1, 40), (m, 2)), axis=0)
        strokes.append(Stroke([(float(x), float(y), 1.0) for x, y in pts], width=float(rng.uniform(0.5, 40))))
    return Drawing(side, side, strokes)


def random_images(seed: int, count: int):
    """Rendered drawings of any canvas size, sparse noise, thin slivers (the fade-guard path),
    dense noise, and non-contiguous views."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        kind = i % 5
        if kind == 0:
            d = random_drawing(rng, side=int(rng.integers(20, 900)))
            yield render(d)
        elif kind == 1:
            shape = (int(rng.integers(1, 300)), int(rng.integers(1, 300)))
            yield ((rng.random(shape) < rng.uniform(0, 0.05)) * rng.integers(1, 256, shape)).astype(np.uint8)
        elif kind == 2:
            img = np.zeros((int(rng.integers(1, 1500)), int(rng.integers(1, 1500))), np.uint8)
            y0, x0 = int(rng.integers(0, img.shape[0])), int(rng.integers(0, img.shape[1]))
            img[y0 : y0 + int(rng.integers(1, 40)), x0 : x0 + int(rng.integers(1, 1500))] = rng.integers(1, 256)
            yield img if i % 2 else img.T  # a transposed view (Fortran order) too
        elif kind == 3:
            yield rng.integers(0, 256, (int(rng.integers(1, 100)), int(rng.integers(1, 100))), dtype=np.uint8)
        else:
            big = render(random_drawing(rng, side=int(rng.integers(40, 700))))
            yield big[::2, 1::3]  # strided: Pillow copies it, numpy reads it in place


# ---------------------------------------------------------------- the comparisons


def test_preprocess_is_bit_identical_to_the_plain_numpy_recipe():
    n = 0
    for img in random_images(seed=12, count=400):
        assert ink_bbox(img) == plain_ink_bbox(img)
        new, ref = preprocess(img), plain_preprocess(img)
        assert (new is None) == (ref is None)
        if ref is not None:
            n += 1
            assert new.dtype == ref.dtype and new.shape == ref.shape
            assert np.array_equal(new, ref), f"differs by {np.abs(new - ref).max()} on shape {img.shape}"
    assert n > 300


def test_preprocess_sliver_guard_and_blank_match_the_plain_recipe():
    """The fade guard reads the crop's maximum only when the peak is low; it still fires as before."""
    for value in (1, 7, 128, 200, 255):
        for shape in ((3, 1000), (1000, 3), (1, 25), (2, 2)):
            img = np.zeros((shape[0] + 4, shape[1] + 4), np.uint8)
            img[2 : 2 + shape[0], 2 : 2 + shape[1]] = value
            img[2, 2] = 255  # the crop's maximum elsewhere than the average
            assert np.array_equal(preprocess(img), plain_preprocess(img))
    assert preprocess(np.zeros((560, 560), np.uint8)) is None and ink_bbox(np.zeros((3, 3), np.uint8)) is None


@pytest.mark.parametrize("max_strokes", [3, 25, 90])
def test_trajectory_features_are_bit_identical_to_the_plain_one_pass(max_strokes):
    rng = np.random.default_rng(max_strokes)
    for _ in range(150):
        d = random_drawing(rng, max_strokes)
        for n in (2, 3, 16, 64):  # 90 strokes into 64 or fewer points: some strokes get none
            assert np.array_equal(trajectory_features(d, n), plain_trajectory_features(d, n))


def test_trajectory_features_read_points_of_any_shape():
    """(x, y) pairs, (x, y, p) tuples and lists mixed: the general reader gives the same numbers."""
    pairs = Drawing(280, 280, [Stroke([(10.0, 20.0), (50.0, 80.0), (90.0, 30.0)]),  # type: ignore[list-item]
                               Stroke([[40.0, 40.0, 0.5], (60.0, 70.0, 1.0)])])  # type: ignore[list-item]
    triples = Drawing(280, 280, [Stroke([(10.0, 20.0, 1.0), (50.0, 80.0, 1.0), (90.0, 30.0, 1.0)]),
                                 Stroke([(40.0, 40.0, 0.5), (60.0, 70.0, 1.0)])])
    assert np.array_equal(trajectory_features(pairs), trajectory_features(triples))
    assert np.array_equal(trajectory_features(pairs), plain_trajectory_features(pairs, 64))
    assert trajectory_features(Drawing(280, 280, [Stroke([]), Stroke([])])) is None


def test_probability_problem_says_what_the_plain_checks_say():
    rng = np.random.default_rng(3)
    good = rng.dirichlet(np.ones(10), size=(5,)).astype(np.float32)
    cases = [good, good[:0], np.zeros((0, 10), np.float32), good * 1.0005, good * 1.01, good * 100]
    for bad in (math.nan, math.inf, -math.inf, -1e-3, -0.5, 2.0):
        for row, col in ((0, 0), (4, 9)):
            p = good.copy()
            p[row, col] = bad
            cases.append(p)
    shifted = good.copy()
    shifted[0, :2] += np.float32([-0.25, 0.25])  # sums to 1 but a value is negative
    cases += [shifted, np.full((2, 10), np.inf, np.float32), np.array([[np.inf, -np.inf] + [0.0] * 8], np.float32)]
    for p in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "invalid value" from summing inf and -inf
            new = probability_problem(p)
        assert new == plain_probability_problem(p)
    assert probability_problem(good) is None and probability_problem(good * 100) is not None


def test_fusion_is_bit_identical_to_the_plain_clip():
    rng = np.random.default_rng(5)
    for rows in (1, 3, 40):
        a = rng.dirichlet(np.full(10, 0.05), size=rows).astype(np.float32)  # many values near 0 and 1
        b = rng.dirichlet(np.full(10, 0.3), size=rows).astype(np.float32)
        a[0, :3] = (0.0, 1e-9, FLOOR)  # exact zeros and values below and at the floor
        for w in (0.0, 0.37, 1.0):
            assert np.array_equal(fused_logits(a, b, w), plain_fused_logits(a, b, w))
            params = FusionParams(w, 0.8, 0.6)
            z = plain_fused_logits(a, b, w) / params.temperature
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            assert np.array_equal(fuse(a, b, params), (e / e.sum(axis=1, keepdims=True)).astype(np.float32))
    nan = np.full((1, 10), np.nan, np.float32)
    assert np.isnan(fused_logits(nan, b[:1], 0.5)).all() and np.isnan(plain_fused_logits(nan, b[:1], 0.5)).all()
