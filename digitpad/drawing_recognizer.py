"""What reads a drawing with strokes: the image model and the trajectory model, fused.

One place decides how an answer is made, so the window, ``digitpad predict`` and
``digitpad eval --drawings`` give the same probabilities for the same drawing: the
image goes through :mod:`digitpad.preprocess` and :class:`~digitpad.recognizer.Recognizer`,
the strokes through :func:`digitpad.trajectory.trajectory_batch` and
:class:`~digitpad.trajectory_recognizer.TrajectoryRecognizer`, and the two are
combined by :func:`digitpad.fusion.fuse` with the weights fitted for exactly this
image model.  Where there are no strokes (a PNG, a picture on the canvas) or no
fitted trajectory model, the image model answers alone with its own threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from digitpad.drawing import Drawing
from digitpad.files import sha256_file
from digitpad.fusion import FusionParams, fuse
from digitpad.recognizer import ModelError, Recognizer
from digitpad.trajectory import trajectory_features
from digitpad.trajectory_recognizer import TrajectoryRecognizer


class DrawingRecognizer:
    """The image recognizer plus, where one fitted for it is present, the trajectory recognizer."""

    def __init__(self, image: Recognizer, trajectory: TrajectoryRecognizer | None = None) -> None:
        self.image = image
        self.trajectory: TrajectoryRecognizer | None = None
        self.fusion: FusionParams | None = None
        if trajectory is not None:
            params = FusionParams.from_metadata(trajectory.metadata)
            if params is not None and params.image_model_sha256 == sha256_file(image.path):  # fits one image model only
                self.trajectory, self.fusion = trajectory, params

    @classmethod
    def load(cls, image_path: str | Path | None = None, threads: int = 1) -> DrawingRecognizer:
        """The image model (ModelError if it cannot be used) and models/trajectory.onnx beside it,
        if present and loadable; a missing or broken trajectory model leaves the image model alone."""
        image = Recognizer(image_path, threads)
        try:
            trajectory = TrajectoryRecognizer(image.path.with_name("trajectory.onnx"), threads)
        except ModelError:
            trajectory = None
        return cls(image, trajectory)

    @property
    def fused(self) -> bool:
        return self.fusion is not None

    def threshold(self, fused: bool) -> float:
        """The "not sure" threshold of fused answers, or of the image model's own."""
        return self.fusion.not_sure_threshold if fused and self.fusion is not None else self.image.not_sure_threshold

    def predict_batch(self, images: np.ndarray,
                      drawings: Sequence[Drawing | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(N, 1, 28, 28) preprocessed images and, per row, the drawing they were rendered from
        (None for a picture) -> ((N, 10) probabilities, (N,) bool: fused)."""
        if drawings is None or self.fusion is None:
            return self.predict_features(images, None)
        return self.predict_features(images, [trajectory_features(d) if d is not None else None for d in drawings])

    def predict_features(self, images: np.ndarray,
                         trajectories: Sequence[np.ndarray | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """As ``predict_batch`` with each drawing already turned into ``trajectory_features``
        (None: no strokes), for callers that must not keep drawings in memory."""
        probs = self.image.predict_batch(images)
        fused = np.zeros(len(probs), bool)
        if self.fusion is None or trajectories is None:
            return probs, fused
        if len(trajectories) != len(probs):
            raise ValueError(f"{len(trajectories)} trajectories for {len(probs)} images")
        rows = [i for i, f in enumerate(trajectories) if f is not None]
        if rows:
            traj, _ = self.trajectory.predict_batch(np.stack([trajectories[i] for i in rows]))
            probs[rows] = fuse(probs[rows], traj, self.fusion)
            fused[rows] = True
        return probs, fused
