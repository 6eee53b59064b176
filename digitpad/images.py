"""Image files -> canvas images (2-D uint8, ink bright) for the preprocessor.

People feed PNG/JPEG/BMP files of any kind: dark ink on white paper, light ink
on black, transparent backgrounds, photos with a grey sheet.  This module
decides which is ink and removes the paper's grey level so the preprocessor's
crop-to-ink sees only the digit.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from digitpad.files import regular_file_problem

#: Larger images are refused (decompression bombs); 40 Mpx is far beyond any canvas or photo of a digit.
MAX_PIXELS = 40_000_000
#: Images are read at most this many pixels on their longer side (JPEG decoded at a reduced
#: scale, others averaged down): a 12 Mpx phone photo took 2.1 s to read on the window's UI
#: thread, and the model sees 20x20 pixels of it anyway.  A 10 px pen line on a 4000 px photo
#: stays 1.6 px wide.
WORKING_SIDE = 640
#: Grey levels this close to the paper are treated as paper (noise, JPEG artefacts, shading).
PAPER_MARGIN = 40
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


class ImageError(ValueError):
    """An image that cannot be read or used; the message names the file."""


def _to_gray(img: Image.Image) -> np.ndarray:
    """Grayscale array in 0..255; transparent pixels count as the background."""
    if img.mode in ("F", "I", "I;16", "I;16B", "I;16L", "I;16N"):
        return _scaled_gray(np.asarray(img, dtype=np.float64))
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
        gray = np.asarray(rgba.convert("L"), dtype=np.float32)
        # Paint transparent areas with the colour opposite to the visible ink.
        visible = alpha > 0.5
        ink_is_dark = visible.any() and gray[visible].mean() < 128
        background = 255.0 if ink_is_dark or not visible.any() else 0.0
        return gray * alpha + background * (1.0 - alpha)
    return np.asarray(img.convert("L"), dtype=np.float32)


def _working_size(gray: np.ndarray) -> np.ndarray:
    """Average a large image down to WORKING_SIDE on its longer side (area average keeps thin
    lines as grey, where sampling would drop them)."""
    h, w = gray.shape[:2]
    if max(h, w) <= WORKING_SIDE:
        return gray
    scale = WORKING_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = Image.fromarray(np.asarray(gray, dtype=np.float32), mode="F").resize(size, Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32)


def _scaled_gray(values: np.ndarray) -> np.ndarray:
    """Float and 16/32-bit images (scientific TIFFs: 0..1 floats, 0..65535 counts) mapped to
    0..255 by their own range; Pillow's convert("L") would clip them to black and white."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, dtype=np.float32)
    lo, hi = float(values[finite].min()), float(values[finite].max())
    if 0.0 <= lo and hi <= 1.0 and values.dtype.kind == "f":
        lo, hi = 0.0, 1.0  # a float image in 0..1 keeps its levels
    elif 0.0 <= lo and hi <= 255.0:
        lo, hi = 0.0, 255.0  # already in 8-bit levels
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    out = np.where(finite, (values - lo) * scale, 0.0)
    return np.clip(out, 0.0, 255.0).astype(np.float32)


#: The paper is estimated on a copy at most this many pixels on its longer side ...
BACKGROUND_SIDE = 96
#: ... as a low percentile (paper is the darker side once ink is made bright) over a window
#: this fraction of that side: wide enough to span a stroke, narrow enough to follow shading.
BACKGROUND_WINDOW = 0.34
BACKGROUND_PERCENTILE = 0.2
#: Ink must stand out from the local paper by this many standard deviations of the paper's noise.
NOISE_SIGMAS = 4.0
#: Paper noisier than this (grey levels, standard deviation) is median-filtered first; clean
#: scans and screenshots are not, so thin strokes keep their width.
NOISY = 3.0


def _background(ink_bright: np.ndarray) -> np.ndarray:
    """Local paper level of an ink-bright image: a 20th-percentile filter over a wide window
    of a downscaled copy, smoothed and scaled back up (shading, uneven light, grey sheets)."""
    h, w = ink_bright.shape
    factor = min(1.0, BACKGROUND_SIDE / max(h, w))
    small_size = (max(1, round(w * factor)), max(1, round(h * factor)))
    small = Image.fromarray(np.clip(ink_bright, 0, 255).astype(np.uint8)).resize(small_size, Image.Resampling.BOX)
    k = max(3, int(max(small_size) * BACKGROUND_WINDOW) | 1)
    rank = int(k * k * BACKGROUND_PERCENTILE)
    small = small.filter(ImageFilter.RankFilter(k, rank)).filter(ImageFilter.BoxBlur(k // 2))
    return np.asarray(small.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)


def _paper_noise(residual: np.ndarray) -> tuple[float, float]:
    """Typical level and robust standard deviation (MAD) of the paper, the majority of pixels."""
    level = float(np.median(residual))
    return level, 1.4826 * float(np.median(np.abs(residual - level)))


def to_canvas(gray: np.ndarray) -> np.ndarray:
    """Grayscale (any polarity) -> uint8 with ink = 255 and clean zero paper.

    The paper is estimated locally (see :func:`_background`), not as one level, so a photo
    of grey or unevenly lit paper keeps its whole digit and none of its shadows; what is
    left must exceed the paper's own noise (measured, robustly) and PAPER_MARGIN."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink_dark = float(np.median(border)) >= 128
    bright = (255.0 - gray) if ink_dark else np.asarray(gray, dtype=np.float32)
    background = _background(bright)
    level, noise = _paper_noise(bright - background)
    noisy = noise > NOISY
    if noisy and min(bright.shape) >= 3:  # a 3x3 median takes out the speckle of noisy paper
        bright = np.asarray(Image.fromarray(np.clip(bright, 0, 255).astype(np.uint8))
                            .filter(ImageFilter.MedianFilter(3)), dtype=np.float32)
        level, noise = _paper_noise(bright - background)
    residual = bright - background
    ink = np.clip(residual - level - max(PAPER_MARGIN, NOISE_SIGMAS * noise), 0, None)
    inked = ink[ink > 0]
    if inked.size == 0:
        return np.zeros(gray.shape, dtype=np.uint8)
    # Full ink: the darkest stroke of a clean image; on noisy paper the darkest pixel is noise,
    # so there the typical stroke pixel counts as full (cores stay solid across uneven light).
    full = float(np.median(inked)) if noisy else float(inked.max())
    return np.clip(ink * (255.0 / full), 0, 255).astype(np.uint8)


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as a canvas image (ink = 255 on 0); ImageError with a clear message otherwise."""
    path = Path(path)
    problem = regular_file_problem(path)  # before opening: a FIFO would block, /dev/zero never ends
    if problem is not None:
        raise ImageError(f"{path}: {problem}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                if w * h > MAX_PIXELS:
                    raise ImageError(f"{path}: image too large ({w}x{h} pixels, limit {MAX_PIXELS:,})")
                if img.format == "JPEG":
                    img.draft(img.mode, (WORKING_SIDE, WORKING_SIDE))  # DCT scaling: 1/2, 1/4, 1/8
                img.load()
                img = ImageOps.exif_transpose(img)  # a phone photo stored sideways, upright again
                gray = _working_size(_to_gray(img))
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{path}: is a folder, not an image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{path}: image too large (decompression bomb guard)") from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image Pillow can read (unknown or corrupt format)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"{path}: cannot read image ({exc})") from None
    except MemoryError:
        raise ImageError(f"{path}: not enough memory to decode the image") from None
    except Exception as exc:  # noqa: BLE001 - Pillow's decoders raise assorted errors on hostile files
        raise ImageError(f"{path}: cannot read image ({type(exc).__name__}: {exc})") from None
    if gray.ndim != 2 or gray.size == 0:
        raise ImageError(f"{path}: empty image")
    return to_canvas(gray)
