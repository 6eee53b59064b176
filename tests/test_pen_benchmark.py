"""benchmarks/pen_accuracy.py --real-nondigits: "not sure" rates of real letters and symbols (real model)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import pen_accuracy  # noqa: E402

from digitpad.recognizer import Recognizer  # noqa: E402


def _write(path: Path, items: list[tuple[str, str, list[list[list[float]]]]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for label, writer, strokes in items:
            fh.write(json.dumps({"format": "digitpad-drawing", "version": 1, "width": 280, "height": 280,
                                 "strokes": [{"points": s} for s in strokes], "label": label,
                                 "writer": writer}) + "\n")


def test_real_nondigits_rates(tmp_path):
    greater = [[[90, 50, 1], [200, 140, 1], [90, 230, 1]]]
    hash_ = [[[110, 40, 1], [100, 240, 1]], [[180, 40, 1], [170, 240, 1]], [[60, 100, 1], [230, 100, 1]],
             [[50, 180, 1], [220, 180, 1]]]
    path = tmp_path / "nd.jsonl.gz"
    _write(path, [(">", "apa/x/a.dat", greater), ("#", "tos/y/b.dat", hash_)])
    rec = Recognizer()
    r = pen_accuracy.real_nondigits(rec, str(path), rec.not_sure_threshold)
    assert r["drawings"] == 2 and r["writer_count"] == 2
    assert set(r["not_sure_rate_by_char"]) == {"#", ">"}
    for char, rate in r["not_sure_rate_by_char"].items():  # each drawing at 3 widths: unsure + confident = all
        assert rate * 3 + sum(r["confident_reads_by_char"][char].values()) == pytest.approx(3)
    assert r["not_sure_rate"] == pytest.approx(sum(r["not_sure_rate_by_char"].values()) / 2)
    assert set(r["not_sure_rate_by_collection"]) == {"apa", "tos"}
    assert set(r["not_sure_rate_by_width"]) == {"8", "16", "28"}
