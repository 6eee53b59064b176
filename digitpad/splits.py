"""Deterministic split of the pen data BY WRITER (numpy/stdlib only, importable without torch).

A writer's bucket is the first 8 bytes of sha256(writer id, UTF-8) as a big-endian
integer, modulo 100.  Buckets 0-19 (~20 % of writers) are the **test** writers
(reported accuracy only, never trained or tuned on), buckets 20-29 (~10 %) are the
**val** writers (temperature scaling, "not sure" threshold), the rest **train**.
The bucket depends only on the writer string, so the split is stable across runs,
machines, Python versions and data order, and one writer is never on two sides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

TEST_BUCKETS = range(0, 20)
VAL_BUCKETS = range(20, 30)
SPLIT_NAMES = ("train", "val", "test")
DESCRIPTION = (
    "by writer: bucket = int.from_bytes(sha256(writer.encode('utf-8')).digest()[:8], 'big') % 100; "
    "test = buckets 0-19 (~20 % of writers), val = buckets 20-29 (~10 %, temperature + threshold), "
    "train = buckets 30-99"
)


def writer_bucket(writer: str) -> int:
    """0..99, a stable function of the writer id alone."""
    digest = hashlib.sha256(str(writer).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 100


def split_of(writer: str) -> str:
    """'train', 'val' or 'test' for one writer id."""
    bucket = writer_bucket(writer)
    if bucket in TEST_BUCKETS:
        return "test"
    if bucket in VAL_BUCKETS:
        return "val"
    return "train"


def split_masks(writers: Iterable[str]) -> dict[str, np.ndarray]:
    """Boolean masks {'train', 'val', 'test'} over a sequence of per-sample writer ids."""
    names = np.array([split_of(w) for w in writers])
    return {name: names == name for name in SPLIT_NAMES}
