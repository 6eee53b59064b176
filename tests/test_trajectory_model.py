"""The trajectory recognizer: its stroke augmentation, its training entry, the shipped file and the fusion rule."""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from digitpad.drawing import Drawing, Stroke
from digitpad.fusion import FusionParams, fuse
from digitpad.recognizer import ModelError
from digitpad.splits import split_of
from digitpad.trajectory import FEATURES, POINTS, trajectory_batch, trajectory_features
from digitpad.trajectory_recognizer import TrajectoryRecognizer

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "trajectory.onnx"


def _drawing(label: int, *strokes: list[tuple[float, float]]) -> Drawing:
    return Drawing(280, 280, [Stroke([(float(x), float(y), 1.0) for x, y in s]) for s in strokes],
                   extra={"label": label})


ONE = _drawing(1, [(150, 40 + 10 * i) for i in range(21)])
ZERO = _drawing(0, [(140 - 55 * math.sin(t / 32 * math.tau), 140 - 95 * math.cos(t / 32 * math.tau))
                    for t in range(33)])
SEVEN = _drawing(7, [(80, 50), (200, 50), (150, 140), (118, 240)])


def test_lead_in_rises_from_the_lower_left_to_the_top_of_the_stem():
    from digitpad.train.stroke_augment import lead_in_one

    rng = np.random.default_rng(0)
    for _ in range(40):
        d = lead_in_one(ONE, rng)
        first = np.asarray([p[:2] for p in d.strokes[0].points])
        top = (150.0, 40.0)
        assert len(d.strokes) in (1, 2)
        start = first[0]
        assert start[0] < top[0] and start[1] > top[1]  # begins lower left of the top
        length = math.hypot(start[0] - top[0], start[1] - top[1])
        assert 0.4 * 200 - 1e-6 <= length <= 0.9 * 200 + 1e-6
        if len(d.strokes) == 1:  # up the flag, then down the stem in the same stroke
            assert first[-1][1] == pytest.approx(240.0)
        else:
            assert tuple(first[-1]) == pytest.approx(top)


def test_crossed_forms_add_one_stroke_and_leave_other_digits_alone():
    from digitpad.train.stroke_augment import crossed_seven, crossed_zero, lead_in_one

    rng = np.random.default_rng(1)
    assert len(crossed_zero(ZERO, rng).strokes) == 2
    assert len(crossed_seven(SEVEN, rng).strokes) == 2
    assert crossed_zero(SEVEN, rng) is SEVEN and lead_in_one(ZERO, rng) is ZERO and crossed_seven(ONE, rng) is ONE


def test_augment_keeps_label_and_ink_and_changes_the_features():
    from digitpad.train.stroke_augment import augment, resample_jitter

    rng = np.random.default_rng(2)
    for d in (ONE, ZERO, SEVEN):
        for _ in range(20):
            a = augment(d, rng, form_rate=0.5)
            assert a.label == d.label and not a.is_empty()
            pts = np.asarray([p[:2] for s in a.strokes for p in s.points])
            assert (pts >= 0).all() and (pts <= 279).all()
            assert trajectory_features(a).shape == (POINTS, len(FEATURES))
        r = resample_jitter(d, rng)
        assert r.strokes[0].points[0][:2] == pytest.approx(d.strokes[0].points[0][:2])
        assert r.strokes[0].points[-1][:2] == pytest.approx(d.strokes[0].points[-1][:2])


def _fake_pen(path: Path, rng: np.random.Generator, per_writer: int = 4) -> None:
    """Writers in every split, drawings whose class is an angle, so a short run learns something."""
    lines = []
    for w in range(60):
        writer = f"fake/w{w}.dat"
        for _ in range(per_writer):
            k = int(rng.integers(0, 10))
            a = math.pi * k / 10 + rng.normal(0, 0.05)
            pts = [(140 + 80 * t * math.cos(a), 140 + 80 * t * math.sin(a)) for t in np.linspace(-1, 1, 12)]
            lines.append(json.dumps({**_drawing(k, pts).to_dict(), "writer": writer}))
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def test_training_smoke_run_exports_both_outputs_with_a_dynamic_batch(tmp_path):
    pytest.importorskip("torch")
    from digitpad.train.trajectory import main

    data = tmp_path / "pen.jsonl.gz"
    _fake_pen(data, np.random.default_rng(0))
    assert {split_of(f"fake/w{w}.dat") for w in range(60)} == {"train", "val", "test"}
    out = tmp_path / "m" / "trajectory.onnx"
    assert main(["--data", str(data), "--out", str(out), "--variants", "2", "--nondigits", "40", "--epochs", "1",
                 "--width", "8", "--workers", "1"]) == 0
    rec = TrajectoryRecognizer(out)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["onnx_max_abs_diff"] < 1e-4 and meta["feature_dim"] == rec.feature_dim == 32
    for n in (1, 7):
        probs, feats = rec.predict_batch(np.random.default_rng(n).normal(size=(n, POINTS, 7)).astype(np.float32))
        assert probs.shape == (n, 10) and feats.shape == (n, 32)
        np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)


def test_shipped_trajectory_model_is_small_and_recorded():
    rec = TrajectoryRecognizer(MODEL)
    meta = rec.metadata
    assert MODEL.stat().st_size < 1_000_000
    assert meta["sha256"] == hashlib.sha256(MODEL.read_bytes()).hexdigest()
    assert "/work" not in meta["command"] and "../shared/data" in meta["command"]
    batch, present = trajectory_batch([ONE, ZERO, SEVEN])
    probs, feats = rec.predict_batch(batch)
    assert present.all() and list(probs.argmax(1)) == [1, 0, 7]
    assert feats.shape == (3, meta["feature_dim"])
    single, _ = rec.predict_batch(batch[1:2])
    np.testing.assert_allclose(single[0], probs[1], atol=1e-5)  # batching changes nothing


def test_a_file_that_is_not_a_trajectory_model_is_refused_by_name():
    with pytest.raises(ModelError, match="digit.onnx"):
        TrajectoryRecognizer(ROOT / "models" / "digit.onnx")
    with pytest.raises(ModelError, match="not found"):
        TrajectoryRecognizer(ROOT / "models" / "missing.onnx")


def test_fusion_rule():
    rng = np.random.default_rng(3)
    a, b = rng.dirichlet(np.ones(10), 5), rng.dirichlet(np.ones(10), 5)
    np.testing.assert_allclose(fuse(a, b, FusionParams(1.0, 1.0, 0.9)), a, atol=1e-5)
    np.testing.assert_allclose(fuse(a, b, FusionParams(0.0, 1.0, 0.9)), b, atol=1e-5)
    mixed = fuse(a, b, FusionParams(0.5, 0.7, 0.9))
    expected = np.exp((np.log(a) + np.log(b)) / 2 / 0.7)
    np.testing.assert_allclose(mixed, expected / expected.sum(1, keepdims=True), atol=1e-5)
    zero = np.zeros((1, 10))
    zero[0, 3] = 1.0
    assert np.isfinite(fuse(zero, b[:1], FusionParams(0.5, 1.0, 0.9))).all()  # an exact 0 is no veto
    assert FusionParams.from_metadata({}) is None
    assert FusionParams.from_metadata({"fusion": {"image_weight": 2, "temperature": 1, "not_sure_threshold": .9}}) is None
    assert FusionParams.from_metadata({"fusion": {"image_weight": .5, "temperature": "x", "not_sure_threshold": 1}}) is None


def test_shipped_fusion_belongs_to_the_shipped_image_model():
    params = FusionParams.from_metadata(TrajectoryRecognizer(MODEL).metadata)
    assert params is not None
    entry = TrajectoryRecognizer(MODEL).metadata["fusion"]
    assert entry["image_model_sha256"] == hashlib.sha256((ROOT / "models" / "digit.onnx").read_bytes()).hexdigest()


def test_fusion_fit_stays_calibrated_when_every_val_digit_is_read_right():
    """A fold whose val digits are all right must not sharpen two calibrated models into
    certainties (an unbounded fit chose T = 0.19 and a threshold of 1.0 there)."""
    from digitpad.train.fusion_fit import MIN_TEMPERATURE, fit

    rng = np.random.default_rng(4)
    labels = rng.integers(0, 10, 500)
    image = np.full((500, 10), 0.02)
    image[np.arange(500), labels] = 0.82
    trajectory = np.full((500, 10), 0.01)
    trajectory[np.arange(500), labels] = 0.91
    params, _ = fit(image, trajectory, labels)
    assert params.temperature >= MIN_TEMPERATURE
    assert params.not_sure_threshold < 1.0
