"""Scoring number reading on labelled drawings: exact match and digit level, by length.

Shared by ``digitpad eval --numbers`` and benchmarks/number_reading.py.  Labels are strings
("08967": a leading zero is a digit like any other).

Digit level: per number, the digits read right = the positions that agree when the
reading has the label's length, else ``max(0, len(label) - edit distance)`` (Levenshtein
over symbols: a missed, an extra or a wrong digit costs one each); summed over numbers
and divided by the labels' total length.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from digitpad.drawing import Drawing


def label_of(drawing: Drawing) -> str | None:
    """The drawing's label as a string of digits (a JSON number is accepted too), else None."""
    value = drawing.extra.get("label")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if isinstance(value, str) and value and len(value) <= 64 and all(c in "0123456789.-" for c in value):
        return value
    return None


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute: 1 each)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def digits_right(label: str, text: str) -> int:
    """Digits of ``label`` read right in ``text`` (see the module's definition)."""
    if len(label) == len(text):
        return sum(a == b for a, b in zip(label, text))
    return max(0, len(label) - edit_distance(label, text))


@dataclass
class NumberReport:
    """Per number: its label, what was read and the writer; summaries by length."""

    labels: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)

    def add(self, label: str, text: str, writer: str = "") -> None:
        self.labels.append(label)
        self.texts.append(text)
        self.writers.append(writer)

    @property
    def count(self) -> int:
        return len(self.labels)

    @property
    def exact(self) -> float:
        return sum(a == b for a, b in zip(self.labels, self.texts)) / self.count if self.count else 0.0

    @property
    def digit_level(self) -> float:
        total = sum(len(a) for a in self.labels)
        return sum(digits_right(a, b) for a, b in zip(self.labels, self.texts)) / total if total else 0.0

    def by_length(self) -> dict[int, NumberReport]:
        out: dict[int, NumberReport] = defaultdict(NumberReport)
        for a, b, w in zip(self.labels, self.texts, self.writers):
            out[len(a)].add(a, b, w)
        return dict(sorted(out.items()))

    def mistakes(self) -> list[tuple[str, str, str]]:
        """(label, read, writer) of every number not read exactly."""
        return [(a, b, w) for a, b, w in zip(self.labels, self.texts, self.writers) if a != b]

    def to_dict(self) -> dict:
        return {
            "count": self.count, "exact": self.exact, "digit_level": self.digit_level,
            "by_length": {str(n): {"count": r.count, "exact": r.exact, "digit_level": r.digit_level}
                          for n, r in self.by_length().items()},
            "mistakes": [{"label": a, "read": b, "writer": w} for a, b, w in self.mistakes()],
        }


def report_of(items: Iterable[tuple[str, str, str]]) -> NumberReport:
    """(label, text read, writer) triples -> NumberReport."""
    report = NumberReport()
    for label, text, writer in items:
        report.add(label, text, writer)
    return report


def evaluate_numbers(models, drawings: Iterable[Drawing], width: float, weights=None) -> NumberReport:
    """Read every labelled drawing (rendered at ``width`` where a stroke gives none) -> NumberReport.
    ``models``: a DrawingRecognizer; ``weights``: number.Weights (default: the fitted ones)."""
    from digitpad.number import WEIGHTS, NumberReader

    reader = NumberReader(models, width, weights if weights is not None else WEIGHTS)
    report = NumberReport()
    for d in drawings:
        label = label_of(d)
        if label is None:
            continue
        reading = reader.read(d)
        report.add(label, reading.text if reading is not None else "", d.writer or "")
    return report
