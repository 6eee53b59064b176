"""The window reads numbers: real mouse strokes on the shown window, the real committed models."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QKeySequence  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from digitpad import drawing as drawing_io  # noqa: E402
from digitpad import resources  # noqa: E402
from digitpad.drawing_recognizer import DrawingRecognizer  # noqa: E402
from digitpad.preprocess import preprocess, preview_uint8  # noqa: E402
from digitpad.render import render  # noqa: E402
from number_shapes import SHAPES, _arc  # noqa: E402
from qt_input import make_window, mouse_draw, to_page  # noqa: E402

pytestmark = pytest.mark.usefixtures("qt_settings")

ONE = [[(0.5, 0.18), (0.5, 0.82)]]
#: The shapes of tests/number_shapes.py and a one-stroke 5 (flag, neck, belly).
SHAPES = {**SHAPES, "5": [[(0.9, 0.0), (0.15, 0.0), (0.1, 0.45)] + _arc(0.45, 0.7, 0.45, 0.3, -120, 150)]}


def activate(qtbot, window) -> None:
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def page_strokes(canvas, symbols: str, height: float = 0.45, gap: float = 0.35) -> list[list[tuple[float, float]]]:
    """The hand-made shapes of ``symbols`` side by side, in 0..1 page coordinates (for ``to_page``)."""
    w, h = canvas.logical_size
    line = height * h  # logical units
    x, top = 0.06 * w, 0.25 * h
    strokes = []
    for s in symbols:
        width = {"1": 0.35}.get(s, 0.6) * line
        for pts in SHAPES[s]:
            strokes.append([((x + px * width) / w, (top + py * line) / h) for px, py in pts])
        x += width + gap * line
    return strokes


def write(qtbot, window, symbols: str, **kwargs) -> None:
    """Draw the symbols stroke by stroke with real mouse events, each stroke interpolated."""
    canvas = window.canvas
    for stroke in page_strokes(canvas, symbols, **kwargs):
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_page(canvas, stroke[0]))
        for a, b in zip(stroke, stroke[1:]):
            for i in range(1, 4):
                t = i / 3
                QTest.mouseMove(canvas, to_page(canvas, (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_page(canvas, stroke[-1]))


def click_symbol(window, index: int) -> None:
    rect = window.number_view.cell_rects()[index]
    QTest.mouseClick(window.number_view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(round(rect.center().x()), round(rect.center().y())))


@pytest.fixture(scope="module")
def models():
    return DrawingRecognizer.load(resources.model_path())


def test_new_page_is_as_wide_as_the_canvas_and_never_cuts_ink(qtbot):
    window = make_window(qtbot, size=(980, 640))
    canvas = window.canvas
    w, h = canvas.logical_size
    assert h == 280 and w > 280
    assert abs(w / h - canvas.width() / canvas.height()) < 0.02  # the paper fills the widget
    assert canvas.paper_rect().width() > canvas.width() - 2
    write(qtbot, window, "2025", height=0.3, gap=0.2)
    right = max(p[0] for s in canvas.drawing().strokes for p in s.points)
    window.resize(620, 640)  # a narrow window: the page keeps all the ink
    qtbot.wait(20)
    assert canvas.logical_size[0] >= right
    window.resize(1400, 640)  # a wide one: the page grows
    qtbot.wait(20)
    assert canvas.logical_size[0] > w
    np.testing.assert_array_equal(canvas.ink_array(), render(canvas.drawing()))


def test_a_written_number_is_shown_with_boxes_and_each_digit_can_be_selected(qtbot, models):
    window = make_window(qtbot, size=(980, 640))
    write(qtbot, window, "12")
    assert window.number_view.text == "12"
    outcome = window.last_outcome
    assert outcome.number.text == "12"
    assert len(window.canvas.marks) == 2  # each digit boxed on the canvas
    assert [m.box for m in window.canvas.marks] == [d.box for d in outcome.number.digits]
    for index in (0, 1):
        click_symbol(window, index)
        digit = outcome.number.digits[index]
        assert window.selected_digit == index and window.number_view.selected == index
        assert window.canvas.marks[index].selected
        np.testing.assert_allclose(window.chart.probabilities, digit.probs, rtol=1e-6)
        assert window.chart.top_digit == int(digit.symbol)
        np.testing.assert_array_equal(window.preview.image_array(), preview_uint8(digit.model_input))
        assert window.verdict.digit_label.text().startswith(digit.symbol)


def test_2025_copy_and_undo_follow_the_canvas(qtbot):
    window = make_window(qtbot, size=(980, 640))
    activate(qtbot, window)
    write(qtbot, window, "2025", height=0.35, gap=0.3)
    assert window.number_view.text == "2025"
    # By default the first digit the model is not sure of is selected, else the first.
    digits = window.last_outcome.number.digits
    assert window.selected_digit == next((i for i, d in enumerate(digits) if d.not_sure), 0)
    QTest.keySequence(window, QKeySequence("Ctrl+C"))
    assert QApplication.clipboard().text() == "2025"
    QTest.keySequence(window, QKeySequence("Ctrl+Z"))  # the last 5 was one stroke
    assert window.number_view.text == "202" and len(window.canvas.marks) == 3
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+Z"))
    assert window.number_view.text == "2025"
    QTest.keySequence(window, QKeySequence("Esc"))
    assert window.number_view.text == "" and window.canvas.marks == ()
    assert not window.copy_action.isEnabled()


def test_single_digit_reads_exactly_as_before(qtbot, models):
    window = make_window(qtbot, size=(980, 640))
    activate(qtbot, window)
    mouse_draw(window.canvas, ONE)
    drawing = window.canvas.drawing()
    assert drawing.width > 280  # a wide page...
    probs, fused = models.predict_batch(preprocess(render(drawing)), [drawing])
    np.testing.assert_array_equal(window.chart.probabilities, probs[0].astype(float).tolist())
    outcome = window.last_outcome
    assert outcome.fused == bool(fused[0]) and not outcome.several
    assert window.number_view.text == "1" and window.canvas.marks == ()
    # ...and the model input does not depend on its width: the same strokes on a square page.
    square = drawing_io.Drawing(280, 280, drawing.strokes)
    shift = (drawing.width - 280) // 2  # moved by whole pixels, the same ink
    moved = drawing_io.Drawing(280, 280, [drawing_io.Stroke([(x - shift, y, p) for x, y, p in s.points], s.width)
                                          for s in drawing.strokes])
    np.testing.assert_array_equal(preprocess(render(moved)), outcome.model_input)
    assert square.width == 280
    np.testing.assert_array_equal(window.preview.image_array(), preview_uint8(outcome.model_input))
    QTest.keySequence(window, QKeySequence("Ctrl+C"))
    assert QApplication.clipboard().text() == "1"


def test_wide_drawing_save_open_round_trip(qtbot, tmp_path):
    window = make_window(qtbot, size=(1200, 640))
    write(qtbot, window, "12", height=0.4)
    size = window.canvas.logical_size
    assert size[0] > 400
    path = tmp_path / "number.digitpad"
    assert window.save_to(path)
    assert window.canvas.clear is not None
    window.canvas.clear()
    window.resize(700, 520)  # opened drawings keep their own size, whatever the window
    qtbot.wait(20)
    assert window.open_path(path)
    assert window.canvas.logical_size == size and not window.canvas.fits_widget()
    assert window.number_view.text == "12"
    loaded = drawing_io.load(path)
    assert (loaded.width, loaded.height) == size


def test_a_number_keeps_its_reading_while_the_next_stroke_is_drawn(qtbot):
    window = make_window(qtbot, size=(980, 640))
    write(qtbot, window, "12")
    shown = window.last_outcome
    canvas = window.canvas
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_page(canvas, (0.7, 0.3)))
    for i in range(1, 8):
        QTest.mouseMove(canvas, to_page(canvas, (0.7, 0.3 + 0.05 * i)))
        qtbot.wait(20)  # the live refresh (every 50 ms) fires meanwhile
    assert window.last_outcome is shown and window.number_view.text == "12"  # no whole-drawing guess flashes
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_page(canvas, (0.7, 0.65)))
    assert window.last_outcome is not shown and len(window.number_view.text) == 3


def test_the_autosaved_page_comes_back_as_a_page_that_keeps_its_ink(qtbot, data_dir):
    from digitpad.gui.autosave import Autosave

    autosave = Autosave(data_dir)
    stroke = drawing_io.Stroke([(600.0, 60.0, 1.0), (600.0, 220.0, 1.0)], 18.0)  # ink at x = 600 on a 700-wide page
    autosave.submit(drawing_io.Drawing(700, 280, [stroke]))
    assert autosave.flush()
    autosave.release()
    autosave.deleteLater()
    window = make_window(qtbot, size=(700, 640))  # a window whose page would be narrower than the ink
    assert window.restored and window.canvas.fits_widget()
    assert window.canvas.logical_size[0] >= 600 + 18 / 2  # the ink is kept whole
    window.resize(1600, 640)
    qtbot.wait(20)
    assert window.canvas.logical_size[0] > 700  # and the page follows the window again


def test_digit_boxes_are_painted_on_the_canvas(qtbot):
    window = make_window(qtbot, size=(980, 640))
    write(qtbot, window, "12")
    canvas = window.canvas
    image = canvas.grab().toImage()
    accent = canvas.palette().color(canvas.palette().ColorRole.Highlight)
    box = canvas.paper_rect()  # logical -> widget: the paper fills the widget
    scale = box.height() / canvas.logical_size[1]
    x, y, w, h = window.last_outcome.number.digits[1].box  # not selected: a thin accent line
    left, middle = round(box.x() + x * scale), round(box.y() + (y + h / 2) * scale)
    colours = [image.pixelColor(left + dx, middle) for dx in (-1, 0, 1)]
    assert any(abs(c.blue() - c.red()) > 40 and c.blue() > c.red() for c in colours), [c.name() for c in colours]
    assert accent.blue() > accent.red()


def test_a_two_stroke_digit_read_by_the_number_reader_equals_the_whole_drawing_answer(qtbot, models):
    window = make_window(qtbot, size=(980, 640))
    write(qtbot, window, "4", height=0.6)
    outcome = window.last_outcome
    assert outcome.number is not None and outcome.number.text == "4" and not outcome.several
    drawing = window.canvas.drawing()
    assert len(drawing.strokes) == 2
    probs, fused = models.predict_batch(preprocess(window.canvas.ink_array()), [drawing])
    np.testing.assert_array_equal(window.chart.probabilities, probs[0].astype(float).tolist())
    assert outcome.fused == bool(fused[0])
    np.testing.assert_array_equal(outcome.model_input, preprocess(render(drawing)))


def test_teaching_a_number_keeps_only_the_selected_digit(qtbot, data_dir):
    """A chart row click while a digit of a number is selected keeps that digit's strokes, not the number."""
    from digitpad.personal_samples import SAMPLES_FILE

    window = make_window(qtbot, size=(980, 640))
    write(qtbot, window, "12")
    assert window.number_view.text == "12"
    click_symbol(window, 1)
    digit = window.last_outcome.number.digits[1]
    chart = window.chart
    centre = chart.row_rect(7).center().toPoint()
    QTest.mouseMove(chart, centre)
    QTest.mouseClick(chart, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    qtbot.waitUntil(lambda: not window.adapter.busy(), timeout=60000)
    samples = list(drawing_io.iter_jsonl(data_dir / SAMPLES_FILE))
    drawn = window.canvas.drawing().strokes
    assert len(samples) == 1 and samples[0].label == 7
    assert samples[0].strokes == [drawn[i] for i in digit.strokes] and len(samples[0].strokes) < len(drawn)
    assert window.statusBar().currentMessage().startswith("Saved the selected digit as a 7")


def test_ink_drawn_past_the_page_edge_does_not_widen_the_page(qtbot):
    """A stroke that overshoots the right edge (the mouse keeps moving past the widget), then
    an undo: the page keeps its width instead of jumping to the ink's far end."""
    window = make_window(qtbot, size=(980, 640))
    canvas = window.canvas
    w, h = canvas.logical_size
    stroke = [(0.6, 0.3), (0.9, 0.3), (1.6, 0.35)]  # far past the right edge
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_page(canvas, stroke[0]))
    for p in stroke[1:]:
        QTest.mouseMove(canvas, to_page(canvas, p))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_page(canvas, stroke[-1]))
    assert max(p[0] for p in canvas.drawing().strokes[0].points) > w  # the points past the edge are kept
    write(qtbot, window, "1")
    QTest.keySequence(window, QKeySequence("Ctrl+Z"))
    assert canvas.logical_size == (w, h)
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+Z"))
    assert canvas.logical_size == (w, h)
    window.resize(970, 640)  # the page follows the widget, not the ink beyond it
    qtbot.wait(20)
    assert canvas.logical_size[0] <= w
    np.testing.assert_array_equal(canvas.ink_array(), render(canvas.drawing()))
