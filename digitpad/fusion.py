"""Fusing the image model and the trajectory model into one calibrated answer (numpy only).

The image sees where the ink is; the trajectory sees the order and direction it
was written in (a 1's lead-in rises from the lower left, a 7's bar starts at the
top left).  Where strokes exist both are asked and their log-probabilities are
mixed: ``probs = softmax((w * log p_image + (1 - w) * log p_trajectory) / T)``.
``w`` and ``T`` are fitted on the val writers (minimum negative log-likelihood,
widths 8/16/28) and stored in models/trajectory.json (``fusion``) with the "not
sure" threshold chosen for the fused output, so the rule and the numbers travel
with the model files.  Images alone (a PNG) keep the image model alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Probabilities are clipped here before the log, so one model's exact 0 cannot veto the other.
FLOOR = 1e-7


@dataclass(frozen=True)
class FusionParams:
    image_weight: float  # w: share of the image model's log-probabilities
    temperature: float  # T
    not_sure_threshold: float  # top fused probability below which the answer is "not sure"
    image_model_sha256: str = ""  # the image model these weights were fitted for

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> FusionParams | None:
        """The ``fusion`` entry of trajectory.json; None if absent or malformed."""
        entry = meta.get("fusion") if isinstance(meta, dict) else None
        if not isinstance(entry, dict):
            return None
        fitted_for = entry.get("image_model_sha256")
        try:
            params = cls(float(entry["image_weight"]), float(entry["temperature"]),
                         float(entry["not_sure_threshold"]), fitted_for if isinstance(fitted_for, str) else "")
        except (TypeError, KeyError, ValueError):
            return None
        ok = 0.0 <= params.image_weight <= 1.0 and params.temperature > 0 and 0 < params.not_sure_threshold <= 1
        return params if ok else None


def floored_log(probs: np.ndarray) -> np.ndarray:
    """log(max(p, FLOOR)) in float64: what the fusion (and a temperature rescale) takes the log of."""
    return np.log(np.maximum(np.asarray(probs, np.float64), FLOOR))


def fused_logits(image_probs: np.ndarray, trajectory_probs: np.ndarray, image_weight: float) -> np.ndarray:
    """(N, 10) weighted sum of log-probabilities (before the temperature).  (np.maximum is
    np.clip without an upper bound, NaN included, minus clip's Python overhead: this runs on
    every answer.)"""
    return image_weight * floored_log(image_probs) + (1.0 - image_weight) * floored_log(trajectory_probs)


def fuse(image_probs: np.ndarray, trajectory_probs: np.ndarray, params: FusionParams) -> np.ndarray:
    """(N, 10) calibrated fused probabilities (float32, rows sum to 1)."""
    z = fused_logits(image_probs, trajectory_probs, params.image_weight) / params.temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
