"""Image files of every polarity become ink-bright canvases; bad files give ImageError."""

import numpy as np
import pytest
from PIL import Image

from digitpad.images import ImageError, load_image


def glyph() -> np.ndarray:
    img = np.zeros((60, 60), np.uint8)
    img[10:50, 28:33] = 255
    return img


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".jpg"])
def test_dark_ink_on_light_paper(tmp_path, suffix):
    path = tmp_path / f"a{suffix}"
    Image.fromarray(255 - glyph()).save(path)
    out = load_image(path)
    assert out[30, 30] > 200 and out[5, 5] == 0


def test_light_ink_on_dark(tmp_path):
    path = tmp_path / "b.png"
    Image.fromarray(glyph()).convert("RGB").save(path)
    out = load_image(path)
    assert out[30, 30] > 200 and out[5, 5] == 0


def test_transparent_background(tmp_path):
    rgba = np.zeros((60, 60, 4), np.uint8)
    rgba[..., 3] = glyph()  # black ink, alpha only where drawn
    path = tmp_path / "c.png"
    Image.fromarray(rgba, "RGBA").save(path)
    out = load_image(path)
    assert out[30, 30] > 200 and out[5, 5] == 0


def test_grey_paper_noise_removed(tmp_path):
    rng = np.random.default_rng(0)
    paper = np.clip(200 + rng.normal(0, 6, (60, 60)), 0, 255)
    paper[glyph() > 0] = 30
    path = tmp_path / "d.png"
    Image.fromarray(paper.astype(np.uint8)).save(path)
    out = load_image(path)
    assert np.count_nonzero(out[:, :20]) == 0 and out[30, 30] == 255


@pytest.mark.parametrize("content,name", [(b"", "empty.png"), (b"not an image", "text.png"),
                                          (b"\x89PNG\r\n\x1a\n\x00\x00", "cut.png")])
def test_unreadable(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageError, match=name):
        load_image(path)


def test_truncated_png(tmp_path):
    path = tmp_path / "t.png"
    Image.fromarray(255 - glyph()).save(path)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ImageError, match="t.png"):
        load_image(path)


def test_missing_and_folder(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)


def test_decompression_bomb(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (10000, 10000)).save(path)  # 100 Mpx, a few kB on disk
    with pytest.raises(ImageError, match="too large"):
        load_image(path)


# ---------------------------------------------------------------- photos, orientation, depth

import math  # noqa: E402

from digitpad import drawing as dr  # noqa: E402
from digitpad.preprocess import preprocess  # noqa: E402
from digitpad.render import render  # noqa: E402


@pytest.fixture(scope="module")
def recognizer():
    from digitpad.recognizer import Recognizer

    return Recognizer()


def read_digit(recognizer, path) -> int:
    return recognizer.predict(preprocess(load_image(path))).digit


def eight() -> np.ndarray:
    """An 8 as ink (0..1): two loops, the lower one larger."""
    top = [(140 + 45 * math.sin(t / 24 * math.tau), 130 - 45 * math.cos(t / 24 * math.tau), 1.0) for t in range(25)]
    bot = [(140 + 58 * math.sin(t / 24 * math.tau), 187 - 58 * math.cos(t / 24 * math.tau), 1.0) for t in range(25)]
    return render(dr.Drawing(280, 300, [dr.Stroke(top, 18.0), dr.Stroke(bot, 18.0)])).astype(np.float64) / 255


def seven() -> np.ndarray:
    pts = [(78.0, 50.0, 1.0), (205.0, 50.0, 1.0), (160.0, 140.0, 1.0), (125.0, 240.0, 1.0)]
    return render(dr.Drawing(280, 280, [dr.Stroke(pts, 18.0)]))


@pytest.mark.parametrize("gradient,noise,contrast", [(0, 20, 60), (80, 10, 60), (60, 15, 50), (100, 8, 70)])
def test_grey_ink_on_grey_unevenly_lit_noisy_paper(tmp_path, recognizer, gradient, noise, contrast):
    """A photo of an 8 in pencil on a grey, shaded, noisy sheet reads 8 (one global paper
    level read these as 6): the paper is estimated locally."""
    ink = eight()
    h, w = ink.shape
    yy, xx = np.mgrid[0:h, 0:w]
    paper = 140 + gradient * (xx / w - 0.5) + 0.6 * gradient * (yy / h - 0.5)
    photo = paper - contrast * ink + np.random.default_rng(0).normal(0, noise, ink.shape)
    path = tmp_path / "photo8.png"
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).save(path)
    assert read_digit(recognizer, path) == 8


@pytest.mark.parametrize("orientation,stored", [(6, Image.Transpose.ROTATE_90), (8, Image.Transpose.ROTATE_270),
                                                (3, Image.Transpose.ROTATE_180)])
def test_exif_orientation_is_applied(tmp_path, recognizer, orientation, stored):
    """A phone JPEG stored sideways with an EXIF Orientation tag is read upright."""
    upright = Image.fromarray(255 - seven())
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "phone.jpg"
    upright.transpose(stored).save(path, exif=exif, quality=95)
    out = load_image(path)
    assert out.shape == (280, 280)
    assert read_digit(recognizer, path) == 7


@pytest.mark.parametrize("kind", ["float01", "float_counts", "uint16"])
def test_high_depth_images_are_scaled(tmp_path, recognizer, kind):
    """Float TIFFs (0..1 or arbitrary counts) and 16-bit PNGs keep their levels (Pillow's
    convert('L') clips a 0..1 float image to black)."""
    ink = seven().astype(np.float64) / 255
    if kind == "float01":
        img, path = Image.fromarray((1.0 - ink).astype(np.float32), "F"), tmp_path / "f.tif"
    elif kind == "float_counts":
        img, path = Image.fromarray((5000.0 - 4000.0 * ink).astype(np.float32), "F"), tmp_path / "c.tif"
    else:
        img, path = Image.fromarray((65535 * (1.0 - ink)).astype(np.uint16)), tmp_path / "d.png"
    img.save(path)
    out = load_image(path)
    assert out[50, 140] > 200 and out[5, 5] == 0
    assert read_digit(recognizer, path) == 7


def test_special_files_refused_before_opening(tmp_path):
    """A FIFO would block the read for ever; refused at once with the file named."""
    import os

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(ImageError, match="pipe.png: is a FIFO"):
        load_image(fifo)
    with pytest.raises(ImageError, match="zero: is a device"):
        load_image("/dev/zero")
    loop = tmp_path / "loop.png"
    loop.symlink_to(loop)
    with pytest.raises(ImageError, match="loop.png: too many levels of symbolic links"):
        load_image(loop)
