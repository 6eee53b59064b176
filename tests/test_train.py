"""Training smoke run (synthetic data, real onnxruntime), calibration and the "not sure" threshold."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from digitpad.drawing import Drawing, Stroke  # noqa: E402
from digitpad.recognizer import Recognizer  # noqa: E402
from digitpad.train import metrics  # noqa: E402
from digitpad.train.jitter import jitter_drawing  # noqa: E402
from digitpad.train.model import DigitNet, Exported  # noqa: E402
from digitpad.train.nondigits import KINDS, make_nondigits  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _fake_digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class k = a bar at a class-specific angle, so a few batches learn something."""
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = np.zeros((n, 28, 28), np.uint8)
    t = np.linspace(-7, 7, 40)
    for i, k in enumerate(labels):
        a = np.pi * k / 10 + rng.normal(0, 0.05)
        ys = np.clip(np.rint(14 + t * np.sin(a)), 0, 27).astype(int)
        xs = np.clip(np.rint(14 + t * np.cos(a)), 0, 27).astype(int)
        images[i, ys, xs] = 255
        images[i, np.clip(ys + 1, 0, 27), xs] = 255
    return images, labels


def _write_idx(path: Path, array: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fake_data(tmp_path):
    rng = np.random.default_rng(0)
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    for prefix, n in (("train", 320), ("t10k", 100)):
        images, labels = _fake_digits(n, rng)
        _write_idx(mnist / f"{prefix}-images-idx3-ubyte.gz", images, 2051)
        _write_idx(mnist / f"{prefix}-labels-idx1-ubyte.gz", labels, 2049)
    from digitpad.preprocess import PREPROCESS_VERSION

    pen = {}
    for name, n in (("train", 120), ("val", 60), ("test", 60)):
        x, y = _fake_digits(n, rng)
        pen[f"{name}_x"], pen[f"{name}_y"] = x, y.astype(np.int64)
        if name != "train":
            pen[f"{name}_width"] = np.resize(np.array([8, 16, 28], np.int32), n)
    pen["train_w"] = np.zeros(120, np.int32)
    pen["nd_train_x"] = rng.integers(0, 2, (40, 28, 28)).astype(np.uint8) * 255
    pen["nd_val_x"] = rng.integers(0, 2, (30, 28, 28)).astype(np.uint8) * 255
    pen["meta"] = np.array(json.dumps({"preprocess_version": PREPROCESS_VERSION}))
    cache = tmp_path / "pen.npz"
    np.savez_compressed(cache, **pen)
    return mnist, cache


def test_training_smoke_run_exports_a_model_the_recognizer_loads(fake_data, tmp_path):
    from digitpad.train.train import main

    mnist, cache = fake_data
    out = tmp_path / "model" / "digit.onnx"
    rc = main(["--data", str(mnist), "--pen-cache", str(cache), "--epochs", "1", "--batch-size", "64",
               "--workers", "0", "--width", "8", "--out", str(out), "--checkpoint", str(tmp_path / "digit.pt")])
    assert rc == 0
    rec = Recognizer(out)
    probs = rec.predict_batch(np.random.default_rng(1).random((5, 1, 28, 28), dtype=np.float32))
    assert probs.shape == (5, 10)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    meta = json.loads(out.with_suffix(".json").read_text())
    for key in ("sha256", "mnist_test_accuracy", "parameters", "preprocess_version", "command", "temperature",
                "ece", "not_sure_threshold", "pen_test_accuracy_by_width", "split"):
        assert key in meta, key
    assert set(meta["pen_test_accuracy_by_width"]) == {"8", "16", "28"}
    assert meta["onnx_max_abs_diff"] < 1e-4
    assert rec.not_sure_threshold == pytest.approx(meta["not_sure_threshold"])

    # Re-calibrating the checkpoint gives the same model facts and keeps the training command.
    from digitpad.train.calibrate import main as calibrate

    again = tmp_path / "again" / "digit.onnx"
    again.parent.mkdir()
    assert calibrate(["--checkpoint", str(tmp_path / "digit.pt"), "--data", str(mnist), "--pen-cache", str(cache),
                      "--out", str(again), "--meta-from", str(out.with_suffix(".json"))]) == 0
    meta2 = json.loads(again.with_suffix(".json").read_text())
    assert meta2["command"] == meta["command"] and meta2["recalibrated_by"].startswith("python -m digitpad.train.")
    assert meta2["temperature"] == pytest.approx(meta["temperature"], rel=1e-3)
    assert Recognizer(again).predict_batch(np.zeros((1, 1, 28, 28), np.float32)).shape == (1, 10)


def test_stale_pen_cache_is_refused(fake_data, tmp_path):
    from digitpad.train.train import main

    mnist, cache = fake_data
    with np.load(cache) as z:
        pen = {k: z[k] for k in z.files}
    pen["meta"] = np.array(json.dumps({"preprocess_version": -1}))
    stale = tmp_path / "stale.npz"
    np.savez_compressed(stale, **pen)
    assert main(["--data", str(mnist), "--pen-cache", str(stale), "--epochs", "1", "--out",
                 str(tmp_path / "x.onnx")]) == 2


@pytest.mark.parametrize("temperature", [0.4, 1.0, 2.5])
def test_calibration_leaves_argmax_unchanged(temperature):
    torch.manual_seed(0)
    net = DigitNet(8).eval()
    x = torch.rand(64, 1, 28, 28)
    with torch.no_grad():
        plain = Exported(net, 1.0)(x)[0].numpy()
        calibrated = Exported(net, temperature)(x)[0].numpy()
    np.testing.assert_array_equal(plain.argmax(1), calibrated.argmax(1))
    logits = np.random.default_rng(0).normal(0, 3, (200, 10))
    np.testing.assert_array_equal(metrics.softmax(logits).argmax(1), metrics.softmax(logits, temperature).argmax(1))


def test_fit_temperature_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 4, (4000, 10))
    true_t = 2.0
    p = metrics.softmax(logits, true_t)
    labels = np.array([rng.choice(10, p=row) for row in p])
    assert metrics.fit_temperature(logits, labels) == pytest.approx(true_t, rel=0.1)
    assert metrics.ece(metrics.softmax(logits, true_t), labels) < 0.03


def test_threshold_choice_respects_the_digit_budget():
    rng = np.random.default_rng(0)
    digits = rng.uniform(0.5, 1.0, 1000)
    nondigits = rng.uniform(0.1, 0.5, 1000)
    t = metrics.choose_threshold(digits, nondigits, 0.02)
    assert metrics.below_rate(digits, t) <= 0.02
    assert metrics.below_rate(nondigits, t) > 0.9


def test_not_sure_threshold_comes_from_digit_json(tmp_path):
    shipped = ROOT / "models" / "digit.json"
    meta = json.loads(shipped.read_text())
    assert 0.0 < meta["not_sure_threshold"] < 1.0
    assert Recognizer(ROOT / "models" / "digit.onnx").not_sure_threshold == pytest.approx(meta["not_sure_threshold"])
    # another value in a copy's digit.json is what a Recognizer of that copy reports
    (tmp_path / "digit.onnx").write_bytes((ROOT / "models" / "digit.onnx").read_bytes())
    (tmp_path / "digit.json").write_text(json.dumps({**meta, "not_sure_threshold": 0.4242}))
    assert Recognizer(tmp_path / "digit.onnx").not_sure_threshold == pytest.approx(0.4242)
    # and the shipped value is not hard-coded in the code base
    literal = re.compile(re.escape(f"{meta['not_sure_threshold']}"))
    for path in (ROOT / "digitpad").rglob("*.py"):
        assert not literal.search(path.read_text(encoding="utf-8")), f"threshold hard-coded in {path}"


def test_nondigits_and_jitter_stay_on_the_canvas():
    drawings = make_nondigits(40, seed=3)
    assert {d.extra["kind"] for d in drawings} == set(KINDS)
    again = make_nondigits(40, seed=3)
    assert [s.points for d in drawings for s in d.strokes] == [s.points for d in again for s in d.strokes]
    rng = np.random.default_rng(0)
    digit = Drawing(280, 280, [Stroke(points=[(140.0, 40.0 + i * 4, 1.0) for i in range(50)])])
    for d in drawings + [jitter_drawing(digit, rng) for _ in range(20)]:
        pts = np.array([p[:2] for s in d.strokes for p in s.points])
        assert pts.min() >= 0 and pts.max() <= 279


def test_model_files_record_relative_paths_only():
    """models/*.json say how each file was made; an absolute path names one machine's folder."""
    import json
    from pathlib import Path

    from digitpad.train.provenance import command_line

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    for path in sorted((Path(__file__).resolve().parent.parent / "models").glob("*.json")):
        for text in strings(json.loads(path.read_text(encoding="utf-8"))):
            tokens = [t.split("=", 1)[-1] for t in text.split()]
            assert not [t for t in tokens if t.startswith("/") and t[1:2].isalnum()], f"{path.name}: {text}"
    line = command_line("python -m digitpad.train", ["--data", str(Path.cwd() / "mnist"), "--out=/nowhere/x.onnx"])
    assert "/" != line.split()[4][0] and not line.split()[-1].split("=", 1)[1].startswith("/")
