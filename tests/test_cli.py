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


# ---------------------------------------------------------------- issue 11, item 6

def test_a_bad_jsonl_line_costs_that_line_only(files, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(dr.dumps(one_drawing()) + "\n{not json\n" + dr.dumps(zero_drawing()) + "\n"
                    + '{"width": 280, "height": 280, "strokes": [{"points": [[1, "x"]]}]}\n')
    r = run("predict", str(path))
    assert r.returncode == 1
    assert r.stdout.splitlines()[0].startswith(f"{path}:1: 1 ")
    assert r.stdout.splitlines()[1].startswith(f"{path}:3: 0 ")
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 2 and "Traceback" not in r.stderr
    assert errors[0].startswith(f"digitpad: error: {path}:2: ") and errors[1].startswith(f"digitpad: error: {path}:4: ")


def test_json_output_has_error_records_and_not_sure(files, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(dr.dumps(one_drawing()) + "\n[]\n")
    r = run("predict", "--json", str(path), str(files["blank.png"]), str(tmp_path / "gone.png"))
    assert r.returncode == 1
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert records[0]["input"] == f"{path}:1" and records[0]["digit"] == 1 and records[0]["not_sure"] is False
    assert [rec["input"] for rec in records[1:]] == [f"{path}:2", str(files["blank.png"]), str(tmp_path / "gone.png")]
    assert all(set(rec) == {"input", "error"} for rec in records[1:])
    assert f"{path}:2" in records[1]["error"] and "no ink" in records[2]["error"]
    assert records[3]["error"].endswith("gone.png: no such file")


def test_special_files_are_refused_without_hanging(files, tmp_path):
    """A FIFO, a device, a folder and a symlink loop: each refused by name before any read."""
    import os

    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    img_fifo = tmp_path / "pipe.png"
    os.mkfifo(img_fifo)
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    r = run("predict", str(fifo), str(img_fifo), "/dev/zero", str(loop), str(folder), str(files["one.json"]))
    assert r.returncode == 1
    assert r.stdout.startswith(f"{files['one.json']}: 1 ")
    errors = r.stderr.strip().splitlines()
    assert errors == [f"digitpad: error: {fifo}: is a FIFO (named pipe), not a regular file",
                      f"digitpad: error: {img_fifo}: is a FIFO (named pipe), not a regular file",
                      "digitpad: error: /dev/zero: is a device, not a regular file",
                      f"digitpad: error: {loop}: too many levels of symbolic links (a symlink loop)",
                      f"digitpad: error: {folder}: is a folder, not a file"]
    # the window is not started on them either
    r = run(str(fifo))
    assert r.returncode == 1 and r.stderr.strip() == f"digitpad: error: {fifo}: is a FIFO (named pipe), not a regular file"


def test_missing_file_for_the_window_says_so(tmp_path):
    r = run(str(tmp_path / "missing.json"))
    assert r.returncode == 1
    assert r.stderr.strip() == f"digitpad: error: {tmp_path / 'missing.json'}: no such file"
    r = run("missing.json")
    assert r.returncode == 1 and r.stderr.strip() == "digitpad: error: missing.json: no such file"
    r = run("predcit")  # a mistyped command is still argparse's business
    assert r.returncode == 2 and "invalid choice" in r.stderr


@pytest.mark.parametrize("width", ["nan", "inf", "-inf", "0", "-3", "0.1", "1e6", "abc", ""])
def test_width_is_validated(files, width):
    r = run("predict", f"--width={width}", str(files["one.json"]))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--width" in r.stderr and "pen width must be a number from 0.5 to 1024" in r.stderr


def _constant_model(path, row) -> None:
    """An ONNX model mapping any (N, 1, 28, 28) batch to N copies of ``row``."""
    from onnx import TensorProto, helper, save

    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["image"], ["mean"], axes=[1, 2, 3], keepdims=1),
         helper.make_node("Reshape", ["mean", "shape"], ["col"]),
         helper.make_node("Mul", ["col", "zero"], ["zeros"]),
         helper.make_node("Add", ["zeros", "row"], ["probs"])],
        "constant",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10])],
        initializer=[helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 1]),
                     helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0]),
                     helper.make_tensor("row", TensorProto.FLOAT, [1, 10], list(row))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    save(model, str(path))


@pytest.mark.parametrize("row,why", [
    ([18.51, 0.3, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], "negative"),
    ([18.51, 0.3, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], "sums to"),
    ([0.5, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], "sums to"),
    ([float("nan")] + [0.1] * 9, "NaN"),
])
def test_model_without_probabilities_is_a_model_error(files, tmp_path, row, why):
    model = tmp_path / "logits.onnx"
    _constant_model(model, row)
    r = run("predict", "--model", str(model), str(files["one.json"]))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "%" not in r.stdout
    assert r.stderr.startswith(f"digitpad: error: model {model} does not output probabilities")
    assert why in r.stderr


def test_model_with_probabilities_still_accepted(files, tmp_path):
    model = tmp_path / "fixed.onnx"
    _constant_model(model, [0.0, 0.0, 0.0, 0.9, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0])
    r = run("predict", "--model", str(model), str(files["one.json"]))
    assert r.returncode == 0 and ": 3  90.0 %" in r.stdout


def _peak_rss_kb(*args: str) -> tuple[int, subprocess.CompletedProcess]:
    code = ("import resource, sys\nfrom digitpad.cli import main\nrc = main(sys.argv[1:])\n"
            "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)
    line = [x for x in r.stderr.splitlines() if x.startswith("PEAK_RSS_KB")][-1]
    return int(line.split()[1]), r


def test_jsonl_is_streamed_memory_flat_in_its_length(tmp_path):
    """A .jsonl of large canvases is rendered and predicted a line at a time: 80 lines of
    2000x2000 canvases (4 MB each) need no more memory than 8 (generous bound: 100 MB)."""
    line = dr.dumps(dr.Drawing(2000, 2000, [dr.Stroke([(1000.0, 300.0, 1.0), (1010.0, 1700.0, 1.0)], width=120.0)]))
    short, long = tmp_path / "short.jsonl", tmp_path / "long.jsonl"
    short.write_text((line + "\n") * 8)
    long.write_text((line + "\n") * 80)
    small, r1 = _peak_rss_kb("predict", str(short))
    big, r2 = _peak_rss_kb("predict", str(long))
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    assert len(r2.stdout.splitlines()) == 80 and all(": 1 " in x for x in r2.stdout.splitlines())
    assert big - small < 100_000, f"peak RSS {small} kB for 8 lines, {big} kB for 80"


def test_corrupt_model_prints_nothing_on_stdout(files, tmp_path):
    """onnxruntime's own fallback prints 'EP Error ... Falling back' to stdout when a session
    fails to load; that text would corrupt `predict --json` output.  Only our one stderr line."""
    from digitpad import resources

    raw = bytearray(resources.model_path().read_bytes())
    at = raw.index(b"image")  # the input's name: make it invalid UTF-8
    raw[at + 1] = 0xC5
    model = tmp_path / "mangled.onnx"
    model.write_bytes(bytes(raw))
    r = run("predict", "--json", "--model", str(model), str(files["one.json"]))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith(f"digitpad: error: cannot load model {model}") and len(r.stderr.splitlines()) == 1


# --- --personal: adapt to labelled drawings first (digitpad.personal) ---------------------------

def seven_shaped(label=None) -> dr.Drawing:
    """A 7's shape; the base models read it as a 7."""
    extra = {} if label is None else {"label": label}
    return dr.Drawing(280, 280, [dr.Stroke([(70.0, 56.0, 1.0), (210.0, 56.0, 1.0), (112.0, 238.0, 1.0)], 18.0)],
                      extra=extra)


def test_predict_with_personal_samples_reads_the_users_digit(tmp_path):
    """The same drawing: a 7 without samples, the user's 1 after samples labelled 1 (the same
    code as the window: DrawingRecognizer.set_personal); --json records say how many samples."""
    drawing = tmp_path / "mine.json"
    dr.save(seven_shaped(), drawing)
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(dr.dumps(seven_shaped(1)) + "\n" for _ in range(2))
                       + dr.dumps(dr.Drawing(280, 280, zero_drawing().strokes, {"label": 0})) + "\n")
    plain = run("predict", "--json", str(drawing))
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["digit"] == 7 and "personal" not in json.loads(plain.stdout)
    adapted = run("predict", "--json", "--personal", str(samples), str(drawing))
    assert adapted.returncode == 0, adapted.stderr
    record = json.loads(adapted.stdout)
    assert record["digit"] == 1 and record["personal"] == 3
    text = run("predict", "--personal", str(samples), str(drawing))
    assert text.returncode == 0 and text.stdout.startswith(f"{drawing}: 1 ")
    number = run("predict", "--number", "--json", "--personal", str(samples), str(drawing))
    assert number.returncode == 0, number.stderr
    record = json.loads(number.stdout)
    assert record["text"] == "1" and record["personal"] == 3  # --number adapts too


@pytest.mark.parametrize("content, why", [
    ("{oops\n", ":1: invalid JSON"),
    (dr.dumps(seven_shaped()) + "\n", ":1: a personal sample needs a label 0-9"),
    (dr.dumps(seven_shaped("A")) + "\n", ":1: a personal sample needs a label 0-9"),
    ("", "no personal samples"),
])
def test_a_bad_personal_file_is_a_clear_error(files, tmp_path, content, why):
    samples = tmp_path / "samples.jsonl"
    samples.write_text(content)
    for args in (("predict", str(files["one.json"])), ("eval", "--drawings", str(files["set.jsonl"]))):
        r = run(*args, "--personal", str(samples))
        assert r.returncode == 1 and r.stdout == "", r.stdout
        assert f"digitpad: error: {samples}" in r.stderr and why in r.stderr and "Traceback" not in r.stderr
    missing = run("predict", str(files["one.json"]), "--personal", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and str(tmp_path / "nope.jsonl") in missing.stderr


def test_eval_with_personal_samples(files, tmp_path):
    samples = tmp_path / "samples.jsonl"
    samples.write_text(dr.dumps(seven_shaped(1)) + "\n")
    r = run("eval", "--drawings", str(files["set.jsonl"]), "--personal", str(samples), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)["drawings"]
    assert summary["personal"] == 1 and summary["count"] == 2 and summary["accuracy"] == 1.0
    text = run("eval", "--drawings", str(files["set.jsonl"]), "--personal", str(samples))
    assert "adapted to 1 personal samples" in text.stdout


@pytest.mark.skipif(not MNIST.exists(), reason="MNIST not beside the repo")
def test_eval_mnist_with_personal_samples(tmp_path):
    samples = tmp_path / "samples.jsonl"
    samples.write_text(dr.dumps(zero_drawing()) + "\n" + dr.dumps(one_drawing()) + "\n")
    r = run("eval", "--mnist", str(MNIST), "--limit", "300", "--personal", str(samples), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)["mnist"]
    assert summary["personal"] == 2 and summary["accuracy"] > 0.95
