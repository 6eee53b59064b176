"""Hand-made digit strokes for the number tests: polylines in a unit box, placed on a canvas."""

from __future__ import annotations

import math

from digitpad.drawing import Drawing, Stroke


def _arc(cx, cy, rx, ry, a0, a1, n=24):
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * t / n)),
             cy + ry * math.sin(math.radians(a0 + (a1 - a0) * t / n))) for t in range(n + 1)]


#: digit -> strokes, each a list of (x, y) in a box 0..1 wide (x: of the digit's width) and 0..1 high.
SHAPES: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_arc(0.5, 0.5, 0.45, 0.5, -90, 270)],
    "1": [[(0.3, 0.15), (0.55, 0.0), (0.55, 1.0)]],
    "2": [_arc(0.5, 0.28, 0.42, 0.28, 200, 360) + [(0.9, 0.33), (0.05, 1.0), (0.95, 1.0)]],
    "3": [_arc(0.45, 0.25, 0.42, 0.25, 210, 450) + _arc(0.45, 0.75, 0.45, 0.25, 270, 500)],
    "4": [[(0.45, 0.0), (0.0, 0.65), (0.95, 0.65)], [(0.7, 0.2), (0.7, 1.0)]],   # two strokes
    "7": [[(0.0, 0.0), (0.95, 0.0), (0.35, 1.0)]],
    "7x": [[(0.0, 0.0), (0.95, 0.0), (0.35, 1.0)], [(0.3, 0.5), (0.9, 0.5)]],  # crossed 7
    "-": [[(0.0, 0.5), (0.6, 0.5)]],
    ".": [[(0.0, 0.97), (0.01, 0.98)]],
}


def number_drawing(symbols: list[str], gaps: float | list[float] = 0.3, height: float = 120.0,
                   width: float = 16.0, top: float = 80.0) -> Drawing:
    """The symbols side by side, ``gaps`` (in line heights, negative = overlapping) between them."""
    strokes = []
    x = 40.0
    gaps = gaps if isinstance(gaps, list) else [gaps] * len(symbols)
    for k, s in enumerate(symbols):
        w = {"1": 0.35, "-": 0.35, ".": 0.05}.get(s, 0.6) * height
        for pts in SHAPES[s]:
            if s == "-":
                strokes.append(Stroke([(x + px * w / 0.6, top + py * height, 1.0) for px, py in pts], width))
            elif s == ".":
                strokes.append(Stroke([(x + px * height, top + py * height, 1.0) for px, py in pts], width))
            else:
                strokes.append(Stroke([(x + px * w, top + py * height, 1.0) for px, py in pts], width))
        x += w + gaps[k] * height
    return Drawing(int(math.ceil((x + 40) / 10) * 10), 280, strokes)
