"""Calibration for strangers (digitpad.train.stranger_calibration, digitpad.train.loco's saved fold answers)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from digitpad.recognizer import Recognizer
from digitpad.train import metrics
from digitpad.train.loco import load_strangers, save_strangers
from digitpad.train.stranger_calibration import fit_factor, fit_image, rescale, set_temperature, threshold_for

ROOT = Path(__file__).resolve().parent.parent


def _overconfident(n: int = 4000, true_t: float = 2.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities at temperature 1 for labels that really follow temperature ``true_t``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, (n, 10))
    z[np.arange(n), rng.integers(0, 10, n)] += 6
    truth = metrics.softmax(z, true_t)
    labels = np.asarray([rng.choice(10, p=p) for p in truth])
    return metrics.softmax(z, 1.0), labels


def test_factor_recovers_the_temperature_the_answers_deserve() -> None:
    probs, labels = _overconfident()
    k = fit_factor(probs, labels)
    assert 1.8 < k < 2.2
    assert metrics.ece(rescale(probs, k), labels) < metrics.ece(probs, labels) / 2


def _strangers(probs: np.ndarray, labels: np.ndarray, val_probs: np.ndarray, val_labels: np.ndarray) -> dict:
    """load_strangers' arrays for one fold."""
    n, v = len(labels), len(val_labels)
    return {"image_probs": probs, "trajectory_probs": probs, "labels": labels, "folds": np.full(n, "a"),
            "collections": np.full(n, "syn"), "widths": np.full(n, 16),
            "val_image_probs": val_probs, "val_trajectory_probs": val_probs, "val_labels": val_labels,
            "val_folds": np.full(v, "a")}


def test_val_share_leaves_the_asked_share_of_strangers_digits_not_sure() -> None:
    probs, labels = _overconfident(true_t=1.3)
    val_probs, val_labels = _overconfident(n=2000, true_t=1.0, seed=1)
    cal = fit_image(_strangers(probs, labels, val_probs, val_labels), 0.02)
    threshold = threshold_for(rescale(val_probs, cal.temperature_factor), cal.val_share)
    assert metrics.below_rate(rescale(probs, cal.temperature_factor).max(1), threshold) <= 0.02
    # the strangers are harder than the val writers: the same share of them needs a smaller share of val digits
    assert 0.0 < cal.val_share < 0.02


def test_rewritten_temperature_scales_the_models_log_probabilities(tmp_path: Path) -> None:
    for name in ("digit.onnx", "digit.json"):
        shutil.copy(ROOT / "models" / name, tmp_path / name)
    rec = Recognizer(tmp_path / "digit.onnx")
    old_t = float(rec.metadata["temperature"])
    x = np.random.default_rng(1).random((8, 1, 28, 28), dtype=np.float32)
    before = rec.predict_batch(x)
    set_temperature(tmp_path / "digit.onnx", old_t * 1.5)
    after = Recognizer(tmp_path / "digit.onnx").predict_batch(x)
    assert np.allclose(after, rescale(before, 1.5), atol=1e-4)
    assert not list(tmp_path.glob("*.tmp"))


def test_strangers_round_trip_and_a_missing_sweep_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_strangers(tmp_path)
    for fold, n in (("apb", 3), ("syn", 2)):
        (tmp_path / "folds" / fold).mkdir(parents=True)
        p = np.full((n, 10), 0.1, np.float32)
        save_strangers(tmp_path / "folds" / fold, p, p, np.arange(n), np.full(n, fold), np.full(n, 16), fold,
                       (0.9, 0.4, 1.0, 0.95), {"scan_rate": 0})
    s = load_strangers(tmp_path)
    assert s["folds"].tolist() == ["apb"] * 3 + ["syn"] * 2
    assert s["val_fit"].shape == (5, 4) and s["image_probs"].shape == (5, 10)
    assert json.loads(str(s["recipe"])) == {"scan_rate": 0}
    (tmp_path / "folds" / "x").mkdir()
    save_strangers(tmp_path / "folds" / "x", p, p, np.arange(2), np.full(2, "syn"), np.full(2, 16), "x",
                   (0.9, 0.4, 1.0, 0.95), {"scan_rate": 0})
    with pytest.raises(ValueError, match="collection syn left out by two folds"):
        load_strangers(tmp_path)
    save_strangers(tmp_path / "folds" / "x", p, p, np.arange(2), np.full(2, "tos"), np.full(2, 16), "x",
                   (0.9, 0.4, 1.0, 0.95), {"scan_rate": 0.15})
    with pytest.raises(ValueError, match="different recipes"):
        load_strangers(tmp_path)


def _val_writer() -> str:
    from digitpad.splits import split_of

    return next(w for w in (f"syn/w{i}" for i in range(1000)) if split_of(w) == "val")


def test_command_recalibrates_a_model_copy_once_however_often_it_runs(tmp_path: Path) -> None:
    from digitpad.files import sha256_file
    from digitpad.train.stranger_calibration import main

    for name in ("digit.onnx", "digit.json"):
        shutil.copy(ROOT / "models" / name, tmp_path / name)
    first = json.loads((tmp_path / "digit.json").read_text(encoding="utf-8"))
    probs, labels = _overconfident(n=600, true_t=1.5)
    (tmp_path / "loco" / "folds" / "a").mkdir(parents=True)
    save_strangers(tmp_path / "loco" / "folds" / "a", probs, probs, labels, np.full(len(labels), "syn"),
                   np.full(len(labels), 16), "a", (0.9, 0.4, 1.0, 0.95), {"scan_rate": 0},
                   (probs[:300], probs[:300], labels[:300]))
    one = {"format": "digitpad-drawing", "version": 1, "width": 280, "height": 280, "label": 1,
           "writer": _val_writer(), "strokes": [{"points": [[140, 40, 1], [140, 240, 1]]}]}
    (tmp_path / "val.jsonl").write_text("\n".join(json.dumps(one) for _ in range(5)) + "\n", encoding="utf-8")
    args = ["--strangers", str(tmp_path / "loco"), "--model", str(tmp_path / "digit.onnx"),
            "--data", str(tmp_path / "val.jsonl")]
    for _ in range(2):
        assert main(args) == 0
        meta = json.loads((tmp_path / "digit.json").read_text(encoding="utf-8"))
        cal = meta["stranger_calibration"]
        assert cal["val_writers_temperature"] == first["stranger_calibration"]["val_writers_temperature"]
        assert meta["temperature"] == pytest.approx(cal["val_writers_temperature"] * cal["temperature_factor"],
                                                    abs=1e-5)
        assert meta["sha256"] == sha256_file(tmp_path / "digit.onnx")
        assert Recognizer(tmp_path / "digit.onnx").not_sure_threshold == meta["not_sure_threshold"]
    assert 1.3 < cal["temperature_factor"] < 1.7
    assert not list(tmp_path.glob("*.tmp"))
