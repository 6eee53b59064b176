"""Glue between the canvas and the models: ink image (+ strokes) -> preprocess -> DrawingRecognizer, timed.

Holds no numerics of its own (the core's ``preprocess`` and ``DrawingRecognizer``
do the work: image model, trajectory model and their fusion, the same object the
CLI uses) and no Qt, so the same call is easy to test and benchmark.  A
missing or broken model does not raise here: it becomes ``Outcome.error`` so
the window can still open and let the user draw.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from digitpad import resources
from digitpad.drawing import Drawing, Stroke
from digitpad.drawing_recognizer import DrawingRecognizer
from digitpad.preprocess import preprocess
from digitpad.recognizer import DEFAULT_NOT_SURE_THRESHOLD, ModelError, Prediction, Recognizer

#: Ink and strokes of the start-up run (a line), so both models' buffers are allocated before the first stroke.
_WARM_UP = (np.pad(np.eye(20, dtype=np.uint8) * 255, 4),
            Drawing(28, 28, [Stroke([(4.0, 4.0, 1.0), (23.0, 23.0, 1.0)])]))


@dataclass
class Outcome:
    """What one prediction produced; every field the widgets need, nothing more."""

    model_input: np.ndarray | None  # (1, 1, 28, 28) float32, None when the canvas is blank
    prediction: Prediction | None  # None when blank or when the model is unavailable
    latency_ms: float  # preprocess + model(s)
    error: str | None = None
    not_sure_threshold: float = DEFAULT_NOT_SURE_THRESHOLD  # the rule of the model(s) that answered
    fused: bool = False  # image and trajectory models together (strokes were given)
    personal: bool = False  # the user's own samples took part (DrawingRecognizer.set_personal)

    @property
    def blank(self) -> bool:
        return self.model_input is None


class Predictor:
    """Loads the model once; ``run`` never raises for model problems."""

    def __init__(self, model_path: str | os.PathLike | None = None) -> None:
        self.model_path = Path(model_path) if model_path is not None else resources.model_path()
        self.models: DrawingRecognizer | None = None
        self.recognizer: Recognizer | None = None
        self.error: str | None = None
        try:
            self.models = DrawingRecognizer.load(self.model_path)
            self.recognizer = self.models.image
        except ModelError as exc:
            self.models = self.recognizer = None
            self.error = str(exc)
        else:
            # The first run allocates onnxruntime's buffers (~10 ms); pay it at start-up, not on the first stroke.
            self.run(*_WARM_UP)

    @property
    def not_sure_threshold(self) -> float:
        """The 'not sure' threshold of drawn digits (fused when a trajectory model is fitted), or the
        core default without a model; each Outcome carries the threshold of its own answer."""
        if self.models is not None:
            return self.models.threshold(fused=True)
        return DEFAULT_NOT_SURE_THRESHOLD

    @property
    def personal_count(self) -> int:
        """Samples the answers are adapted with (0: not adapting)."""
        return int(getattr(self.models, "personal_count", 0) or 0) if self.models is not None else 0

    def set_personal(self, samples: Sequence[Drawing]) -> str | None:
        """Adapt the answers to these labelled drawings ([] stops adapting), here and now; never
        raises.  None when done; otherwise a one-line message, and the answers are left unadapted.
        (The window fits off the UI thread instead: gui/adapter.py.)"""
        if self.models is None:
            return None  # no model: nothing to adapt, the model's own error is already shown
        return self.fit(self.models, samples)

    @staticmethod
    def fit(models: DrawingRecognizer, samples: Sequence[Drawing]) -> str | None:
        """``models.set_personal(samples)``, never raising: a sample the core refuses must not cost
        the person their window; on failure the models are left unadapted and the reason returned."""
        try:
            models.set_personal(list(samples))
        except Exception as exc:  # noqa: BLE001  (any failure: keep predicting, unadapted)
            try:
                models.set_personal([])
            except Exception:  # noqa: BLE001
                pass
            return f"Could not adapt to your handwriting ({type(exc).__name__}: {exc}); reading without it"
        return None

    def use_models(self, models: DrawingRecognizer) -> DrawingRecognizer | None:
        """Answer with ``models`` (the same model files, fitted elsewhere) from now on; the ones
        replaced are returned."""
        old, self.models, self.recognizer = self.models, models, models.image
        return old

    @property
    def metadata(self) -> dict:
        return dict(self.recognizer.metadata) if self.recognizer is not None else {}

    def run(self, ink: np.ndarray, drawing: Drawing | None = None) -> Outcome:
        """Canvas ink (2-D uint8, ink bright) and the strokes it was painted from (None for a
        picture) -> Outcome."""
        start = time.perf_counter()
        model_input = preprocess(ink)
        if model_input is None:
            return Outcome(None, None, (time.perf_counter() - start) * 1000.0, self.error)
        if self.models is None:
            return Outcome(model_input, None, (time.perf_counter() - start) * 1000.0, self.error)
        try:
            probs, fused = self.models.predict_batch(model_input, [drawing])
        except ModelError as exc:
            return Outcome(model_input, None, (time.perf_counter() - start) * 1000.0, str(exc))
        return Outcome(model_input, Prediction(probs[0]), (time.perf_counter() - start) * 1000.0, None,
                       self.models.threshold(bool(fused[0])), bool(fused[0]), self.personal_count > 0)
