"""Personal adaptation (numpy only): a per-user classifier on pooled model features, blended
with the base answer.

The models' pooled feature vectors (the input of their last layer), scaled to unit length
and whitened with the within-digit covariance of the training writers
(models/personal.npz, :mod:`digitpad.train.personal_stats`), give one prototype per digit
from the user's samples: their mean.  Whitened, "how far from the user's 7" is measured in
units of how much 7s vary from writer to writer, so one threshold serves every digit.  The
personal evidence (minus the squared distance to each prototype) is added to the base
log-probabilities in proportion to how near the input is to the user's nearest prototype,
and a digit the user gave no samples of counts as lying at the edge of "near".

"Not sure" keeps working: unless the input is very near one of the user's prototypes
(``Space.full_at``, nearer than most of a writer's own digits are), the adapted answer keeps
the base answer's probability values and only reorders which digit gets which, so a letter
or a scribble cannot become a confident digit because the user has samples; measured in
benchmarks/personal.py.  The parameters below were chosen with that benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

NUM_CLASSES = 10
#: Probabilities are clipped here before the log (as digitpad.fusion does).
FLOOR = 1e-7
#: The statistics file beside the models.
STATS_FILE = "personal.npz"


@dataclass(frozen=True)
class Space:
    """A feature space (image features, or image + trajectory features) and how to adapt in it."""

    center: np.ndarray  # (D,) subtracted from unit-length features
    whiten: np.ndarray  # (D, D) maps centred features to the whitened space
    weight: float  # log-probability units per unit of mean squared whitened distance
    near: tuple[float, float]  # nearest-prototype distance: full personal evidence below, none above
    full_at: float  # nearer than this, the adapted probabilities are used as they are

    def transform(self, features: np.ndarray) -> np.ndarray:
        """(N, D) pooled features -> (N, D) whitened (float64)."""
        return (unit_rows(features) - self.center) @ self.whiten


#: Tuned per space with benchmarks/personal.py (see docs/accuracy.md, "Personal adaptation").
IMAGE_PARAMS = {"weight": 30.0, "near": (4.0, 8.0), "full_at": 1.0}
FUSED_PARAMS = {"weight": 30.0, "near": (2.0, 3.5), "full_at": 1.0}


@dataclass(frozen=True)
class PersonalStats:
    """The whitening of both feature spaces, and the models they were computed for."""

    image: Space
    fused: Space | None
    image_model_sha256: str
    trajectory_model_sha256: str


def load_stats(path: Path) -> PersonalStats | None:
    """models/personal.npz; None if absent or not usable (adaptation is then unavailable)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError):
        return None
    try:
        image = _space(arrays["image_center"], arrays["image_whiten"], IMAGE_PARAMS)
        fused = _space(arrays["fused_center"], arrays["fused_whiten"], FUSED_PARAMS) if "fused_center" in arrays else None
        return PersonalStats(image, fused, str(arrays["image_model_sha256"]), str(arrays.get("trajectory_model_sha256", "")))
    except (KeyError, ValueError):
        return None


def _space(center: np.ndarray, whiten: np.ndarray, params: dict) -> Space:
    center, whiten = np.asarray(center, np.float64), np.asarray(whiten, np.float64)
    if center.ndim != 1 or whiten.shape != (len(center), len(center)) or not np.isfinite(whiten).all():
        raise ValueError("malformed whitening")
    return Space(center, whiten, **params)


@dataclass(frozen=True)
class PersonalModel:
    """What a fit keeps: the space and, per digit, the mean of the samples' whitened features."""

    space: Space
    prototypes: np.ndarray  # (10, D) float64, zeros where no sample
    present: np.ndarray  # (10,) bool: the digit has samples
    count: int  # samples fitted


def unit_rows(features: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero)."""
    f = np.asarray(features, np.float64)
    return f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)


def fit(features: np.ndarray, labels: np.ndarray, space: Space) -> PersonalModel:
    """(N, D) pooled features of the samples and their (N,) digits -> PersonalModel."""
    labels = np.asarray(labels, np.int64)
    features = np.asarray(features)
    if features.ndim != 2 or len(features) != len(labels) or features.shape[1] != len(space.center):
        raise ValueError(f"{len(labels)} labels for features of shape {features.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ValueError("labels must be digits 0-9")
    w = space.transform(features)
    onehot = np.zeros((NUM_CLASSES, len(labels)))
    onehot[labels, np.arange(len(labels))] = 1.0
    sums = onehot @ w
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    return PersonalModel(space, sums / np.maximum(counts, 1)[:, None], counts > 0, int(len(labels)))


def distances(features: np.ndarray, model: PersonalModel) -> np.ndarray:
    """(N, 10) mean squared whitened distance of each input to each digit's prototype (inf: no samples)."""
    w = model.space.transform(features)
    d2 = (np.sum(w * w, 1)[:, None] - 2.0 * w @ model.prototypes.T
          + np.sum(model.prototypes ** 2, 1)[None, :]) / w.shape[1]
    return np.where(model.present, np.maximum(d2, 0.0), np.inf)


def adapt(probs: np.ndarray, features: np.ndarray, model: PersonalModel) -> np.ndarray:
    """(N, 10) base probabilities and the inputs' (N, D) features -> (N, 10) adapted probabilities."""
    probs = np.asarray(probs, np.float32)
    if not model.present.any() or len(probs) == 0:
        return probs
    space = model.space
    d2 = distances(features, model)
    nearest = d2.min(axis=1)
    lo, hi = space.near
    gate = np.clip((hi - nearest) / (hi - lo), 0.0, 1.0)[:, None]
    evidence = -(np.where(model.present, d2, hi) - nearest[:, None])  # a digit without samples: at the edge of "near"
    z = np.log(np.clip(probs.astype(np.float64), FLOOR, None)) + space.weight * gate * evidence
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    adapted = e / e.sum(axis=1, keepdims=True)
    # away from the user's prototypes: the base's probability values, in the adapted order
    order = np.argsort(-adapted, axis=1, kind="stable")
    reordered = np.empty_like(adapted)
    np.put_along_axis(reordered, order, -np.sort(-probs.astype(np.float64), axis=1), axis=1)
    out = np.where((nearest <= space.full_at)[:, None], adapted, reordered)
    return out.astype(np.float32)
