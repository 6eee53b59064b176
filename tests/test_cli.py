"""The `digitpad` command end to end, in subprocesses, with the real model."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from digitpad import drawing as dr
from digitpad.mnist import load_mnist

from test_preprocess import MNIST


def run(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitpad", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def one_drawing() -> dr.Drawing:
    return dr.Drawing(280, 280, [dr.Stroke([(140.0, 40.0, 1.0), (145.0, 240.0, 1.0)], width=18.0)],
                      extra={"label": 1, "writer": "w1"})


def zero_drawing() -> dr.Drawing:
    import math

    pts = [(140 + 60 * math.sin(t / 20 * math.tau), 140 - 95 * math.cos(t / 20 * math.tau), 1.0)
           for t in range(21)]
    return dr.Drawing(280, 280, [dr.Stroke(pts, width=18.0)], extra={"label": 0, "writer": "w2"})


@pytest.fixture()
def files(tmp_path):
    from digitpad.render import render

    paths = {}
    paths["one.json"] = tmp_path / "one.json"
    dr.save(one_drawing(), paths["one.json"])
    paths["set.jsonl"] = tmp_path / "set.jsonl"
    paths["set.jsonl"].write_text(dr.dumps(one_drawing()) + "\n" + dr.dumps(zero_drawing()) + "\n")
    paths["zero.png"] = tmp_path / "zero.png"  # dark ink on white paper
    Image.fromarray(255 - render(zero_drawing())).save(paths["zero.png"])
    paths["broken.png"] = tmp_path / "broken.png"
    paths["broken.png"].write_bytes(b"garbage")
    paths["blank.png"] = tmp_path / "blank.png"
    Image.fromarray(np.full((50, 50), 255, np.uint8)).save(paths["blank.png"])
    return paths


def test_predict_images_and_drawings(files):
    r = run("predict", str(files["one.json"]), str(files["zero.png"]), str(files["set.jsonl"]))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith(f"{files['one.json']}: 1 ")
    assert lines[1].startswith(f"{files['zero.png']}: 0 ")
    assert lines[2].startswith(f"{files['set.jsonl']}:1: 1 ") and lines[3].startswith(f"{files['set.jsonl']}:2: 0 ")


def test_predict_json_output(files):
    r = run("predict", "--json", str(files["zero.png"]))
    obj = json.loads(r.stdout)
    assert obj["input"] == str(files["zero.png"]) and obj["digit"] == 0
    assert len(obj["probs"]) == 10 and abs(sum(obj["probs"]) - 1) < 1e-3


def test_bad_inputs_reported_others_still_predicted(files):
    r = run("predict", str(files["broken.png"]), str(files["one.json"]), str(files["blank.png"]), "missing.png")
    assert r.returncode == 1
    assert f"{files['one.json']}: 1 " in r.stdout
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 3 and all(e.startswith("digitpad: error: ") for e in errors)
    assert "broken.png" in errors[0] and "blank" in errors[1] and "missing.png" in errors[2]


def test_missing_and_corrupt_model_give_clean_error(files, tmp_path):
    r = run("--model", str(tmp_path / "none.onnx"), "predict", str(files["one.json"]))
    assert r.returncode == 1 and r.stderr.strip() == f"digitpad: error: model file not found: {tmp_path / 'none.onnx'}"
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x01garbage")
    r = run("predict", "--model", str(bad), str(files["one.json"]))
    assert r.returncode == 1 and "Traceback" not in r.stderr and str(bad) in r.stderr


def test_eval_drawings_counts(files):
    r = run("eval", "--drawings", str(files["set.jsonl"]), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)["drawings"]
    assert summary["count"] == 2 and summary["accuracy"] == 1.0
    assert summary["per_writer"] == {"w1": {"correct": 1, "total": 1}, "w2": {"correct": 1, "total": 1}}
    assert summary["confusion"][1][1] == 1 and summary["confusion"][0][0] == 1
    text = run("eval", "--drawings", str(files["set.jsonl"])).stdout
    assert "accuracy 100.00 % (2/2)" in text and "confusion matrix" in text


def test_eval_drawings_only_held_out_writers(files):
    from digitpad.splits import split_of

    wanted = split_of("w1")
    r = run("eval", "--drawings", str(files["set.jsonl"]), "--writers", wanted, "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)["drawings"]
    expected = {w for w in ("w1", "w2") if split_of(w) == wanted}
    assert set(summary["per_writer"]) == expected and summary["count"] == len(expected)


@pytest.mark.skipif(not MNIST.exists(), reason="MNIST not beside the repo")
def test_eval_mnist(tmp_path):
    r = run("eval", "--mnist", str(MNIST), "--limit", "500", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["mnist"]["accuracy"] > 0.95


def test_eval_mnist_bad_folder(tmp_path):
    r = run("eval", "--mnist", str(tmp_path))
    assert r.returncode == 1 and "IDX" in r.stderr and "Traceback" not in r.stderr


def test_mnist_reader_round_trip(tmp_path):
    import gzip

    images = np.arange(2 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(2, 28, 28)
    with gzip.open(tmp_path / "t10k-images-idx3-ubyte.gz", "wb") as fh:
        fh.write((2051).to_bytes(4, "big") + (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + images.tobytes())
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes((2049).to_bytes(4, "big") + (2).to_bytes(4, "big") + bytes([3, 7]))
    x, y = load_mnist(tmp_path, "test")
    assert (x == images).all() and list(y) == [3, 7]


def test_unexpected_error_is_one_line_not_a_traceback(files, monkeypatch, capsys):
    from digitpad import cli

    def broken(args):
        raise RuntimeError("the model exploded")

    monkeypatch.delenv("DIGITPAD_DEBUG", raising=False)
    monkeypatch.setattr(cli, "cmd_predict", broken)
    assert cli.main(["predict", str(files["one.json"])]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("digitpad: error: unexpected RuntimeError: the model exploded")
    monkeypatch.setenv("DIGITPAD_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["predict", str(files["one.json"])])
