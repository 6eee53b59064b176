"""onnxruntime wrapper for the trajectory model: (N, 64, 7) trajectory features -> probabilities + pooled features.

The trajectory twin of :class:`digitpad.recognizer.Recognizer`: temperature and
softmax live inside the ONNX graph (``probs``), and the pooled vector the
classifier reads comes out too (``features``), so a later per-user model can be
fitted on it without a second network.  The batch axis is dynamic: many candidate
digits of a number go through one call.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from digitpad import resources
from digitpad.recognizer import NUM_CLASSES, ModelError, load_metadata, open_session, probability_problem
from digitpad.trajectory import FEATURES, POINTS

INPUT_SHAPE = (POINTS, len(FEATURES))
OUTPUTS = ("probs", "features")


def trajectory_model_path() -> Path:
    """The trajectory model beside the image model (models/trajectory.onnx)."""
    return resources.model_path().with_name("trajectory.onnx")


class TrajectoryRecognizer:
    """A loaded trajectory model.  Construction validates the file, so later calls cannot fail on I/O."""

    def __init__(self, path: str | os.PathLike | None = None, threads: int = 1) -> None:
        self.path = Path(path) if path is not None else trajectory_model_path()
        if not self.path.is_file():
            raise ModelError(f"model file not found: {self.path}")
        self._session = open_session(self.path, threads)
        inputs = self._session.get_inputs()
        outputs = {o.name: list(o.shape) for o in self._session.get_outputs()}
        if len(inputs) != 1 or list(inputs[0].shape)[1:] != list(INPUT_SHAPE) or len(inputs[0].shape) != 3:
            raise ModelError(f"model {self.path}: expected one input [N, {POINTS}, {len(FEATURES)}], "
                             f"got {[list(i.shape) for i in inputs]}")
        if set(OUTPUTS) - set(outputs) or outputs["probs"][1:] != [NUM_CLASSES] or len(outputs["features"]) != 2:
            raise ModelError(f"model {self.path}: expected outputs probs [N, 10] and features [N, D], got {outputs}")
        self._input = inputs[0].name
        self.feature_dim = int(outputs["features"][1])
        self.metadata: dict[str, Any] = load_metadata(self.path)

    def predict_batch(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 64, 7) float32 from ``trajectory_batch`` -> ((N, 10) probabilities, (N, D) features)."""
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        if batch.ndim != 3 or batch.shape[1:] != INPUT_SHAPE:
            raise ValueError(f"expected (N, {POINTS}, {len(FEATURES)}) input, got {batch.shape}")
        try:
            probs, features = self._session.run(list(OUTPUTS), {self._input: batch})
        except Exception as exc:
            raise ModelError(f"model {self.path} failed to run: {exc}") from None
        probs = np.asarray(probs, np.float32)
        if probs.shape != (len(batch), NUM_CLASSES):
            raise ModelError(f"model {self.path} returned invalid output of shape {probs.shape}")
        problem = probability_problem(probs)
        if problem is not None:
            raise ModelError(f"model {self.path} does not output probabilities: {problem}")
        return probs, np.asarray(features, np.float32)
