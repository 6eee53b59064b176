"""Opening a photo never freezes the window: the image is read on a worker thread."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PIL import Image, ImageDraw  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402

from qt_input import drop_file as drop  # noqa: E402
from qt_input import make_window  # noqa: E402

pytestmark = pytest.mark.usefixtures("qt_settings")


def noisy_photo(path, size=(4032, 3024)) -> None:
    """A phone-photo-sized picture of a 1: grey, noisy paper (slow to decode and to clean)."""
    w, h = size
    rng = np.random.default_rng(0)
    paper = rng.normal(150, 20, (h, w, 3)).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(paper)
    ImageDraw.Draw(image).line([(w // 2, h // 5), (w // 2, 4 * h // 5)], fill=(30, 30, 30), width=w // 25)
    image.save(path)


def test_a_large_photo_opens_without_freezing_the_window(qtbot, tmp_path):
    path = tmp_path / "photo.png"
    noisy_photo(path)
    window = make_window(qtbot)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    start = time.perf_counter()
    drop(window, path)
    qtbot.waitUntil(window.canvas.has_picture, timeout=20_000)
    seconds = time.perf_counter() - start
    timer.stop()
    gaps = np.diff([start, *ticks])
    print(f"max gap {gaps.max() * 1000:.0f} ms, read {seconds:.2f} s")
    assert gaps.max() < 0.2, f"the event loop stopped for {gaps.max() * 1000:.0f} ms (reading took {seconds:.2f} s)"
    assert window.chart.top_digit == 1
    assert "photo.png" in window.statusBar().currentMessage()


def test_an_unreadable_image_gives_a_message_naming_it(qtbot, tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    window = make_window(qtbot)
    drop(window, path)
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=10_000)
    assert "broken.png" in window.last_error
    assert window.canvas.is_empty() and "Reading" not in window.statusBar().currentMessage()


def test_only_the_newest_of_two_images_is_shown(qtbot, tmp_path):
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    noisy_photo(first, (2000, 1500))
    Image.new("L", (100, 100), 255).save(second)
    window = make_window(qtbot)
    drop(window, first)
    drop(window, second)
    qtbot.waitUntil(window.canvas.has_picture, timeout=20_000)
    qtbot.wait(1500)  # the first, slower read ends too, and must not replace the second
    assert "second.png" in window.statusBar().currentMessage()


def test_a_drawing_opened_while_an_image_is_read_is_not_replaced_by_it(qtbot, tmp_path):
    from digitpad import drawing as drawing_io

    photo, seven = tmp_path / "photo.png", tmp_path / "seven.json"
    noisy_photo(photo, (2000, 1500))
    drawing_io.save(drawing_io.Drawing(280, 280, [drawing_io.Stroke([(60.0, 40.0, 1.0), (220.0, 40.0, 1.0),
                                                                     (120.0, 250.0, 1.0)], 18.0)]), seven)
    window = make_window(qtbot)
    drop(window, photo)
    drop(window, seven)
    qtbot.waitUntil(lambda: window.windowTitle().startswith("seven.json"), timeout=5000)
    qtbot.wait(1500)  # the photo's read ends meanwhile and must be dropped
    assert not window.canvas.has_picture()
    assert window.windowTitle().startswith("seven.json") and window.chart.top_digit == 7
