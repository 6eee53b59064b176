"""Read MNIST's standard IDX files (gzip or raw) into numpy; no downloads, ever."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

SPLITS = {"train": "train", "test": "t10k"}


class DatasetError(ValueError):
    """A data file that is missing or not in the expected format."""


def _read_idx(path: Path, magic: int) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path}: cannot read ({exc})") from None
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header or int.from_bytes(data[:4], "big") != magic:
        raise DatasetError(f"{path}: not an IDX file with magic {magic}")
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    count = int(np.prod(dims))
    if len(data) - header < count:
        raise DatasetError(f"{path}: truncated ({len(data) - header} of {count} bytes)")
    return np.frombuffer(data, dtype=np.uint8, count=count, offset=header).reshape(dims)


def _find(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if (folder / name).is_file():
            return folder / name
    raise DatasetError(f"{folder}: no {stem}[.gz] (expected MNIST's standard IDX files)")


def load_mnist(folder: str | os.PathLike, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 with ink = 255, and labels (N,) uint8."""
    folder = Path(folder)
    prefix = SPLITS[split]
    images = _read_idx(_find(folder, f"{prefix}-images-idx3-ubyte"), 2051)
    labels = _read_idx(_find(folder, f"{prefix}-labels-idx1-ubyte"), 2049)
    if len(images) != len(labels):
        raise DatasetError(f"{folder}: {len(images)} images but {len(labels)} labels")
    return images, labels
