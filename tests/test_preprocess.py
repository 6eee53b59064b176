"""The one preprocessor: edge cases, MNIST's recipe, speed-independent checks."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from digitpad.preprocess import preprocess, preview_uint8, to_mnist_28

MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"


def centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    x = x.reshape(28, 28)
    ys, xs = np.indices(x.shape)
    return float((ys * x).sum() / x.sum()), float((xs * x).sum() / x.sum())


def ink_box(x: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(x.reshape(28, 28).any(axis=1))
    cols = np.flatnonzero(x.reshape(28, 28).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_empty_canvas_gives_none():
    assert preprocess(np.zeros((280, 280), np.uint8)) is None


def test_output_shape_dtype_range():
    img = np.zeros((280, 280), np.uint8)
    img[50:230, 120:160] = 255
    x = preprocess(img)
    assert x.shape == (1, 1, 28, 28) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0 and np.isclose(x.max(), 1.0)


def test_single_dot():
    img = np.zeros((100, 100), np.uint8)
    img[40, 70] = 255
    x = preprocess(img)
    assert x is not None and np.isfinite(x).all()
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


@pytest.mark.parametrize("shape", [(1, 300), (300, 1)])
def test_one_pixel_line(shape):
    img = np.zeros((400, 400), np.uint8)
    img[50 : 50 + shape[0], 60 : 60 + shape[1]] = 255
    x = preprocess(img)
    h, w = ink_box(x)
    assert max(h, w) == 20 and min(h, w) == 1
    assert x.max() > 0.5  # a thin line stays visible, not averaged away


def test_500_to_1_sliver_keeps_aspect_and_ink():
    img = np.zeros((10, 1000), np.uint8)
    img[5, 0:1000] = 200
    x = preprocess(img)
    h, w = ink_box(x)
    assert (h, w) == (1, 20)
    assert x.max() > 0.5


def test_ink_touching_every_edge():
    img = np.full((60, 40), 255, np.uint8)
    x = preprocess(img)
    h, w = ink_box(x)
    assert h == 20 and w == 13  # 60:40 kept
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_large_4000_canvas():
    img = np.zeros((4000, 4000), np.uint8)
    img[1000:3000, 1900:2100] = 255
    x = preprocess(img)
    assert ink_box(x) == (20, 2)


@pytest.mark.parametrize("bad", [np.zeros((5, 5, 3), np.uint8), np.zeros((5,), np.uint8),
                                 np.zeros((5, 5), np.float32), np.zeros((5, 5), np.int64),
                                 np.zeros((0, 5), np.uint8), [[0, 1]]])
def test_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        preprocess(bad)


def test_aspect_ratio_kept():
    img = np.zeros((300, 300), np.uint8)
    img[0:200, 0:100] = 255
    assert ink_box(preprocess(img)) == (20, 10)


def test_centre_of_mass_at_centre_for_lopsided_glyph():
    img = np.zeros((200, 200), np.uint8)
    img[20:180, 40:60] = 255  # vertical bar
    img[20:40, 40:160] = 255  # heavy top bar (a 7-like shape)
    cy, cx = centre_of_mass(preprocess(img))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_preview_roundtrip():
    img = np.zeros((50, 50), np.uint8)
    img[10:40, 20:25] = 255
    x = preprocess(img)
    p = preview_uint8(x)
    assert p.shape == (28, 28) and p.dtype == np.uint8 and p.max() == 255


def _mnist_test_images(n: int) -> np.ndarray:
    with gzip.open(MNIST / "t10k-images-idx3-ubyte.gz", "rb") as fh:
        data = fh.read()
    return np.frombuffer(data, np.uint8, offset=16, count=n * 784).reshape(n, 28, 28)


@pytest.mark.skipif(not MNIST.exists(), reason="MNIST not beside the repo")
def test_mnist_images_are_nearly_fixed_points():
    """MNIST was made with this recipe, so re-preprocessing an MNIST digit changes it little."""
    images = _mnist_test_images(200)
    corr = [np.corrcoef(to_mnist_28(img).ravel(), img.ravel())[0, 1] for img in images]
    assert np.median(corr) > 0.98 and np.percentile(corr, 10) > 0.8
