"""Bold scanned forms: a pen drawing made to look like a digit written on a paper form and scanned.

Forms are filled in with felt pens, in boxes of every shape, and scanned in black and white at
a few dozen pixels per digit: the ink is bold, the digit is squeezed or stretched to its box,
and every pixel is either ink or paper.  Opened as a picture (``digitpad predict scan.png``,
File > Open picture) such a digit reaches the image model alone, so the image model trains on
this look too (issue 12 step 3).  Numpy and Pillow only: the rendering itself is the app's
renderer (``digitpad.render``), called by ``digitpad.train.pen_cache``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from digitpad.drawing import Drawing, Stroke
from digitpad.preprocess import ink_bbox

#: Range of the digit's width scale (its box: from tall and narrow to wide).
STRETCH = (0.5, 1.7)
#: Pen width as a share of the digit's height (the shipped pen widths reach about 0.17).
BOLD = (0.12, 0.3)
#: Digit height in scanner pixels (a 200-300 dpi scan of a 3-8 mm box).
HEIGHT = (14, 44)
#: Grey level (0..1 of full ink) above which the scanner calls a pixel ink.
THRESHOLD = (0.3, 0.6)


@dataclass(frozen=True)
class ScanLook:
    """How one scanned copy looks: width scale, pen width / height, scan height, ink threshold."""

    stretch: float
    bold: float
    height: int
    threshold: float


def random_look(rng: np.random.Generator) -> ScanLook:
    """A look drawn from the ranges above (stretch log-uniform, the others uniform)."""
    return ScanLook(
        stretch=float(np.exp(rng.uniform(np.log(STRETCH[0]), np.log(STRETCH[1])))),
        bold=float(rng.uniform(*BOLD)),
        height=int(rng.integers(HEIGHT[0], HEIGHT[1] + 1)),
        threshold=float(rng.uniform(*THRESHOLD)),
    )


def scan_drawing(d: Drawing, look: ScanLook) -> tuple[Drawing, float]:
    """The drawing stretched to its box on a canvas with room for the bold pen, and that pen's width.

    Points are scaled in x by ``look.stretch`` and moved so the ink keeps a margin of one pen
    width on every side (a bold stroke at the canvas edge would otherwise be cut off).
    """
    pts = [(x, y) for s in d.strokes for x, y, _ in s.points]
    if not pts:
        return d, 1.0
    xy = np.asarray(pts, np.float64)
    (x0, y0), (x1, y1) = xy.min(0), xy.max(0)
    height = max(y1 - y0, 1.0)
    size = max(height, 0.25 * (x1 - x0) * look.stretch)  # a dash or dot gets a pen for its length, not 1 px
    width = max(size * look.bold, 1.0)
    margin = width + 2.0
    strokes = [
        Stroke(points=[((x - x0) * look.stretch + margin, y - y0 + margin, p) for x, y, p in s.points], width=None)
        for s in d.strokes
    ]
    canvas_w = int(np.ceil((x1 - x0) * look.stretch + 2 * margin))
    canvas_h = int(np.ceil(height + 2 * margin))
    return Drawing(width=max(canvas_w, 1), height=max(canvas_h, 1), strokes=strokes, extra=dict(d.extra)), width


def scan_image(canvas: np.ndarray, look: ScanLook) -> np.ndarray:
    """A canvas rendering (ink bright) at ``look.height`` scanner pixels, then binary (0 or 255).

    The ink's box is averaged down (box filter, as light falls on a scanner's cell) so the
    ink is ``look.height`` pixels high (a flat mark: a quarter of its width is), then
    thresholded; a one-pixel border of paper is kept.
    """
    box = ink_bbox(canvas)
    if box is None:
        return canvas
    top, bottom, left, right = box
    crop = Image.fromarray(np.ascontiguousarray(canvas[top:bottom, left:right]))
    scale = look.height / max(bottom - top, 0.25 * (right - left), 1)  # a flat mark is not blown up to a strip
    size = (max(1, round((right - left) * scale)), max(1, round((bottom - top) * scale)))
    small = np.asarray(crop.resize(size, Image.Resampling.BOX))
    binary = np.where(small >= look.threshold * 255.0, 255, 0).astype(np.uint8)
    if not binary.any():  # a thin stroke fell below the threshold everywhere: keep its darkest cells
        binary = np.where(small >= small.max(), 255, 0).astype(np.uint8)
    return np.pad(binary, 1)
