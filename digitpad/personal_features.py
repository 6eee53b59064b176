"""The samples' pooled features kept on disk, so a start with many samples fits in milliseconds.

Fitting personal adaptation needs each sample's pooled features, which takes a render and
both models per sample: about two seconds for 1,000 samples on a slow machine.  The
features only depend on the sample and on the model files, so they are written beside the
samples file (``personal-features.npz``, in digitpad's own app-data folder) and read back at
the next start.  The file is a cache: it names the models it was made with (their sha256)
and is ignored when they differ, when it cannot be read, or when a sample is not in it; a
failed write costs only speed.  float32, so a fit from the file equals a fresh fit exactly.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import numpy as np

from digitpad.drawing import atomic_write_bytes

FEATURES_FILE = "personal-features.npz"

#: One sample's features: (image features, trajectory features or None).
Features = tuple[np.ndarray, "np.ndarray | None"]


def sample_digest(key: tuple) -> str:
    """A stable text name for a sample's cache key (its id, size and stroke summary)."""
    return hashlib.sha1(repr(key).encode("utf-8")).hexdigest()


def load_features(path: Path, models: str) -> dict[str, Features]:
    """digest -> features from ``path`` if it was made with ``models``; {} otherwise (missing,
    unreadable, damaged or stale: it is only a cache)."""
    try:
        if not Path(path).is_file():
            return {}
        with np.load(path, allow_pickle=False) as data:
            if str(data["models"]) != models:
                return {}
            keys, image, traj, has_traj = data["keys"], data["image"], data["trajectory"], data["has_trajectory"]
            if not (len(keys) == len(image) == len(traj) == len(has_traj)) or image.ndim != 2 or traj.ndim != 2:
                return {}
            image = image.astype(np.float32, copy=False)
            traj = traj.astype(np.float32, copy=False)
            return {str(k): (image[i], traj[i] if has_traj[i] else None) for i, k in enumerate(keys)}
    except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile):  # a cache that cannot be read is no cache
        return {}


def save_features(path: Path, models: str, features: dict[str, Features]) -> None:
    """Write the cache atomically (OSError if it cannot be written)."""
    rows = [(k, v) for k, v in features.items() if v is not None]
    if not rows:
        if os.path.lexists(path):
            os.remove(path)
        return
    image = np.stack([v[0] for _, v in rows]).astype(np.float32)
    traj_dim = next((len(v[1]) for _, v in rows if v[1] is not None), 0)
    traj = np.zeros((len(rows), traj_dim), np.float32)
    has = np.zeros(len(rows), bool)
    for i, (_, v) in enumerate(rows):
        if v[1] is not None and len(v[1]) == traj_dim:
            traj[i], has[i] = v[1], True
    buffer = io.BytesIO()
    np.savez(buffer, models=np.array(models), keys=np.array([k for k, _ in rows]), image=image,
             trajectory=traj, has_trajectory=has)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue(), fsync=False)  # a cache: a crash costs a re-render, not data
