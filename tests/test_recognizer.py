"""Recognizer with the real shipped model; bad model files give ModelError."""

import numpy as np
import pytest

from digitpad import drawing as dr
from digitpad.preprocess import preprocess
from digitpad.recognizer import ModelError, Recognizer
from digitpad.render import render
from digitpad.resources import model_path


@pytest.fixture(scope="module")
def rec() -> Recognizer:
    return Recognizer()


def one() -> np.ndarray:
    d = dr.Drawing(280, 280, [dr.Stroke([(140.0, 40.0, 1.0), (140.0, 240.0, 1.0)], width=18.0)])
    return preprocess(render(d))


def test_shipped_model_found_and_small():
    assert model_path().is_file()
    assert model_path().stat().st_size < 2 * 1024 * 1024


def test_probabilities_sum_to_one_and_name_a_one(rec):
    pred = rec.predict(one())
    assert pred.probs.shape == (10,)
    assert abs(float(pred.probs.sum()) - 1.0) < 1e-4
    assert pred.digit == 1 and pred.confidence > 0.5
    assert pred.top2()[0][0] == 1


def test_batch_prediction_matches_single(rec):
    x = one()
    batch = rec.predict_batch(np.concatenate([x, x * 0.5, x]))
    assert batch.shape == (3, 10)
    np.testing.assert_allclose(batch[0], rec.predict(x).probs, atol=1e-6)


def test_rejects_wrong_input_shape(rec):
    with pytest.raises(ValueError):
        rec.predict_batch(np.zeros((1, 28, 28), np.float32))


def test_metadata_and_threshold(rec):
    assert "sha256" in rec.metadata
    assert 0.0 < rec.not_sure_threshold < 1.0


def test_missing_model(tmp_path):
    with pytest.raises(ModelError, match="not found.*nope.onnx"):
        Recognizer(tmp_path / "nope.onnx")


def test_truncated_model(tmp_path):
    bad = tmp_path / "cut.onnx"
    bad.write_bytes(model_path().read_bytes()[:5000])
    with pytest.raises(ModelError, match="cut.onnx"):
        Recognizer(bad)


def test_garbage_model(tmp_path):
    bad = tmp_path / "junk.onnx"
    bad.write_bytes(b"this is not a model")
    with pytest.raises(ModelError, match="junk.onnx"):
        Recognizer(bad)


def test_wrong_shaped_model(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 3, 32, 32])
    y = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["n", 3, 32, 32])
    graph = helper.make_graph([helper.make_node("Identity", ["image"], ["probs"])], "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "shape.onnx"
    onnx.save(model, path)
    with pytest.raises(ModelError, match=r"shape.onnx: input shape"):
        Recognizer(path)


def test_shipped_model_outputs_pooled_features_beside_unchanged_probs(rec):
    x = np.concatenate([one(), one() * 0.5])
    probs, features = rec.predict_with_features(x)
    assert rec.feature_dim == 96 and features.shape == (2, 96)
    np.testing.assert_array_equal(probs, rec.predict_batch(x))
    assert np.all(features >= 0)  # after a ReLU and an average pool


def test_model_without_features_output_still_predicts(tmp_path):
    import onnx

    model = onnx.load(str(model_path()))
    kept = [o for o in model.graph.output if o.name != "features"]
    del model.graph.output[:]
    model.graph.output.extend(kept)
    plain = tmp_path / "plain.onnx"
    onnx.save(model, str(plain))
    old = Recognizer(plain)
    probs, features = old.predict_with_features(one())
    assert old.feature_dim is None and features is None and probs.shape == (1, 10)
