"""Generated NON-digit drawings (scribbles, letters, shapes, random strokes) as digitpad drawings.

Used to train the model to spread its probability on things that are not digits
(uniform target) and to choose the "not sure" threshold.  numpy + digitpad.drawing only.
Letters and shapes that people would read as a digit (O, I, l, S, Z, B, G, circles...) are left out.
"""

from __future__ import annotations

import numpy as np

from digitpad.drawing import Drawing, Stroke

CANVAS = 280

# Letter templates: strokes of (x, y) in a 0..1 box, y down.
LETTERS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0, 1), (0.5, 0), (1, 1)], [(0.22, 0.6), (0.78, 0.6)]],
    "E": [[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.75, 0.5)]],
    "F": [[(1, 0), (0, 0), (0, 1)], [(0, 0.5), (0.7, 0.5)]],
    "H": [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]],
    "K": [[(0, 0), (0, 1)], [(1, 0), (0, 0.55), (1, 1)]],
    "M": [[(0, 1), (0, 0), (0.5, 0.6), (1, 0), (1, 1)]],
    "N": [[(0, 1), (0, 0), (1, 1), (1, 0)]],
    "R": [[(0, 1), (0, 0), (0.7, 0), (0.95, 0.15), (0.95, 0.35), (0.7, 0.5), (0, 0.5)], [(0.4, 0.5), (1, 1)]],
    "W": [[(0, 0), (0.25, 1), (0.5, 0.35), (0.75, 1), (1, 0)]],
    "X": [[(0, 0), (1, 1)], [(1, 0), (0, 1)]],
    "Y": [[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]],
    "T": [[(0, 0), (1, 0)], [(0.5, 0), (0.5, 1)]],
    "D": [[(0, 0), (0, 1), (0.55, 1), (0.9, 0.8), (1, 0.5), (0.9, 0.2), (0.55, 0), (0, 0)]],
    "P": [[(0, 1), (0, 0), (0.7, 0), (1, 0.2), (1, 0.4), (0.7, 0.55), (0, 0.55)]],
    "U": [[(0, 0), (0, 0.75), (0.2, 1), (0.8, 1), (1, 0.75), (1, 0)]],
    "C": [[(1, 0.15), (0.75, 0), (0.3, 0), (0, 0.3), (0, 0.7), (0.3, 1), (0.75, 1), (1, 0.85)]],
    "h": [[(0, 0), (0, 1)], [(0, 0.55), (0.3, 0.4), (0.7, 0.4), (1, 0.6), (1, 1)]],
    "m": [[(0, 0.3), (0, 1)], [(0, 0.45), (0.2, 0.3), (0.4, 0.35), (0.5, 0.5), (0.5, 1)],
          [(0.5, 0.45), (0.7, 0.3), (0.9, 0.35), (1, 0.5), (1, 1)]],
    "n": [[(0, 0.2), (0, 1)], [(0, 0.4), (0.3, 0.2), (0.7, 0.2), (1, 0.4), (1, 1)]],
    "w": [[(0, 0.3), (0.2, 1), (0.5, 0.5), (0.8, 1), (1, 0.3)]],
    "x": [[(0, 0.3), (1, 1)], [(1, 0.3), (0, 1)]],
    "k": [[(0, 0), (0, 1)], [(0.9, 0.35), (0, 0.7), (1, 1)]],
    "#": [[(0.3, 0), (0.2, 1)], [(0.75, 0), (0.65, 1)], [(0, 0.33), (1, 0.33)], [(0, 0.66), (1, 0.66)]],
    "+": [[(0.5, 0), (0.5, 1)], [(0, 0.5), (1, 0.5)]],
    "=": [[(0, 0.35), (1, 0.35)], [(0, 0.65), (1, 0.65)]],
    "*": [[(0.5, 0), (0.5, 1)], [(0.07, 0.25), (0.93, 0.75)], [(0.93, 0.25), (0.07, 0.75)]],
    "?": [[(0.05, 0.25), (0.2, 0.05), (0.5, 0), (0.8, 0.05), (0.95, 0.25), (0.85, 0.45), (0.5, 0.6), (0.5, 0.78)],
          [(0.5, 0.95), (0.5, 0.97)]],
    "&": [[(1, 1), (0.2, 0.35), (0.2, 0.1), (0.45, 0), (0.65, 0.15), (0.6, 0.35), (0, 0.7), (0.1, 0.95),
           (0.45, 1), (0.9, 0.6)]],
}


def _polygon(n: int, rng: np.random.Generator, star: bool = False) -> list[list[tuple[float, float]]]:
    pts = []
    k = 2 * n if star else n
    start = rng.uniform(0, 2 * np.pi)
    for i in range(k + 1):
        a = start + 2 * np.pi * i / k
        r = (0.45 if i % 2 == 0 else 0.18) if star else 0.5
        pts.append((0.5 + r * np.cos(a), 0.5 + r * np.sin(a)))
    return [pts]


def _curve(points: list[tuple[float, float]], per_segment: int = 6) -> list[tuple[float, float]]:
    """Densify a polyline (so jitter bends it like a hand would)."""
    out = []
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for t in np.linspace(0, 1, per_segment, endpoint=False):
            out.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    out.append(points[-1])
    return out


def _shape(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    kind = rng.choice(["triangle", "square", "star", "heart", "arrow", "spiral", "check", "grid",
                       "pentagon", "hexagon", "zigzag", "wave", "crosshatch", "house", "smiley", "box_x"])
    if kind == "triangle":
        return _polygon(3, rng)
    if kind == "square":
        return [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]]
    if kind == "pentagon":
        return _polygon(5, rng)
    if kind == "hexagon":
        return _polygon(6, rng)
    if kind == "star":
        if rng.random() < 0.5:
            return _polygon(5, rng, star=True)
        # five-pointed star drawn in one stroke
        a = [np.pi / 2 + 4 * np.pi * i / 5 for i in range(6)]
        return [[(0.5 + 0.5 * np.cos(t), 0.5 - 0.5 * np.sin(t)) for t in a]]
    if kind == "heart":
        t = np.linspace(0, 2 * np.pi, 40)
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [list(zip((x + 17) / 34, (y + 17) / 30))]
    if kind == "arrow":
        d = rng.integers(4)
        base = [[(0, 0.5), (1, 0.5)], [(0.65, 0.2), (1, 0.5), (0.65, 0.8)]]
        return [[(x, y) if d == 0 else (1 - x, y) if d == 1 else (y, x) if d == 2 else (y, 1 - x)
                 for x, y in s] for s in base]
    if kind == "spiral":
        turns = rng.uniform(2.0, 3.5)
        t = np.linspace(0, turns * 2 * np.pi, int(30 * turns))
        r = 0.5 * t / t[-1]
        return [list(zip(0.5 + r * np.cos(t), 0.5 + r * np.sin(t)))]
    if kind == "check":
        return [[(0, 0.55), (0.35, 1), (1, 0)]]
    if kind == "grid":
        n = int(rng.integers(3, 5))
        strokes = [[(i / (n - 1), 0), (i / (n - 1), 1)] for i in range(n)]
        strokes += [[(0, i / (n - 1)), (1, i / (n - 1))] for i in range(n)]
        return strokes
    if kind == "zigzag":
        n = int(rng.integers(3, 8))
        return [[(i / n, float(i % 2)) for i in range(n + 1)]]
    if kind == "wave":
        t = np.linspace(0, 1, 40)
        f = rng.uniform(1.5, 4)
        return [list(zip(t, 0.5 + 0.4 * np.sin(2 * np.pi * f * t)))]
    if kind == "crosshatch":
        n = int(rng.integers(3, 7))
        s = [[(i / n, 0), (0, i / n)] for i in range(1, n + 1)]
        return s + [[(1 - i / n, 0), (1, i / n)] for i in range(1, n + 1)]
    if kind == "house":
        return [[(0, 1), (0, 0.4), (0.5, 0), (1, 0.4), (1, 1), (0, 1)], [(0, 0.4), (1, 0.4)]]
    if kind == "smiley":
        t = np.linspace(0, 2 * np.pi, 40)
        face = list(zip(0.5 + 0.5 * np.cos(t), 0.5 + 0.5 * np.sin(t)))
        m = np.linspace(0.2 * np.pi, 0.8 * np.pi, 12)
        return [face, [(0.35, 0.35), (0.36, 0.36)], [(0.65, 0.35), (0.66, 0.36)],
                list(zip(0.5 + 0.3 * np.cos(m), 0.55 + 0.2 * np.sin(m)))]
    # box_x
    return [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)], [(0, 0), (1, 1)], [(1, 0), (0, 1)]]


def _scribble(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    strokes = []
    for _ in range(int(rng.integers(1, 4))):
        n = int(rng.integers(30, 120))
        heading = rng.uniform(0, 2 * np.pi)
        turn = np.cumsum(rng.normal(0, rng.uniform(0.2, 0.8), n))
        ang = heading + turn
        step = rng.uniform(0.02, 0.06)
        xy = np.cumsum(np.stack([np.cos(ang), np.sin(ang)], 1) * step, 0)
        strokes.append([tuple(p) for p in xy])
    return strokes


def _random_strokes(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    kind = rng.integers(3)
    if kind == 0:  # several random straight lines
        return [[tuple(rng.uniform(0, 1, 2)), tuple(rng.uniform(0, 1, 2))] for _ in range(int(rng.integers(3, 9)))]
    if kind == 1:  # dots and dashes scattered
        out = []
        for _ in range(int(rng.integers(4, 12))):
            p = rng.uniform(0, 1, 2)
            q = p + rng.normal(0, 0.05, 2)
            out.append([tuple(p), tuple(q)])
        return out
    # random polyline with sharp corners
    return [[tuple(rng.uniform(0, 1, 2)) for _ in range(int(rng.integers(5, 12)))]]


def _letters(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    keys = list(LETTERS)
    if rng.random() < 0.25:  # a short word: two or three letters side by side
        n = int(rng.integers(2, 4))
        strokes = []
        for i in range(n):
            for s in LETTERS[keys[rng.integers(len(keys))]]:
                strokes.append([(i * 1.25 + x, y) for x, y in s])
        return strokes
    return [list(s) for s in LETTERS[keys[rng.integers(len(keys))]]]


KINDS = ("scribble", "letter", "shape", "random")


def make_nondigit(rng: np.random.Generator, kind: str | None = None) -> Drawing:
    """One non-digit drawing on a 280x280 canvas, placed like the pen data (40-85 % of the height)."""
    kind = kind or KINDS[int(rng.integers(len(KINDS)))]
    if kind == "scribble":
        strokes = _scribble(rng)
    elif kind == "letter":
        strokes = _letters(rng)
    elif kind == "shape":
        strokes = _shape(rng)
    else:
        strokes = _random_strokes(rng)
    strokes = [np.asarray(_curve(s) if len(s) < 20 else s, dtype=np.float64) for s in strokes]
    # hand-like distortion: random affine + smooth wobble
    a = rng.normal(0, 0.15)
    shear = rng.normal(0, 0.2)
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.array([[1, shear], [0, 1]])
    m = m @ np.diag(rng.uniform(0.7, 1.3, 2))
    out = []
    for s in strokes:
        s = s @ m.T
        wob = rng.normal(0, 0.012, s.shape)
        s = s + np.cumsum(wob, 0) * 0.3 + wob * 0.3
        out.append(s)
    allp = np.concatenate(out)
    lo, hi = allp.min(0), allp.max(0)
    span = max(float((hi - lo).max()), 1e-6)
    size = rng.uniform(0.4, 0.85) * CANVAS
    scale = size / span
    ext = (hi - lo) * scale
    off = np.array([rng.uniform(5, max(6.0, CANVAS - 5 - ext[0])), rng.uniform(5, max(6.0, CANVAS - 5 - ext[1]))])
    drawing_strokes = []
    for s in out:
        p = (s - lo) * scale + off
        p = np.clip(p, 0, CANVAS - 1)
        drawing_strokes.append(Stroke(points=[(float(x), float(y), 1.0) for x, y in p]))
    return Drawing(width=CANVAS, height=CANVAS, strokes=drawing_strokes, extra={"kind": kind})


def make_nondigits(n: int, seed: int) -> list[Drawing]:
    rng = np.random.default_rng(seed)
    return [make_nondigit(rng, KINDS[i % len(KINDS)]) for i in range(n)]
