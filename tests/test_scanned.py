"""The bold scanned-form look of the image model's training renderings (digitpad.train.scanned)."""

from __future__ import annotations

import numpy as np

from digitpad.drawing import Drawing, Stroke
from digitpad.preprocess import ink_bbox
from digitpad.render import render
from digitpad.train.pen_cache import SCAN_RATE, render_frame, training_variants
from digitpad.train.scanned import ScanLook, random_look, scan_drawing, scan_image


def _seven() -> Drawing:
    pts = [(40.0, 30.0, 1.0), (240.0, 30.0, 1.0), (120.0, 270.0, 1.0)]  # bar to the canvas edge, stem to the bottom
    return Drawing(width=280, height=280, strokes=[Stroke(points=pts)], extra={"label": 7})


def test_scanned_image_is_binary_and_the_asked_height() -> None:
    look = ScanLook(stretch=1.0, bold=0.2, height=24, threshold=0.5)
    drawing, pen = scan_drawing(_seven(), look)
    img = scan_image(render(drawing, pen), look)
    assert set(np.unique(img).tolist()) <= {0, 255}
    top, bottom, _, _ = ink_bbox(img)
    assert abs((bottom - top) - 24) <= 1


def test_bold_pen_is_never_cut_at_the_canvas_edge() -> None:
    look = ScanLook(stretch=1.7, bold=0.3, height=30, threshold=0.4)
    drawing, pen = scan_drawing(_seven(), look)
    canvas = render(drawing, pen)
    assert not canvas[0].any() and not canvas[-1].any() and not canvas[:, 0].any() and not canvas[:, -1].any()
    assert pen == 0.3 * 240


def test_stretch_changes_the_digits_box() -> None:
    boxes = []
    for stretch in (0.5, 1.7):
        look = ScanLook(stretch=stretch, bold=0.12, height=40, threshold=0.5)
        drawing, pen = scan_drawing(_seven(), look)
        top, bottom, left, right = ink_bbox(scan_image(render(drawing, pen), look))
        boxes.append((right - left) / (bottom - top))
    assert boxes[1] > 2.5 * boxes[0]


def test_scanned_copies_are_a_share_of_the_jittered_ones_and_render() -> None:
    rng = np.random.default_rng(0)
    jobs = [job for _ in range(120) for job in training_variants(_seven(), 4, rng, SCAN_RATE)]
    assert all(look is None for _, _, look in jobs[::4])  # the first copy is always as drawn
    share = np.mean([look is not None for i, (_, _, look) in enumerate(jobs) if i % 4])
    assert abs(share - SCAN_RATE) < 0.06
    frame = render_frame(_seven(), 16.0, random_look(rng))
    assert frame is not None and frame.shape == (28, 28) and frame.max() > 200


def test_the_shipped_recipe_renders_no_scanned_copies() -> None:
    rng = np.random.default_rng(0)
    assert all(look is None for _ in range(50) for _, _, look in training_variants(_seven(), 4, rng))
