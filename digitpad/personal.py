"""Personal adaptation (numpy only): a per-user classifier on pooled model features, blended
with the base answer.

The models' pooled feature vectors (the input of their last layer) of a user's labelled
samples give one prototype per digit: the mean of the samples' unit-length features.  A new
input's cosine similarity to each prototype is the personal evidence.  It is added to the base
log-probabilities only in proportion to how close the input is to the user's samples, so a
letter or a scribble (far from every sample) keeps the base answer and its "not sure", and a
digit the user never gave samples of keeps the base model's view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NUM_CLASSES = 10
#: Probabilities are clipped here before the log (as digitpad.fusion does).
FLOOR = 1e-7


@dataclass(frozen=True)
class PersonalModel:
    """What a fit keeps: per digit the prototype (unit vector; zeros where no sample)."""

    prototypes: np.ndarray  # (10, D) float32
    present: np.ndarray  # (10,) bool: the digit has samples
    count: int  # samples fitted
    weight: float = 60.0  # strength of the personal evidence, in log-probability units per unit of cosine
    near: tuple[float, float] = (0.80, 0.95)  # cosine to the nearest prototype: no effect below, full above


def unit_rows(features: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero)."""
    f = np.asarray(features, np.float32)
    norms = np.linalg.norm(f, axis=1, keepdims=True)
    return f / np.maximum(norms, 1e-12)


def fit(features: np.ndarray, labels: np.ndarray) -> PersonalModel:
    """(N, D) pooled features of the samples and their (N,) digits -> PersonalModel."""
    f = unit_rows(features)
    labels = np.asarray(labels, np.int64)
    if f.ndim != 2 or len(f) != len(labels):
        raise ValueError(f"{len(labels)} labels for features of shape {f.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ValueError("labels must be digits 0-9")
    sums = np.zeros((NUM_CLASSES, f.shape[1]), np.float32)
    np.add.at(sums, labels, f)
    present = np.bincount(labels, minlength=NUM_CLASSES) > 0
    return PersonalModel(unit_rows(sums), present, int(len(labels)))


def adapt(probs: np.ndarray, features: np.ndarray, model: PersonalModel) -> np.ndarray:
    """(N, 10) base probabilities and the inputs' (N, D) features -> (N, 10) adapted probabilities."""
    probs = np.asarray(probs, np.float32)
    if not model.present.any() or len(probs) == 0:
        return probs
    sims = unit_rows(features) @ model.prototypes.T  # (N, 10) cosine
    nearest = np.where(model.present, sims, -1.0).max(axis=1)
    lo, hi = model.near
    gate = np.clip((nearest - lo) / (hi - lo), 0.0, 1.0)[:, None]
    # a digit without samples counts as a prototype at the edge of "near": the user's samples
    # speak against it only as far as the input is nearer to one of theirs
    evidence = np.where(model.present, sims, lo) - nearest[:, None]
    z = np.log(np.clip(probs.astype(np.float64), FLOOR, None)) + model.weight * gate * evidence
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
