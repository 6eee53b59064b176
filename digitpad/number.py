"""Reading a whole number: strokes (or an image's ink blobs) grouped into digits.

A number is read by trying alternative splits of its strokes into digits and keeping the
best one.  Strokes are ordered left to right by the centre of their x-extent; a digit is
a run of up to ``MAX_GROUP`` consecutive strokes (a 4, 5 or 7 is often two strokes, a
crossed 7 three).  Every candidate run is rendered on its own through the one renderer
and the one preprocessor and read by the same :class:`DrawingRecognizer` the window uses
(all candidates of a reading in one batched call per model).  A split's score adds, per
digit, the log of the recognizer's top probability and a few geometric costs relative to
the line height (too wide, too short, a gap inside a digit, neighbours overlapping), and
dynamic programming over the ordered strokes finds the best split.  Nothing here knows
which numbers are common: no lexicon, no length prior.

A decimal point (a dot low between two digits, clear of every other stroke) and a leading
minus (a short flat stroke at mid height before everything else) are recognised by their
shape alone and have no probabilities.

A drawing that is one digit is read through the very same whole-drawing render and call
as a single digit is today, so its probabilities are exactly today's answer.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from digitpad.drawing import Drawing, Stroke
from digitpad.drawing_recognizer import DrawingRecognizer
from digitpad.preprocess import preprocess
from digitpad.render import DEFAULT_STROKE_WIDTH, MAX_RENDER_COST, MAX_RENDER_SIDE, check_renderable, render, render_cost

#: Most strokes (or image components) one digit may have.
MAX_GROUP = 4
#: Scored candidates a NumberReader keeps (a 10-digit number of 20 strokes needs ~70).
CACHE_SIZE = 4096
#: A run of parts wider than this many line heights, or with a blank inside wider than
#: PRUNE_GAP, is not a candidate digit (the split score could never choose it: see Weights).
PRUNE_WIDE = 2.5
PRUNE_GAP = 0.8
#: Runs of three or more parts (rare: a crossed 7 with a serif, a 4 in three strokes) wider than
#: this are not candidates either: in real numbers such digits are at most ~0.9 line heights wide.
PRUNE_WIDE_MANY = 1.5
#: Image components wider than this many line heights (touching digits) are cut at their
#: thinnest columns where a column holds at most CUT_DEPTH stroke thicknesses of ink.
CUT_WIDE = 1.1
CUT_DEPTH = 1.3
#: ... and a component alone in its image from this width on (below it, most likely one wide digit).
CUT_WIDE_ALONE = 1.5
#: Image components smaller than this (of the line height, both sides) are specks, not digits.
SPECK = 0.06
#: Pixels darker than this (of 255) are paper when an image is cut into connected components.
IMAGE_INK_LEVEL = 48


@dataclass(frozen=True)
class DigitReading:
    """One symbol of a number: a digit with its probabilities, or "." / "-" without."""

    symbol: str
    probs: np.ndarray | None
    strokes: tuple[int, ...]
    box: tuple[float, float, float, float]
    not_sure: bool
    model_input: np.ndarray | None

    @property
    def confidence(self) -> float:
        """Top probability; 1.0 for a decimal point or a minus, which are read by shape."""
        return float(self.probs.max()) if self.probs is not None else 1.0


@dataclass(frozen=True)
class NumberReading:
    digits: tuple[DigitReading, ...]
    text: str
    confidence: float
    not_sure: bool


@dataclass(frozen=True)
class Weights:
    """The split score's geometric costs, in units of log-probability; lengths are in line heights.

    Fitted by coordinate search (benchmarks/number_reading.py --tune) on the pen-strings numbers of the
    tuning writers (not the test split), the single digits of the val-split pen-digits writers
    (a digit must stay one digit) and synthetic numbers of those writers, at pen widths 8/16/28."""

    group_cost: float = -0.4          # per digit: fewer, larger groups unless the recognizer disagrees
    wide_cost: float = 0.56           # per line height of width beyond ``wide_from``
    wide_from: float = 0.8925
    short_cost: float = 2.55          # per line height of height below ``short_from``
    short_from: float = 0.54
    gap_cost: float = 6.0            # per line height of blank gap inside one digit beyond ``gap_from``
    gap_from: float = 0.12
    overlap_cost: float = 1.0        # neighbours' shared x-extent, as a fraction of the narrower one
    overlap_from: float = 0.39
    gap_bonus: float = 0.0           # per line height of blank between neighbouring digits (up to ``gap_cap``)
    gap_cap: float = 0.3
    align_cost: float = 2.0          # per line height that neighbours' bottoms differ beyond ``align_from``
    align_from: float = 0.2
    one_bonus: float = 0.0           # the whole drawing as one digit (a digit drawn wide, a 4 written apart)
    order_cost: float = 0.0          # per stroke written in between a digit's strokes yet not part of it


WEIGHTS = Weights()


@dataclass(frozen=True)
class _Part:
    """A stroke or an image component as the segmentation sees it: its index and box."""

    index: int
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class _Scored:
    """What the recognizer said about one candidate group."""

    probs: np.ndarray
    fused: bool
    model_input: np.ndarray


@dataclass(frozen=True)
class Candidates:
    """A drawing cut into parts, with every candidate run of parts scored."""

    parts: list[_Part]                      # the parts that make digits, left to right
    scored: dict[tuple[int, int], _Scored]  # run [i, j) of parts -> the recognizer's answer
    whole: bool                             # all parts together are a candidate too
    minus: _Part | None
    point: _Part | None
    pad: float                              # half the pen width: boxes cover the ink

    @property
    def probs(self) -> dict[tuple[int, int], np.ndarray]:
        return {k: v.probs for k, v in self.scored.items()}


def _union(parts: Sequence[_Part]) -> tuple[float, float, float, float]:
    return (min(p.x0 for p in parts), min(p.y0 for p in parts), max(p.x1 for p in parts), max(p.y1 for p in parts))


def _line_height(parts: Sequence[_Part]) -> float:
    """The height of one digit: the tallest part (a digit has at least one stroke of nearly its height)."""
    return max(max(p.h for p in parts), 1.0)


def _find_minus(parts: Sequence[_Part], line_h: float) -> _Part | None:
    """A short flat part at mid height, wholly left of every other part, when other parts follow."""
    if len(parts) < 2:
        return None
    first = min(parts, key=lambda p: p.x0)
    rest = [p for p in parts if p is not first]
    top, bottom = min(p.y0 for p in rest), max(p.y1 for p in rest)
    span = max(bottom - top, 1.0)
    flat = first.w >= 2.0 * first.h and first.h <= 0.25 * line_h and 0.15 * line_h <= first.w <= 1.2 * line_h
    middle = top + 0.25 * span <= first.cy <= top + 0.8 * span
    clear = first.x1 + 0.03 * line_h < min(p.x0 for p in rest)
    return first if flat and middle and clear else None


def _find_point(parts: Sequence[_Part], line_h: float) -> _Part | None:
    """A dot in the lower part of the line, clear of every other part's x-extent, between digits."""
    small = [p for p in parts if max(p.w, p.h) <= 0.2 * line_h]
    big = [p for p in parts if max(p.w, p.h) > 0.2 * line_h]
    if not small or len(big) < 2:
        return None
    top, bottom = min(p.y0 for p in big), max(p.y1 for p in big)
    margin = 0.03 * line_h
    found = [
        p for p in small
        if p.cy >= top + 0.6 * (bottom - top)
        and all(p.x1 + margin < q.x0 or q.x1 + margin < p.x0 for q in parts if q is not p)
        and any(q.x1 <= p.x0 for q in big) and any(q.x0 >= p.x1 for q in big)
    ]
    return max(found, key=lambda p: p.cy) if found else None


def _windows(parts: Sequence[_Part], whole: bool) -> list[tuple[int, int]]:
    """Candidate groups: runs [i, j) of up to MAX_GROUP consecutive parts, plus all of them if
    ``whole``; a run of several parts wider than PRUNE_WIDE (PRUNE_WIDE_MANY) line heights or with
    a blank wider than PRUNE_GAP inside is never a digit and is not scored (a pen-up costs fewer renders)."""
    n = len(parts)
    line_h = _line_height(parts)
    out = []
    for j in range(1, n + 1):
        for i in range(j - 1, max(0, j - MAX_GROUP) - 1, -1):
            run = parts[i:j]
            wide = max(p.x1 for p in run) - min(p.x0 for p in run)
            if j - i > 1 and (wide > (PRUNE_WIDE if j - i == 2 else PRUNE_WIDE_MANY) * line_h
                              or _max_gap(run) > PRUNE_GAP * line_h):
                continue
            out.append((i, j))
    if whole and (0, n) not in out:
        out.append((0, n))
    return out


def _max_gap(parts: Sequence[_Part]) -> float:
    """The widest blank between the parts' merged x-extents (0 when they overlap)."""
    spans = sorted((p.x0, p.x1) for p in parts)
    reach, gap = spans[0][1], 0.0
    for x0, x1 in spans[1:]:
        gap = max(gap, x0 - reach)
        reach = max(reach, x1)
    return gap


def _unary(parts: Sequence[_Part], probs: np.ndarray, line_h: float, w: Weights, rank: dict[int, int]) -> float:
    x0, y0, x1, y1 = _union(parts)
    ranks = [rank[p.index] for p in parts]
    score = math.log(max(float(probs.max()), 1e-6)) - w.group_cost
    score -= w.wide_cost * max(0.0, (x1 - x0) / line_h - w.wide_from)
    score -= w.short_cost * max(0.0, w.short_from - (y1 - y0) / line_h)
    score -= w.gap_cost * max(0.0, _max_gap(parts) / line_h - w.gap_from)
    score -= w.order_cost * (max(ranks) - min(ranks) + 1 - len(ranks))
    return score


def _pair_boxes(a: tuple[float, float, float, float], b: tuple[float, float, float, float],
                line_h: float, w: Weights) -> float:
    """The cost of two neighbouring digits with these boxes: sharing much of their x-extent, or
    not standing on one baseline (the bar of a 5, the open top of a 4 beside its stem)."""
    score = -w.align_cost * max(0.0, abs(a[3] - b[3]) / line_h - w.align_from)
    shared = min(a[2], b[2]) - max(a[0], b[0])
    if shared <= 0:
        return score + w.gap_bonus * min(-shared / line_h, w.gap_cap)
    narrower = max(min(a[2] - a[0], b[2] - b[0]), 0.1 * line_h)
    return score - w.overlap_cost * max(0.0, shared / narrower - w.overlap_from)


def choose(models: DrawingRecognizer, candidates: Candidates, weights: Weights = WEIGHTS) -> NumberReading:
    """The reading of the best split of scored candidates under ``weights``."""
    split = best_split(candidates.parts, candidates.probs, weights)
    c = candidates
    return _assemble(models, c.parts, split, c.scored, c.minus, c.point, c.pad)


def best_split(parts: Sequence[_Part], scores: dict[tuple[int, int], np.ndarray],
               weights: Weights = WEIGHTS) -> list[tuple[int, int]]:
    """The highest-scoring split of the ordered parts into runs, given each candidate run's
    probabilities (every single part among them, so some split always exists)."""
    n = len(parts)
    line_h = _line_height(parts)
    rank = {p.index: r for r, p in enumerate(sorted(parts, key=lambda p: p.index))}  # writing order
    best: dict[tuple[int, int], tuple[float, tuple[int, int] | None]] = {}
    ending: dict[int, list[tuple[int, int]]] = {}  # end -> runs ending there, already solved
    boxes = {ij: _union(parts[ij[0]:ij[1]]) for ij in scores}
    for i, j in sorted(scores, key=lambda ij: (ij[1], -ij[0])):
        u = _unary(parts[i:j], scores[(i, j)], line_h, weights, rank)
        if i == 0:
            best[(i, j)] = (u + (weights.one_bonus if j == n else 0.0), None)
        else:
            options = [(best[prev][0] + _pair_boxes(boxes[prev], boxes[(i, j)], line_h, weights), prev)
                       for prev in ending.get(i, ())]
            if not options:
                continue
            s, prev = max(options, key=lambda o: o[0])
            best[(i, j)] = (s + u, prev)
        ending.setdefault(j, []).append((i, j))
    end = max((k for k in best if k[1] == n), key=lambda k: best[k][0])
    split = []
    while end is not None:
        split.append(end)
        end = best[end][1]
    return split[::-1]


def _stroke_key(stroke: Stroke, default_width: float) -> tuple:
    return (stroke.width if stroke.width is not None else default_width, tuple(stroke.points))


#: A candidate group is painted at most this many pixels on its longer side (scaled down as a
#: whole when larger): the preprocessor fits the ink into 20 x 20 anyway.
CROP_SIDE = 80


def _crop_drawing(drawing: Drawing, indices: Sequence[int], default_width: float) -> Drawing:
    """The strokes ``indices`` (writing order kept) on a canvas just around them, moved by whole
    pixels so they are painted as on the full canvas (clipped where the canvas clips them); a
    group larger than CROP_SIDE is scaled down as a whole, pen widths included (fewer pixels to
    paint; ``benchmarks/number_reading.py --only real`` reads every real number as at full size)."""
    strokes = [drawing.strokes[i] for i in sorted(indices)]
    pen = max(s.width if s.width is not None else default_width for s in strokes)
    margin = pen / 2 + 2
    xs = [p[0] for s in strokes for p in s.points]
    ys = [p[1] for s in strokes for p in s.points]
    left = max(0, math.floor(min(xs) - margin))
    top = max(0, math.floor(min(ys) - margin))
    right = min(drawing.width, math.ceil(max(xs) + margin))
    bottom = min(drawing.height, math.ceil(max(ys) + margin))
    if right <= left or bottom <= top:  # wholly outside the canvas: nothing would be painted
        left, top, right, bottom = 0, 0, drawing.width, drawing.height
    scale = min(1.0, CROP_SIDE / max(right - left, bottom - top))
    if scale < 1.0:  # the preprocessor makes 20 px of it: paint fewer pixels (scaled as a whole, pen included)
        moved = [Stroke([((x - left) * scale, (y - top) * scale, p) for x, y, p in s.points],
                        (s.width if s.width is not None else default_width) * scale) for s in strokes]
        return Drawing(max(1, math.ceil((right - left) * scale)), max(1, math.ceil((bottom - top) * scale)), moved)
    moved = [Stroke([(x - left, y - top, p) for x, y, p in s.points],
                    s.width if s.width is not None else default_width) for s in strokes]
    return Drawing(right - left, bottom - top, moved)


def _stroke_parts(drawing: Drawing) -> list[_Part]:
    parts = []
    for i, s in enumerate(drawing.strokes):
        if s.points:
            xs = [p[0] for p in s.points]
            ys = [p[1] for p in s.points]
            parts.append(_Part(i, min(xs), min(ys), max(xs), max(ys)))
    return parts


def _symbol(symbol: str, part: _Part, pad: float) -> DigitReading:
    return DigitReading(symbol, None, (part.index,),
                        (part.x0 - pad, part.y0 - pad, part.w + 2 * pad, part.h + 2 * pad), False, None)


def _assemble(models: DrawingRecognizer, parts: list[_Part], split: list[tuple[int, int]],
              scored: dict[tuple[int, int], _Scored], minus: _Part | None, point: _Part | None,
              pad: float) -> NumberReading:
    digits: list[DigitReading] = []
    for i, j in split:
        group = parts[i:j]
        s = scored[(i, j)]
        x0, y0, x1, y1 = _union(group)
        digits.append(DigitReading(
            str(int(np.argmax(s.probs))), s.probs, tuple(sorted(p.index for p in group)),
            (x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad),
            float(s.probs.max()) < models.threshold(s.fused), s.model_input))
    if point is not None:
        at = next((k for k, d in enumerate(digits) if d.box[0] + d.box[2] / 2 > point.cx), len(digits))
        digits.insert(at, _symbol(".", point, pad))
    if minus is not None:
        digits.insert(0, _symbol("-", minus, pad))
    return NumberReading(tuple(digits), "".join(d.symbol for d in digits),
                         float(np.prod([d.confidence for d in digits])), any(d.not_sure for d in digits))


def _segment(parts: list[_Part]) -> tuple[list[_Part], _Part | None, _Part | None, bool]:
    """(the parts that make digits, ordered by x, the minus, the decimal point, whether the
    whole drawing may be one digit)."""
    line_h = _line_height(parts)
    minus = _find_minus(parts, line_h)
    rest = [p for p in parts if p is not minus]
    point = _find_point(rest, _line_height(rest)) if minus is None or len(rest) > 1 else None
    rest = sorted((p for p in rest if p is not point), key=lambda p: (p.cx, p.index))
    only = minus is None and point is None
    x0, _, x1, _ = _union(rest)
    whole = only and ((x1 - x0) <= 1.5 * _line_height(rest) or len(rest) <= MAX_GROUP)
    return rest, minus, point, whole


#: Drawings with more ink than this (pixels: stroke length x pen width; a 10-digit number is
#: 15,000-40,000, a wide page inked edge to edge ~250,000) are read as one digit only: the number search
#: paints every stroke in several groups, which for the costliest drawings the window accepts
#: (long strokes criss-crossing the page) would take seconds on the UI thread.
NUMBER_INK_LIMIT = 400_000


def ink_area(drawing: Drawing) -> float:
    """Roughly how many pixels the strokes paint (length x pen width, overlaps counted twice):
    what searching a drawing for a number costs, where render_cost mostly counts points."""
    total = 0.0
    for stroke in drawing.strokes:
        if len(stroke.points) > 1:
            xy = np.asarray(stroke.points, dtype=np.float64)[:, :2]
            length = float(np.hypot(*np.diff(xy, axis=0).T).sum())
            total += length * (stroke.width if stroke.width is not None else DEFAULT_STROKE_WIDTH)
    return total


class NumberReader:
    """Holds a cache of scored candidate groups (keyed by stroke content), so that after a pen-up only
    candidates containing the new stroke are scored: one batched call per model per reading."""

    def __init__(self, models: DrawingRecognizer, width: float = DEFAULT_STROKE_WIDTH,
                 weights: Weights = WEIGHTS) -> None:
        self.models = models
        self.width = width
        self.weights = weights
        self._cache: OrderedDict[tuple, _Scored] = OrderedDict()
        self._fit: object | None = getattr(models, "personal_fit", None)  # the personal fit the cache was scored with
        self._costs: dict[tuple, float] = {}
        self.scored_last = 0  # candidates the last read sent to the models (0: all from the cache)

    def read(self, drawing: Drawing, ink: np.ndarray | None = None) -> NumberReading | None:
        """The number in ``drawing``; None for a blank drawing.  RenderError (a ValueError) for a
        drawing too costly to render, as ``render`` refuses it.  ``ink``: the drawing already
        rendered by :func:`digitpad.render.render` (the canvas's ink image, equal to it pixel for
        pixel), used for the whole-drawing candidate instead of rendering the page again."""
        c = self.candidates(drawing, ink)
        if c is None:
            return None
        return choose(self.models, c, self.weights)

    def candidates(self, drawing: Drawing, ink: np.ndarray | None = None) -> Candidates | None:
        """Every candidate digit of ``drawing`` scored by the recognizer (None: no digit strokes);
        what ``best_split`` chooses from, kept apart so weights can be fitted without the models."""
        parts = _stroke_parts(drawing)
        if not parts:
            return None
        self._check_renderable(drawing)
        rest, minus, point, whole = _segment(parts)
        if not rest:  # only a minus or a point: nothing to read as digits
            return None
        scored = self.score(drawing, rest, whole, ink)
        pen = max(s.width if s.width is not None else self.width for s in drawing.strokes if s.points)
        return Candidates(rest, scored, whole, minus, point, pen / 2)

    def _check_renderable(self, drawing: Drawing) -> None:
        """``check_renderable`` of the whole drawing (a hostile one is refused before any candidate is
        rendered), from per-stroke costs kept across readings: ``render_cost`` is a sum over strokes."""
        side = (drawing.width, drawing.height)
        total = 0.0
        costs: dict[tuple, float] = {}
        for s in drawing.strokes:
            if s.points:
                key = (_stroke_key(s, self.width), side)
                cost = self._costs.get(key)
                if cost is None:
                    cost = render_cost(Drawing(drawing.width, drawing.height, [s]), self.width)
                costs[key] = cost
                total += cost
        self._costs = costs  # the current drawing's strokes only
        if total > MAX_RENDER_COST or not (0 < drawing.width <= MAX_RENDER_SIDE and 0 < drawing.height <= MAX_RENDER_SIDE):
            check_renderable(drawing, self.width)  # raises RenderError with the full message

    def score(self, drawing: Drawing, parts: list[_Part], whole: bool,
              ink: np.ndarray | None = None) -> dict[tuple[int, int], _Scored]:
        """Every candidate run of ``parts`` scored, new ones in one batched call per model
        (the whole drawing from ``ink`` when given: see ``read``)."""
        fit = getattr(self.models, "personal_fit", None)
        if fit is not self._fit:  # adapted to other samples since: every cached score is stale
            self._cache.clear()
            self._fit = fit
        keys = {p.index: _stroke_key(drawing.strokes[p.index], self.width) for p in parts}
        everything = len(parts) == sum(1 for s in drawing.strokes if s.points)
        out: dict[tuple[int, int], _Scored] = {}
        todo: list[tuple[tuple[int, int], tuple, Drawing]] = []
        for i, j in _windows(parts, whole):
            indices = sorted(p.index for p in parts[i:j])
            full = everything and j - i == len(parts)  # the whole drawing: rendered as today, on its canvas
            key = (tuple(keys[k] for k in indices), full and (drawing.width, drawing.height))
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                out[(i, j)] = hit
            else:
                sub = drawing if full else _crop_drawing(drawing, indices, self.width)
                todo.append(((i, j), key, sub))
        self.scored_last = len(todo)
        if todo:
            inputs = [preprocess(ink if ink is not None and sub is drawing else render(sub, self.width))
                      for _, _, sub in todo]
            present = [k for k, x in enumerate(inputs) if x is not None]
            probs = np.full((len(todo), 10), 0.1, np.float32)
            fused = np.zeros(len(todo), bool)
            if present:
                p, f = self.models.predict_batch(np.concatenate([inputs[k] for k in present]),
                                                 [todo[k][2] for k in present])
                probs[present], fused[present] = p, f
            for k, (ij, key, _) in enumerate(todo):
                x = inputs[k] if inputs[k] is not None else np.zeros((1, 1, 28, 28), np.float32)
                out[ij] = self._cache[key] = _Scored(probs[k], bool(fused[k]), x)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return out


def read_number(drawing: Drawing, models: DrawingRecognizer,
                width: float = DEFAULT_STROKE_WIDTH) -> NumberReading | None:
    """The number in a drawing, with no cache (one-off readings; the CLI and the window keep a
    NumberReader across drawings)."""
    return NumberReader(models, width).read(drawing)


def label_components(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components of a boolean image -> (int32 labels, 0 = background, 1..n; n).

    Union-find over the runs of each row (numpy finds the runs, Python joins a few thousand)."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), bool)
    padded[:, 1:-1] = mask
    d = np.diff(padded.astype(np.int8), axis=1)
    rows_s, starts = np.nonzero(d == 1)
    rows_e, ends = np.nonzero(d == -1)  # end-exclusive
    parent = list(range(len(starts)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    row_first = np.searchsorted(rows_s, np.arange(h + 1))
    for r in range(1, h):
        a0, a1 = row_first[r - 1], row_first[r]
        b0, b1 = row_first[r], row_first[r + 1]
        k = a0
        for b in range(b0, b1):
            while k < a1 and ends[k] < starts[b]:  # previous-row run ends before this one starts (8-conn: touch diagonally)
                k += 1
            m = k
            while m < a1 and starts[m] <= ends[b]:
                ra, rb = find(m), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
                m += 1
    roots = np.array([find(a) for a in range(len(starts))], np.int64)
    _, ids = np.unique(roots, return_inverse=True)
    labels = np.zeros((h, w), np.int32)
    for run in range(len(starts)):
        labels[rows_s[run], starts[run]:ends[run]] = ids[run] + 1
    return labels, int(ids.max()) + 1 if len(starts) else 0


def _boxes(labels: np.ndarray, n: int) -> np.ndarray:
    """(n, 4) x0, y0, x1, y1 (end-exclusive) of labels 1..n."""
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs] - 1
    box = np.zeros((n, 4), np.int64)
    box[:, 0:2] = np.iinfo(np.int64).max
    np.minimum.at(box[:, 0], lab, xs)
    np.minimum.at(box[:, 1], lab, ys)
    np.maximum.at(box[:, 2], lab, xs + 1)
    np.maximum.at(box[:, 3], lab, ys + 1)
    return box


def _cut_wide(labels: np.ndarray, n: int, line_h: float) -> tuple[np.ndarray, int]:
    """Components wider than CUT_WIDE line heights (touching digits) cut at the thinnest columns
    of their ink, a new label per piece; the search may join the pieces again."""
    box = _boxes(labels, n)
    labels = labels.copy()
    for k in range(n):
        x0, y0, x1, y1 = (int(v) for v in box[k])
        if x1 - x0 <= (CUT_WIDE if n > 1 else CUT_WIDE_ALONE) * line_h:
            continue
        mask = labels[y0:y1, x0:x1] == k + 1
        column = mask.sum(axis=0)
        runs = np.maximum((np.diff(mask.astype(np.int8), axis=0, prepend=0) == 1).sum(axis=0), 1)
        thickness = float(np.median(column[column > 0] / runs[column > 0]))
        allowed = np.zeros(len(column), bool)
        edge = int(0.3 * line_h)
        allowed[edge:len(column) - edge] = True
        cuts: list[int] = []
        while allowed.any():
            x = int(np.flatnonzero(allowed)[np.argmin(column[allowed])])
            if column[x] > CUT_DEPTH * thickness:
                break
            cuts.append(x)
            allowed[max(0, x - int(0.35 * line_h)):x + int(0.35 * line_h) + 1] = False
        for x in sorted(cuts, reverse=True):  # each piece right of a cut gets a new label
            n += 1
            piece = labels[y0:y1, x0 + x:x1]
            piece[piece == k + 1] = n
    return labels, n


def read_number_image(ink: np.ndarray, models: DrawingRecognizer,
                      max_blobs: int | None = None) -> NumberReading | None:
    """The number in a canvas image (uint8, ink bright): its connected components take the place
    of strokes (DigitReading.strokes are component numbers, left to right; touching digits are cut
    at their thinnest columns first; specks are left out of the search), the image model alone
    reads each candidate, and all the digit components together are exactly today's image answer.
    None for a blank image, or one of more than ``max_blobs`` ink blobs (noise, a photographed
    page: each blob would be cut out of the whole image several times)."""
    labels, n = label_components(ink >= IMAGE_INK_LEVEL)
    if n == 0 or (max_blobs is not None and n > max_blobs):
        return None
    box = _boxes(labels, n)
    labels, n = _cut_wide(labels, n, float(max((box[:, 3] - box[:, 1]).max(), 1)))
    box = _boxes(labels, n).astype(float)
    line_h = float(max((box[:, 3] - box[:, 1]).max(), 1.0))
    keep = [k for k in range(n) if max(box[k, 2] - box[k, 0], box[k, 3] - box[k, 1]) >= SPECK * line_h]
    # Numbered left to right; faint edge pixels (below the ink level) belong to the nearest component.
    order = sorted(keep, key=lambda k: (box[k, 0] + box[k, 2], k))
    parts = [_Part(r, *box[k]) for r, k in enumerate(order)]
    relabel = np.zeros(n + 1, np.int32)
    relabel[[k + 1 for k in order]] = np.arange(1, len(order) + 1)
    labels = relabel[labels]
    rest, minus, point, whole = _segment(parts)
    if not rest:
        return None
    windows = _windows(rest, whole)
    owner = _nearest_owner(ink, labels)
    inputs = []
    for i, j in windows:
        if whole and j - i == len(rest):
            inputs.append(preprocess(ink))
        else:
            ids = [p.index + 1 for p in rest[i:j]]
            inputs.append(preprocess(np.where(np.isin(owner, ids), ink, 0).astype(np.uint8)))
    present = [k for k, x in enumerate(inputs) if x is not None]
    probs = np.full((len(windows), 10), 0.1, np.float32)
    if present:
        probs[present] = models.predict_batch(np.concatenate([inputs[k] for k in present]))[0]
    scored = {ij: _Scored(probs[k], False, inputs[k] if inputs[k] is not None else np.zeros((1, 1, 28, 28), np.float32))
              for k, ij in enumerate(windows)}
    return choose(models, Candidates(rest, scored, whole, minus, point, 0.0))


def _nearest_owner(ink: np.ndarray, labels: np.ndarray, reach: int = 3) -> np.ndarray:
    """Labels grown by up to ``reach`` pixels into the faint ink around them (antialiased edges),
    so a component's image keeps its soft outline."""
    height, width = labels.shape
    owner = np.pad(labels, 1)  # a zero border: growth never wraps from one edge to the other
    faint = np.pad(ink > 0, 1)
    for _ in range(reach):
        grown = owner.copy()
        for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
            shifted = np.roll(owner, (dy, dx), axis=(0, 1))  # wraps only the zero border
            take = (grown == 0) & (shifted > 0) & faint
            grown[take] = shifted[take]
        owner = grown
    return owner[1:height + 1, 1:width + 1]
