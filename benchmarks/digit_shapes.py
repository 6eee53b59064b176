"""Hand-made digit strokes for the GUI benchmarks and screenshots: polylines written the way a
person writes, placed side by side on the page as a number.

Each digit is a list of strokes, each a list of (x, y) in a box 0..1 wide (of the digit's
width) and 0..1 high.
"""

from __future__ import annotations

import math


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> list[tuple[float, float]]:
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * t / n)),
             cy + ry * math.sin(math.radians(a0 + (a1 - a0) * t / n))) for t in range(n + 1)]


SHAPES: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_arc(0.5, 0.5, 0.45, 0.5, -90, 270)],
    "1": [[(0.3, 0.15), (0.55, 0.0), (0.55, 1.0)]],
    "2": [_arc(0.5, 0.28, 0.42, 0.28, 200, 360) + [(0.9, 0.33), (0.05, 1.0), (0.95, 1.0)]],
    "3": [_arc(0.45, 0.25, 0.42, 0.25, 210, 450) + _arc(0.45, 0.75, 0.45, 0.25, 270, 500)],
    "4": [[(0.45, 0.0), (0.0, 0.65), (0.95, 0.65)], [(0.7, 0.2), (0.7, 1.0)]],
    "5": [[(0.9, 0.0), (0.15, 0.0), (0.1, 0.45)] + _arc(0.45, 0.7, 0.45, 0.3, -120, 150)],
    "6": [[(0.8, 0.0), (0.35, 0.3), (0.12, 0.72)] + _arc(0.5, 0.72, 0.38, 0.27, 180, -180)],
    "7": [[(0.0, 0.0), (0.95, 0.0), (0.35, 1.0)]],
    "8": [_arc(0.5, 0.25, 0.35, 0.25, 90, 450) + _arc(0.5, 0.75, 0.42, 0.25, -90, 270)],
    "9": [_arc(0.5, 0.28, 0.4, 0.28, 0, 360) + [(0.85, 1.0)]],
}

#: A digit's width in line heights (a 1 is narrow).
WIDTHS = {"1": 0.35}


def number_strokes(text: str, page: tuple[int, int], height: float = 0.4, gap: float = 0.3,
                   left: float = 0.05, top: float = 0.25) -> list[list[tuple[float, float]]]:
    """The digits of ``text`` side by side in 0..1 page coordinates (x across the page's width):
    each ``height`` of the page high, ``gap`` line heights apart, starting ``left`` of the width in."""
    w, h = page
    line = height * h
    x = left * w
    strokes = []
    for ch in text:
        width = WIDTHS.get(ch, 0.6) * line
        for pts in SHAPES[ch]:
            strokes.append([((x + px * width) / w, (top * h + py * line) / h) for px, py in pts])
        x += width + gap * line
    return strokes
