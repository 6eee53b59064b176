"""`digitpad --self-test`: prove the installed or frozen app can recognise digits.

Loads the model, renders a few built-in drawings of known digits with the same
renderer the canvas uses, preprocesses them with the one preprocessor and
checks the model names each one.  Prints one line per check::

    ok    model loaded (/path/models/digit.onnx, 14 ms)
    ok    drawing of 7 -> 7 (99.2 %)
    FAIL  drawing of 4 -> 9 (61.0 %), expected 4

and returns 0 when every check passed, 1 otherwise.  Never opens a window
(QPainter on a QImage needs no QApplication), never touches the network, and
works frozen (the model is found through digitpad.resources).
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import Callable, TextIO

from digitpad.drawing import Drawing, Stroke

CANVAS = 280
PEN_WIDTH = 18.0


def _stroke(points: list[tuple[float, float]]) -> Stroke:
    return Stroke(points=[(float(x), float(y), 1.0) for x, y in points], width=PEN_WIDTH)


def _arc(cx: float, cy: float, rx: float, ry: float, start_deg: float, end_deg: float, n: int = 40):
    """Points along an elliptical arc (degrees, 0 = right, 90 = down: screen coordinates)."""
    out = []
    for i in range(n + 1):
        t = math.radians(start_deg + (end_deg - start_deg) * i / n)
        out.append((cx + rx * math.cos(t), cy + ry * math.sin(t)))
    return out


def builtin_drawings() -> dict[int, Drawing]:
    """Clean, unambiguous digits drawn the way a person would on the 280 px canvas."""
    strokes = {
        0: [_stroke(_arc(140, 140, 62, 95, -90, 270, 48))],
        1: [_stroke([(150, 45), (146, 120), (142, 190), (140, 238)])],
        3: [_stroke(_arc(135, 92, 55, 48, -160, 90, 30) + _arc(135, 188, 62, 52, -90, 160, 30))],
        4: [
            _stroke([(150, 40), (88, 165), (205, 165)]),
            _stroke([(170, 95), (170, 245)]),
        ],
        7: [_stroke([(78, 50), (205, 50), (160, 140), (125, 240)])],
    }
    return {
        digit: Drawing(width=CANVAS, height=CANVAS, strokes=s, extra={"label": digit})
        for digit, s in strokes.items()
    }


class _Report:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failures = 0

    def line(self, ok: bool, text: str) -> None:
        if not ok:
            self.failures += 1
        self.out.write(f"{'ok  ' if ok else 'FAIL'}  {text}\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        """Worth knowing, not a failure (the drawing checks decide whether recognition works)."""
        self.out.write(f"warn  {text}\n")
        self.out.flush()

    def guard(self, what: str, fn: Callable[[], None]) -> None:
        """Run one check; an unexpected exception is a FAIL line, not a traceback."""
        try:
            fn()
        except Exception as exc:  # the self-test reports, it does not crash
            self.line(False, f"{what}: {type(exc).__name__}: {exc}")


def run_self_test(model_path: str | os.PathLike | None = None, out: TextIO | None = None) -> int:
    """Check the model on built-in drawings; prints one line per check; 0 = all passed, 1 = not."""
    if out is None:
        out = sys.stdout if sys.stdout is not None else open(os.devnull, "w")  # windowed Windows
    report = _Report(out)

    import numpy as np

    from digitpad import __version__
    from digitpad.preprocess import PREPROCESS_VERSION, preprocess
    from digitpad.recognizer import ModelError, Recognizer
    from digitpad.render import render

    frozen = bool(getattr(sys, "frozen", False))
    try:
        import onnxruntime

        from PySide6 import __version__ as qt_version

        report.line(
            True,
            f"digitpad {__version__}, Python {sys.version.split()[0]}, onnxruntime {onnxruntime.__version__}, "
            f"PySide6 {qt_version}, {'frozen' if frozen else 'not frozen'}",
        )
    except Exception as exc:
        report.line(False, f"runtime imports: {type(exc).__name__}: {exc}")
        return 1

    t0 = time.perf_counter()
    try:
        recognizer = Recognizer(model_path)
    except ModelError as exc:
        report.line(False, f"model loaded: {exc}")
        return 1
    load_ms = (time.perf_counter() - t0) * 1000
    report.line(True, f"model loaded ({recognizer.path}, {load_ms:.0f} ms)")

    meta_version = recognizer.metadata.get("preprocess_version")
    if meta_version is not None and meta_version != PREPROCESS_VERSION:
        report.warn(f"model trained with preprocess version {meta_version}, this app uses {PREPROCESS_VERSION}")

    def check_blank() -> None:
        blank = render(Drawing(width=CANVAS, height=CANVAS))
        report.line(preprocess(blank) is None, "blank canvas -> no prediction")

    report.guard("blank canvas", check_blank)

    threshold = recognizer.not_sure_threshold
    for digit, drawing in builtin_drawings().items():

        def check(digit: int = digit, drawing: Drawing = drawing) -> None:
            model_input = preprocess(render(drawing))
            if model_input is None:
                report.line(False, f"drawing of {digit}: renderer produced no ink")
                return
            prediction = recognizer.predict(model_input)
            total = float(np.sum(prediction.probs))
            if abs(total - 1.0) > 1e-3:
                report.line(False, f"drawing of {digit}: probabilities sum to {total:.4f}, not 1")
                return
            text = f"drawing of {digit} -> {prediction.digit} ({prediction.confidence * 100:.1f} %)"
            if prediction.digit != digit:
                report.line(False, f"{text}, expected {digit}")
            elif prediction.confidence < threshold:
                report.line(False, f"{text}, below the not-sure threshold {threshold * 100:.0f} %")
            else:
                report.line(True, text)

        report.guard(f"drawing of {digit}", check)

    if report.failures:
        report.out.write(f"self-test FAILED: {report.failures} check(s) failed\n")
    else:
        report.out.write("self-test passed\n")
    report.out.flush()
    return 1 if report.failures else 0


if __name__ == "__main__":
    raise SystemExit(run_self_test(sys.argv[1] if len(sys.argv) > 1 else None))
