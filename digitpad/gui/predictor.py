"""Glue between the canvas and the model: ink image -> preprocess -> Recognizer, timed.

Holds no numerics of its own (the core's ``preprocess`` and ``Recognizer`` do
the work) and no Qt, so the same call is easy to test and benchmark.  A
missing or broken model does not raise here: it becomes ``Outcome.error`` so
the window can still open and let the user draw.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitpad import resources
from digitpad.preprocess import preprocess
from digitpad.recognizer import ModelError, Prediction, Recognizer


@dataclass
class Outcome:
    """What one prediction produced; every field the widgets need, nothing more."""

    model_input: np.ndarray | None  # (1, 1, 28, 28) float32, None when the canvas is blank
    prediction: Prediction | None  # None when blank or when the model is unavailable
    latency_ms: float  # preprocess + model
    error: str | None = None

    @property
    def blank(self) -> bool:
        return self.model_input is None


class Predictor:
    """Loads the model once; ``run`` never raises for model problems."""

    def __init__(self, model_path: str | os.PathLike | None = None) -> None:
        self.model_path = Path(model_path) if model_path is not None else resources.model_path()
        self.recognizer: Recognizer | None = None
        self.error: str | None = None
        try:
            self.recognizer = Recognizer(self.model_path)
            # The first run allocates onnxruntime's buffers (~10 ms); pay it at start-up, not on the first stroke.
            self.recognizer.predict(np.zeros((1, 1, 28, 28), dtype=np.float32))
        except ModelError as exc:
            self.recognizer = None
            self.error = str(exc)

    @property
    def not_sure_threshold(self) -> float:
        """The model's own 'not sure' threshold (models/digit.json), or the core default."""
        if self.recognizer is not None:
            return self.recognizer.not_sure_threshold
        from digitpad.recognizer import DEFAULT_NOT_SURE_THRESHOLD

        return DEFAULT_NOT_SURE_THRESHOLD

    @property
    def metadata(self) -> dict:
        return dict(self.recognizer.metadata) if self.recognizer is not None else {}

    def run(self, ink: np.ndarray) -> Outcome:
        """Canvas ink (2-D uint8, ink bright) -> Outcome."""
        start = time.perf_counter()
        model_input = preprocess(ink)
        if model_input is None:
            return Outcome(None, None, (time.perf_counter() - start) * 1000.0, self.error)
        if self.recognizer is None:
            return Outcome(model_input, None, (time.perf_counter() - start) * 1000.0, self.error)
        try:
            prediction = self.recognizer.predict(model_input)
        except ModelError as exc:
            return Outcome(model_input, None, (time.perf_counter() - start) * 1000.0, str(exc))
        return Outcome(model_input, prediction, (time.perf_counter() - start) * 1000.0, None)
