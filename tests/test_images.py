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
