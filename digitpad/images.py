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
from PIL import Image, UnidentifiedImageError

#: Larger images are refused (decompression bombs); 40 Mpx is far beyond any canvas or photo of a digit.
MAX_PIXELS = 40_000_000
#: Grey levels this close to the paper are treated as paper (noise, JPEG artefacts, shading).
PAPER_MARGIN = 40
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


class ImageError(ValueError):
    """An image that cannot be read or used; the message names the file."""


def _to_gray(img: Image.Image) -> np.ndarray:
    """Grayscale array; transparent pixels count as the background."""
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


def to_canvas(gray: np.ndarray) -> np.ndarray:
    """Grayscale (any polarity) -> uint8 with ink = 255 and clean zero paper."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    paper = float(np.median(border))
    ink_dark = paper >= 128
    ink = (paper - gray) if ink_dark else (gray - paper)
    ink = np.clip(ink - PAPER_MARGIN, 0, None)
    peak = ink.max()
    if peak <= 0:
        return np.zeros(gray.shape, dtype=np.uint8)
    return np.clip(ink * (255.0 / peak), 0, 255).astype(np.uint8)


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as a canvas image (ink = 255 on 0); ImageError with a clear message otherwise."""
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                if w * h > MAX_PIXELS:
                    raise ImageError(f"{path}: image too large ({w}x{h} pixels, limit {MAX_PIXELS:,})")
                img.load()
                gray = _to_gray(img)
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
