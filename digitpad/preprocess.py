"""The one preprocessor: canvas image -> the model's 28x28 input.

Training, the GUI, the CLI and the benchmarks all call :func:`preprocess` (or
:func:`to_mnist_28`, which it wraps).  A model fed images prepared differently
from its training data is the classic failure of digit apps, so there is
deliberately no second implementation anywhere in the code base.

Convention: **ink is bright** (255 = full ink, 0 = paper), exactly like the MNIST
IDX files.  The recipe is MNIST's own: crop to the ink, scale with area
(box) resampling so the longer side is 20 px keeping the aspect ratio, paste
into a 28x28 frame and shift so the ink's centre of mass sits at the centre.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

#: Bumped whenever the output of this module changes for any input; recorded
#: in models/digit.json so a model and the preprocessor it was trained with can
#: be matched.
PREPROCESS_VERSION = 2

FRAME = 28
BOX = 20


def _check(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise ValueError(f"expected a numpy array, got {type(image).__name__}")
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D image (height, width), got shape {image.shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected dtype uint8 (ink=255 on 0), got {image.dtype}")
    if image.size == 0:
        raise ValueError(f"expected a non-empty image, got shape {image.shape}")
    return image


def ink_bbox(image: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (top, bottom, left, right; end-exclusive) of non-zero pixels."""
    box = _ink(image)[1]
    return None if box is None else (box[1], box[3], box[0], box[2])


def _ink(image: np.ndarray) -> tuple[Image.Image, tuple[int, int, int, int] | None]:
    """The canvas as a PIL image (shares a contiguous array's memory) and Pillow's bounding box of
    its non-zero pixels (left, top, right, bottom).  One C pass over the canvas instead of numpy's
    row and column reductions: the canvas is the largest thing a prediction touches."""
    im = Image.fromarray(_check(image))
    return im, im.getbbox()


#: Pixel index the centre of mass is moved to, as in MNIST (its mean ink index is 14.0).
CENTRE = FRAME // 2


def _centred_offset(mass_index: float, size: int) -> int:
    """Offset that puts the centre of mass on pixel CENTRE, clamped so no ink leaves the frame."""
    offset = int(round(CENTRE - mass_index))
    return min(max(offset, 0), FRAME - size)


@lru_cache(maxsize=BOX * BOX)
def _grid(h: int, w: int) -> np.ndarray:
    """np.indices((h, w)) as float32, read-only: built once per shape (at most 20 x 20 shapes)."""
    grid = np.indices((h, w), dtype=np.float32)
    grid.flags.writeable = False
    return grid


def to_mnist_28(image: np.ndarray) -> np.ndarray | None:
    """Canvas image (2-D uint8, ink bright) -> 28x28 float32 in 0..255, or None if blank."""
    im, box = _ink(image)
    if box is None:
        return None
    # Cropped and converted to float by Pillow: the crop is copied once, as 8-bit pixels, and the
    # float pixels the resampling reads are exactly numpy's ``astype(np.float32)`` of them.
    crop = im.crop(box)
    w, h = crop.size
    scale = BOX / max(h, w)
    new_h = max(1, min(BOX, int(round(h * scale))))
    new_w = max(1, min(BOX, int(round(w * scale))))
    small = np.array(crop.convert("F").resize((new_w, new_h), Image.Resampling.BOX), dtype=np.float32)
    # A sliver thinner than one output pixel would otherwise fade to nearly
    # nothing after area averaging; keep it as visible as the original stroke.
    # (The peak is an average of pixels <= 255, so it can only be below half the crop's maximum
    # when it is below 127.5: the maximum is read only then.)
    peak = float(small.max())
    if 0 < peak < 127.5:
        top = float(crop.getextrema()[1])
        if peak < top * 0.5:
            small *= np.float32(top) / np.float32(peak)  # in float32, as numpy divides a float32 maximum
    np.clip(small, 0.0, 255.0, out=small)

    mass = small.sum()
    ys, xs = _grid(new_h, new_w)
    cy = float((ys * small).sum() / mass)
    cx = float((xs * small).sum() / mass)
    oy = _centred_offset(cy, new_h)
    ox = _centred_offset(cx, new_w)
    frame = np.zeros((FRAME, FRAME), dtype=np.float32)
    frame[oy : oy + new_h, ox : ox + new_w] = small
    return frame


def preprocess(image: np.ndarray) -> np.ndarray | None:
    """Canvas image -> model input float32 (1, 1, 28, 28) in 0..1, or None when there is no ink."""
    frame = to_mnist_28(image)
    if frame is None:
        return None
    return (frame / 255.0).reshape(1, 1, FRAME, FRAME).astype(np.float32, copy=False)


def preview_uint8(model_input: np.ndarray) -> np.ndarray:
    """Model input (1, 1, 28, 28) -> 28x28 uint8 for showing what the model sees."""
    return np.clip(np.rint(model_input.reshape(FRAME, FRAME) * 255.0), 0, 255).astype(np.uint8)
