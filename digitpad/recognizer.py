"""onnxruntime wrapper: model input (N, 1, 28, 28) -> ten probabilities per image (+ pooled features).

Softmax (with the calibration temperature) lives inside the ONNX graph, so
the numbers every caller sees are the calibrated ones, computed in one place.
A model may also output ``features`` (N, D), the pooled vector its last layer
reads, which personal adaptation fits on; a model without it still works.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from digitpad import resources

INPUT_SHAPE = (1, 28, 28)
NUM_CLASSES = 10
#: Used when models/digit.json gives no threshold (see docs/accuracy.md).
DEFAULT_NOT_SURE_THRESHOLD = 0.6


class ModelError(RuntimeError):
    """The model file is missing, unreadable or not a digit model; the message names the path."""


@dataclass
class Prediction:
    probs: np.ndarray  # (10,) float32, sums to 1
    digit: int = field(init=False)
    confidence: float = field(init=False)

    def __post_init__(self) -> None:
        self.digit = int(np.argmax(self.probs))
        self.confidence = float(self.probs[self.digit])

    def top2(self) -> list[tuple[int, float]]:
        order = np.argsort(self.probs)[::-1][:2]
        return [(int(d), float(self.probs[d])) for d in order]


def load_metadata(model: Path) -> dict[str, Any]:
    """models/digit.json as a dict; {} if absent, unreadable or not a JSON object (metadata is
    informative only)."""
    try:
        meta = json.loads(resources.metadata_path(model).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


#: How far a row of probabilities may sum from 1 (float32 softmax rounding is ~1e-6).
SUM_TOLERANCE = 1e-3


def probability_problem(probs: np.ndarray) -> str | None:
    """None if every row is a probability distribution; else what is wrong, in words.  A model
    that outputs logits or scores would otherwise be shown as "1851 % confident".

    It runs on every answer, so a valid batch is accepted from two reductions (the minimum
    catches a NaN, -inf or a negative; +inf makes a row sum infinite); only a rejected one takes
    the checks below, which name the problem."""
    if probs.size and float(probs.min()) >= 0.0:  # no -inf: the sums below raise no warning
        if float(np.abs(probs.sum(axis=1, dtype=np.float64) - 1.0).max()) <= SUM_TOLERANCE:
            return None
    if not np.all(np.isfinite(probs)):
        return "NaN or infinite values"
    if probs.size and float(probs.min()) < 0.0:
        return f"negative values (min {float(probs.min()):.4g})"
    sums = probs.sum(axis=1, dtype=np.float64)
    worst = int(np.argmax(np.abs(sums - 1.0))) if len(sums) else 0
    if len(sums) and abs(sums[worst] - 1.0) > SUM_TOLERANCE:
        return f"a row sums to {sums[worst]:.6g}, not 1"
    return None


def open_session(path: Path, threads: int = 1):
    """An onnxruntime CPU session for ``path``; ModelError naming the file if it cannot be loaded."""
    import onnxruntime as ort

    if hasattr(ort, "disable_telemetry_events"):  # in case a host imported onnxruntime before digitpad
        ort.disable_telemetry_events()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        # enable_fallback=0: on a failed load onnxruntime would otherwise print "EP Error ...
        # Falling back" to stdout (corrupting `predict --json`) and retry the same provider.
        return ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"], enable_fallback=0
        )
    except Exception as exc:  # onnxruntime raises several unrelated types for bad files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load model {path}: {first}") from None


class Recognizer:
    """A loaded digit model.  Construction validates everything, so later calls cannot fail on I/O."""

    def __init__(self, path: str | os.PathLike | None = None, threads: int = 1) -> None:
        self.path = Path(path) if path is not None else resources.model_path()
        if not self.path.is_file():
            raise ModelError(f"model file not found: {self.path}")
        self._session = open_session(self.path, threads)
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1 or len(outputs) < 1:
            raise ModelError(f"model {self.path}: expected 1 input and 1 output, got {len(inputs)} and {len(outputs)}")
        shape = list(inputs[0].shape)
        if len(shape) != 4 or tuple(shape[1:]) != INPUT_SHAPE:
            raise ModelError(f"model {self.path}: input shape {shape}, expected [N, 1, 28, 28]")
        out_shape = list(outputs[0].shape)
        if len(out_shape) != 2 or out_shape[1] != NUM_CLASSES:
            raise ModelError(f"model {self.path}: output shape {out_shape}, expected [N, 10]")
        self._input = inputs[0].name
        self._output = outputs[0].name
        named = {o.name: list(o.shape) for o in outputs}
        shape = named.get("features")
        #: Width of the pooled-feature output, or None for a model without one.
        self.feature_dim: int | None = int(shape[1]) if shape and len(shape) == 2 and isinstance(shape[1], int) else None
        self.metadata = load_metadata(self.path)

    @property
    def not_sure_threshold(self) -> float:
        """Top probability below which the app says 'not sure' (chosen on held-out writers)."""
        value = self.metadata.get("not_sure_threshold", DEFAULT_NOT_SURE_THRESHOLD)
        return float(value) if isinstance(value, (int, float)) else DEFAULT_NOT_SURE_THRESHOLD

    def predict_batch(self, batch: np.ndarray) -> np.ndarray:
        """(N, 1, 28, 28) float32 in 0..1 -> (N, 10) probabilities."""
        return self._run(batch, with_features=False)[0]

    def predict_with_features(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(N, 1, 28, 28) -> ((N, 10) probabilities, (N, D) pooled features or None if the model has none)."""
        return self._run(batch, with_features=self.feature_dim is not None)

    def _run(self, batch: np.ndarray, with_features: bool) -> tuple[np.ndarray, np.ndarray | None]:
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        if batch.ndim != 4 or batch.shape[1:] != INPUT_SHAPE:
            raise ValueError(f"expected (N, 1, 28, 28) input, got {batch.shape}")
        names = [self._output, "features"] if with_features else [self._output]
        try:
            outputs = self._session.run(names, {self._input: batch})
        except Exception as exc:
            raise ModelError(f"model {self.path} failed to run: {exc}") from None
        probs = np.asarray(outputs[0], dtype=np.float32)
        if probs.shape != (batch.shape[0], NUM_CLASSES):
            raise ModelError(f"model {self.path} returned invalid output of shape {probs.shape}")
        problem = probability_problem(probs)
        if problem is not None:
            raise ModelError(f"model {self.path} does not output probabilities: {problem} "
                             "(a digit model ends in a softmax)")
        if not with_features:
            return probs, None
        features = np.asarray(outputs[1], dtype=np.float32)
        if features.shape != (batch.shape[0], self.feature_dim):
            raise ModelError(f"model {self.path} returned features of shape {features.shape}")
        return probs, features

    def predict(self, model_input: np.ndarray) -> Prediction:
        """One preprocessed image (1, 1, 28, 28) -> Prediction."""
        return Prediction(self.predict_batch(model_input.reshape(1, *INPUT_SHAPE))[0])
