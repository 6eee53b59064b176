"""Where strokes exist, the window and the CLI read a drawing with the image model and the
trajectory model fused (digitpad.drawing_recognizer), and give the same probabilities for the
same drawing; a picture keeps the image model alone.  Shown window, real mouse strokes,
real onnxruntime sessions."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image  # noqa: E402

from digitpad import cli  # noqa: E402
from digitpad.recognizer import Recognizer  # noqa: E402
from qt_input import make_window, mouse_draw  # noqa: E402

# A 1 as many European writers draw it: a long lead-in rising from the lower left to the top,
# then down the stem, in one stroke.  The image model alone reads it as a 7.
LEAD_IN_ONE = [[(0.22, 0.5), (0.55, 0.15), (0.55, 0.85)]]


def cli_records(capsys, *args: str) -> list[dict]:
    assert cli.main(["predict", "--json", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_window_and_cli_read_a_drawing_with_the_same_fused_probabilities(qtbot, qt_settings, tmp_path, capsys):
    window = make_window(qtbot)
    mouse_draw(window.canvas, LEAD_IN_ONE)
    outcome = window.last_outcome
    assert outcome.prediction.digit == 1, outcome.prediction.probs.round(3)
    assert outcome.fused
    assert outcome.not_sure_threshold == window.predictor.models.threshold(fused=True)
    assert window.verdict.state == "sure" and window.chart.probabilities is not None
    path = tmp_path / "one.json"
    assert window.save_to(path)
    [record] = cli_records(capsys, str(path))
    np.testing.assert_allclose(record["probs"], outcome.prediction.probs, atol=2e-6)
    assert record["digit"] == 1 and record["not_sure"] is False


def test_a_picture_keeps_the_image_model_alone(tmp_path, capsys):
    from digitpad.drawing import Drawing, Stroke
    from digitpad.render import render

    ink = render(Drawing(280, 280, [Stroke([(110.0, 140.0, 1.0), (150.0, 40.0, 1.0), (150.0, 240.0, 1.0)], 16.0)]))
    png = tmp_path / "one.png"
    Image.fromarray(255 - ink).save(png)
    [record] = cli_records(capsys, str(png))
    from digitpad.images import load_image
    from digitpad.preprocess import preprocess

    alone = Recognizer().predict(preprocess(load_image(png))).probs
    np.testing.assert_allclose(record["probs"], alone, atol=2e-6)
    assert record["not_sure"] == (float(alone.max()) < Recognizer().not_sure_threshold)


def _models_in(tmp_path, trajectory: bytes | None, meta: dict | None = None):
    import shutil

    from digitpad import resources

    for name in ("digit.onnx", "digit.json"):
        shutil.copy(resources.model_path().with_name(name), tmp_path / name)
    if trajectory is not None:
        (tmp_path / "trajectory.onnx").write_bytes(trajectory)
    if meta is not None:
        (tmp_path / "trajectory.json").write_text(json.dumps(meta))
    return tmp_path / "digit.onnx"


def test_a_missing_broken_or_mismatched_trajectory_model_leaves_the_image_model_alone(tmp_path):
    from digitpad import resources
    from digitpad.drawing import Drawing, Stroke
    from digitpad.drawing_recognizer import DrawingRecognizer
    from digitpad.gui.predictor import Predictor
    from digitpad.render import render

    shipped = resources.model_path().with_name("trajectory.onnx")
    meta = json.loads(shipped.with_suffix(".json").read_text())
    drawing = Drawing(280, 280, [Stroke([(90.0, 130.0, 1.0), (150.0, 40.0, 1.0), (150.0, 240.0, 1.0)], 16.0)])
    alone = Recognizer()
    for folder, trajectory, m in (("missing", None, None), ("broken", b"not a model", meta),
                                  ("other image model", shipped.read_bytes(),
                                   {**meta, "fusion": {**meta["fusion"], "image_model_sha256": "0" * 64}})):
        (tmp_path / folder).mkdir()
        image = _models_in(tmp_path / folder, trajectory, m)
        assert not DrawingRecognizer.load(image).fused, folder
        outcome = Predictor(image).run(render(drawing), drawing)
        assert outcome.error is None and not outcome.fused
        assert outcome.not_sure_threshold == alone.not_sure_threshold
        from digitpad.preprocess import preprocess

        np.testing.assert_allclose(outcome.prediction.probs, alone.predict(preprocess(render(drawing))).probs)
    (tmp_path / "copied").mkdir()
    assert DrawingRecognizer.load(_models_in(tmp_path / "copied", shipped.read_bytes(), meta)).fused


@pytest.mark.parametrize("meta", [{"fusion": "x"}, {"fusion": [1]}, ["not", "an", "object"], {"fusion": None}])
def test_a_malformed_trajectory_json_leaves_the_image_model_alone(tmp_path, meta):
    from digitpad import resources
    from digitpad.drawing_recognizer import DrawingRecognizer

    shipped = resources.model_path().with_name("trajectory.onnx")
    image = _models_in(tmp_path, shipped.read_bytes(), meta)
    assert not DrawingRecognizer.load(image).fused
