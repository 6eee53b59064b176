"""digitpad --self-test: passes with the shipped model, fails with a broken one, opens no window."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digitpad.selftest import builtin_drawings, run_self_test

ROOT = Path(__file__).resolve().parent.parent


def constant_model(path: Path, digit: int = 0) -> Path:
    """A valid digit model (image [N,1,28,28] -> probs [N,10]) that always answers `digit`."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    onehot = [0.0] * 10
    onehot[digit] = 1.0
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["image"], ["mean"], axes=[1, 2, 3], keepdims=1),
            helper.make_node("Reshape", ["mean", "shape"], ["col"]),
            helper.make_node("Mul", ["col", "zero"], ["zeros"]),
            helper.make_node("Add", ["zeros", "onehot"], ["probs"]),
        ],
        "constant_digit",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10])],
        initializer=[
            helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 1]),
            helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0]),
            helper.make_tensor("onehot", TensorProto.FLOAT, [1, 10], onehot),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_passes_with_shipped_model():
    out = io.StringIO()
    assert run_self_test(out=out) == 0, out.getvalue()
    text = out.getvalue()
    assert "FAIL" not in text
    assert "ok    model loaded (" in text
    for digit in builtin_drawings():
        assert f"ok    drawing of {digit} -> {digit} (" in text
    assert text.rstrip().endswith("self-test passed")


def test_fails_with_model_that_always_answers_zero(tmp_path):
    model = constant_model(tmp_path / "zero.onnx", 0)
    out = io.StringIO()
    assert run_self_test(model, out=out) == 1
    text = out.getvalue()
    assert "ok    model loaded (" in text  # the model is valid, just wrong
    assert "ok    drawing of 0 -> 0 (100.0 %)" in text
    assert "FAIL  drawing of 7 -> 0 (100.0 %), expected 7" in text
    assert "self-test FAILED" in text


def test_fails_cleanly_without_model(tmp_path):
    out = io.StringIO()
    assert run_self_test(tmp_path / "missing.onnx", out=out) == 1
    assert "FAIL  model loaded: model file not found" in out.getvalue()


def test_fails_cleanly_with_garbage_model(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    out = io.StringIO()
    assert run_self_test(bad, out=out) == 1
    assert "FAIL  model loaded: cannot load model" in out.getvalue()


def test_builtin_drawings_are_recognised_with_margin():
    """The shipped model must name every built-in drawing with room to spare, not by a hair."""
    from digitpad.preprocess import preprocess
    from digitpad.recognizer import Recognizer
    from digitpad.render import render

    recognizer = Recognizer()
    for digit, drawing in builtin_drawings().items():
        prediction = recognizer.predict(preprocess(render(drawing)))
        assert prediction.digit == digit
        assert prediction.confidence >= 0.85, (digit, prediction.confidence)


def _run(code: str, **env_extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_opens_no_window_and_needs_no_display():
    """No DISPLAY, no QT_QPA_PLATFORM: the self-test must still run, without QtWidgets or a QApplication."""
    proc = _run(
        "import sys\n"
        "from digitpad.selftest import run_self_test\n"
        "rc = run_self_test()\n"
        "assert 'PySide6.QtWidgets' not in sys.modules, 'self-test imported QtWidgets'\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "assert QCoreApplication.instance() is None, 'self-test created an application object'\n"
        "sys.exit(rc)\n"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test passed" in proc.stdout


def test_without_stdout_does_not_crash():
    """A windowed Windows executable has sys.stdout = None."""
    proc = _run("import sys\nsys.stdout = None\nfrom digitpad.selftest import run_self_test\nsys.exit(run_self_test())\n")
    assert proc.returncode == 0, proc.stderr


def test_cli_flag():
    proc = subprocess.run(
        [sys.executable, "-m", "digitpad", "--self-test"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test passed" in proc.stdout
