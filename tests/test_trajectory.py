"""The trajectory preprocessor: fixed length, writing order and direction kept, position/scale/density removed."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from digitpad.drawing import Drawing, Stroke
from digitpad.trajectory import FEATURES, POINTS, trajectory_batch, trajectory_features

X, Y, DX, DY, UP, COS, SIN = range(len(FEATURES))


def drawing(*strokes: list[tuple[float, float]]) -> Drawing:
    return Drawing(280, 280, [Stroke([(float(x), float(y), 1.0) for x, y in s]) for s in strokes])


LEAD_IN_ONE = drawing([(90, 110), (150, 40), (150, 240)])


def test_shape_and_blank():
    f = trajectory_features(LEAD_IN_ONE)
    assert f.shape == (POINTS, len(FEATURES)) and f.dtype == np.float32
    assert trajectory_features(Drawing(280, 280, [])) is None
    assert trajectory_features(drawing([])) is None
    assert trajectory_features(LEAD_IN_ONE, 16).shape == (16, len(FEATURES))
    with pytest.raises(ValueError):
        trajectory_features(LEAD_IN_ONE, 1)


def test_position_and_scale_are_normalised_like_the_preprocessor():
    f = trajectory_features(LEAD_IN_ONE)
    moved = drawing([(90 * 0.5 + 17, 110 * 0.5 + 3), (150 * 0.5 + 17, 40 * 0.5 + 3), (150 * 0.5 + 17, 240 * 0.5 + 3)])
    np.testing.assert_allclose(trajectory_features(moved), f, atol=1e-5)
    np.testing.assert_allclose(f[:, [X, Y]].mean(0), 0, atol=1e-6)  # centre of mass at the centre
    assert np.ptp(f[:, [X, Y]], axis=0).max() == pytest.approx(1.0)  # longer side 1, aspect kept
    assert np.ptp(f[:, X]) < 0.5


def test_points_are_equally_spaced_by_arc_length_whatever_the_sampling_rate():
    sparse = drawing([(40, 140), (240, 140)])
    dense = drawing([(x, 140) for x in np.linspace(40, 240, 97)])
    np.testing.assert_allclose(trajectory_features(dense), trajectory_features(sparse), atol=1e-5)
    steps = trajectory_features(sparse)[1:, DX]
    np.testing.assert_allclose(steps, steps[0], atol=1e-6)


def test_writing_direction_is_kept():
    f = trajectory_features(LEAD_IN_ONE)
    lead = f[: POINTS // 4]  # the lead-in is a quarter of the ink: it goes up and to the right
    assert (lead[1:, COS] > 0.5).all() and (lead[1:, SIN] < -0.5).all()
    assert (f[-POINTS // 2 :, SIN] > 0.99).all()  # then down the stem
    backwards = trajectory_features(drawing([(150, 240), (150, 40), (90, 110)]))
    np.testing.assert_allclose(backwards[::-1, [X, Y]], f[:, [X, Y]], atol=1e-5)  # same ink...
    assert not np.allclose(backwards[:, [COS, SIN]], f[:, [COS, SIN]])  # ...written the other way


def test_pen_up_marks_each_new_stroke_and_every_stroke_keeps_a_point():
    seven = drawing([(80, 50), (200, 50), (120, 240)], [(110, 150), (190, 150)], [(230, 230)])  # bar and a dot
    f = trajectory_features(seven)
    ups = np.flatnonzero(f[:, UP])
    assert len(ups) == 2 and ups[0] > 0
    assert f[0, UP] == 0 and f[0, DX] == 0 and f[0, DY] == 0
    assert f[ups[1], SIN] == 0 and f[ups[1], COS] == 0  # a dot has no direction
    assert f[ups[0], DX] < 0  # the pen jumped back to the left to start the bar


def test_more_strokes_than_points():
    dots = drawing(*[[(10 + i, 20 + (i * 7) % 200)] for i in range(200)])
    f = trajectory_features(dots, 32)
    assert f.shape == (32, len(FEATURES)) and np.isfinite(f).all()
    one_dot = trajectory_features(drawing([(5, 5)]))
    assert np.isfinite(one_dot).all() and (one_dot[:, [X, Y, DX, DY]] == 0).all()


def test_batch_stacks_drawings_and_marks_blanks():
    batch, present = trajectory_batch([LEAD_IN_ONE, Drawing(280, 280, []), LEAD_IN_ONE])
    assert batch.shape == (3, POINTS, len(FEATURES)) and present.tolist() == [True, False, True]
    assert (batch[1] == 0).all()
    np.testing.assert_array_equal(batch[0], trajectory_features(LEAD_IN_ONE))


def test_no_qt_and_no_torch():
    code = ("import sys, digitpad.trajectory; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'torch')]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def _reference(drawing: Drawing, n: int = POINTS) -> np.ndarray:
    """The recipe stroke by stroke, as the module docstring states it (slow, plain numpy)."""
    from digitpad.trajectory import _allocate

    strokes = [np.asarray([p[:2] for p in s.points], np.float64) for s in drawing.strokes if s.points]
    arcs = [np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))]) for p in strokes]
    counts = _allocate(np.asarray([a[-1] for a in arcs]), n)
    parts, dirs = [], []
    for p, a, c in zip(strokes, arcs, counts):
        if c == 0:
            continue
        if a[-1] <= 0:
            q = np.repeat(p[:1], c, axis=0)
        else:
            t = np.linspace(0.0, a[-1], c) if c > 1 else np.array([a[-1] / 2])
            q = np.stack([np.interp(t, a, p[:, 0]), np.interp(t, a, p[:, 1])], axis=1)
        parts.append(q)
    pts = np.concatenate(parts)
    span = float(np.ptp(pts, axis=0).max())
    pts = (pts - pts.mean(axis=0)) / (span if span > 0 else 1.0)
    out = np.zeros((n, len(FEATURES)), np.float32)
    out[:, :2] = pts
    out[1:, 2:4] = np.diff(pts, axis=0)
    start = 0
    for i, q in enumerate(parts):
        seg = pts[start : start + len(q)]
        if i:
            out[start, UP] = 1.0
        if len(q) > 1:
            d = np.gradient(seg, axis=0)
            norm = np.hypot(d[:, 0], d[:, 1])[:, None]
            out[start : start + len(q), 5:7] = np.divide(d, norm, out=np.zeros_like(d), where=norm > 0)
        start += len(q)
    return out


@pytest.mark.parametrize("strokes", [1, 2, 5, 20, 70, 200])
def test_one_pass_equals_the_stroke_by_stroke_recipe(strokes):
    """The features are computed for all strokes at once (20 strokes in about the time of one);
    they equal the recipe done stroke by stroke, dots, lone points and more strokes than points included."""
    rng = np.random.default_rng(strokes)
    for _ in range(20):
        parts = []
        for _ in range(strokes):
            m = int(rng.integers(1, 30))
            start = rng.uniform(0, 280, 2)
            walk = start + np.cumsum(rng.normal(0, rng.choice([0.0, 3.0, 15.0]), (m, 2)), axis=0)
            parts.append([tuple(p) for p in walk])
        d = drawing(*parts)
        for n in (2, 16, POINTS):
            np.testing.assert_allclose(trajectory_features(d, n), _reference(d, n), atol=1e-5)
