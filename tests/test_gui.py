"""The drawing window, driven by real QTest mouse events, real QTabletEvent/QTouchEvent objects
and the real committed model.  Runs offscreen (tests/conftest.py) with temporary settings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import (  # noqa: E402
    QEventPoint,
    QInputDevice,
    QPointingDevice,
    QTabletEvent,
)
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from digitpad import drawing as drawing_io  # noqa: E402
from digitpad import resources  # noqa: E402
from digitpad.gui.autosave import Autosave  # noqa: E402
from digitpad.gui.canvas import UNDO_LIMIT  # noqa: E402
from digitpad.preprocess import preprocess, preview_uint8  # noqa: E402
from digitpad.render import render  # noqa: E402
from qt_input import drop_file, make_window, mouse_draw, to_widget  # noqa: E402

pytestmark = pytest.mark.usefixtures("qt_settings")

ONE = [[(0.5, 0.18), (0.5, 0.82)]]
ZERO = [[(0.5 + 0.2 * np.sin(t), 0.5 - 0.3 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 33)]]


def activate(qtbot, window) -> None:
    """Keyboard shortcuts only fire in the active window (activateWindow is a no-op offscreen)."""
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def make_pen(pressure: bool = True, eraser: bool = False) -> QPointingDevice:
    caps = QInputDevice.Capability.Position
    if pressure:
        caps |= QInputDevice.Capability.Pressure
    kind = QPointingDevice.PointerType.Eraser if eraser else QPointingDevice.PointerType.Pen
    return QPointingDevice("test pen", 4242 + eraser, QInputDevice.DeviceType.Stylus, kind, caps, 1, 3)


def tablet(canvas, device, kind, p, pressure: float) -> QTabletEvent:
    pos = QPointF(to_widget(canvas, p))
    button = Qt.MouseButton.LeftButton
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else button
    event = QTabletEvent(
        kind, device, pos, QPointF(canvas.mapToGlobal(pos)), pressure, 0.0, 0.0, 0.0, 0.0, 0.0,
        Qt.KeyboardModifier.NoModifier, button, buttons,
    )
    QApplication.sendEvent(canvas, event)
    return event


def tablet_stroke(canvas, device, a, b, pressure: float, steps: int = 10) -> None:
    tablet(canvas, device, QEvent.Type.TabletPress, a, pressure)
    for i in range(1, steps + 1):
        t = i / steps
        tablet(canvas, device, QEvent.Type.TabletMove, (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t), pressure)
    tablet(canvas, device, QEvent.Type.TabletRelease, b, pressure)


def ink_width_at_row(ink: np.ndarray, row: int) -> int:
    return int((ink[row] > 127).sum())


def named(window) -> int | None:
    return window.chart.top_digit


# ----------------------------------------------------------------------------- drawing & prediction


def test_mouse_one_and_zero_are_named(qtbot):
    window = make_window(qtbot)
    assert window.chart.probabilities is None and window.verdict.state == "hint"
    assert window.canvas.hint == "Draw a digit or a number" and "Draw a digit" not in window.verdict.detail_label.text()
    mouse_draw(window.canvas, ONE)
    assert named(window) == 1
    assert window.verdict.digit_label.text() == "1" or window.verdict.state == "not sure"
    assert abs(sum(window.chart.probabilities) - 1.0) < 1e-4
    assert "ms" in window.latency_label.text()
    window.canvas.clear()
    assert window.chart.probabilities is None and window.verdict.state == "hint"
    mouse_draw(window.canvas, ZERO)
    assert named(window) == 0
    assert len(window.canvas.drawing().strokes) == 1


def test_canvas_model_image_equals_render_at_any_window_size(qtbot):
    window = make_window(qtbot, size=(700, 520))
    pen = make_pen()
    mouse_draw(window.canvas, ZERO)
    tablet_stroke(window.canvas, pen, (0.3, 0.2), (0.7, 0.9), 0.35)
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(window.canvas, (0.8, 0.2)))
    drawing = window.canvas.drawing()
    assert len(drawing.strokes) == 3 and len(drawing.strokes[2].points) == 1
    ink = window.canvas.ink_array()
    assert ink.shape == (280, window.canvas.logical_size[0])  # a new page: 280 high, as wide as the canvas
    np.testing.assert_array_equal(ink, render(drawing))
    window.resize(1200, 900)
    qtbot.wait(10)
    wider = window.canvas.ink_array()  # the page may grow; the ink stays where it was
    np.testing.assert_array_equal(wider[:, :ink.shape[1]], ink)
    assert not wider[:, ink.shape[1]:].any()
    np.testing.assert_array_equal(preprocess(wider), preprocess(ink))  # model input never depends on window size
    dpr = window.canvas.devicePixelRatioF()
    assert window.canvas._display.size() == window.canvas.size() * dpr


def test_display_after_pen_up_equals_a_full_repaint(qtbot):
    """At pen-up the stroke's patch is repainted from the data: the screen shows what render() paints."""
    window = make_window(qtbot, size=(700, 520))
    canvas = window.canvas
    mouse_draw(canvas, ZERO + [[(0.3, 0.5), (0.7, 0.52)]], steps=8)
    assert canvas.settle_pending()  # the screen's repaint waits for a pause in the input
    qtbot.waitUntil(lambda: not canvas.settle_pending(), timeout=2000)
    after_pen_up = canvas._display.copy()
    canvas._render_display()
    assert after_pen_up == canvas._display


# The same check at fractional and double device pixel ratios: QT_SCALE_FACTOR must be set
# before the QApplication exists, so each ratio runs in a fresh process.
_SETTLE_AT_SCALE = """
import sys
import onnxruntime  # noqa: F401  (before Qt, as in the app)
from PySide6.QtCore import QCoreApplication, QDeadlineTimer
from PySide6.QtWidgets import QApplication
sys.path.insert(0, sys.argv[1])
from qt_input import mouse_draw
from digitpad.gui.settings import Settings, open_settings
from digitpad.gui.window import MainWindow
app = QApplication([])
window = MainWindow(settings=Settings(open_settings()))
window.resize(700, 520)
window.show()
app.processEvents()
canvas = window.canvas
assert canvas.devicePixelRatioF() == float(sys.argv[2]), canvas.devicePixelRatioF()
mouse_draw(canvas, [[(0.3, 0.2), (0.7, 0.3), (0.4, 0.8)], [(0.3, 0.5), (0.7, 0.52)]], steps=8)
deadline = QDeadlineTimer(5000)
while canvas.settle_pending() and not deadline.hasExpired():
    app.processEvents()
after_pen_up = canvas._display.copy()
canvas._render_display()
sys.exit(0 if after_pen_up == canvas._display else 3)
"""


@pytest.mark.parametrize("scale", ["1.5", "2"])
def test_display_after_pen_up_equals_a_full_repaint_at_high_dpi(tmp_path, scale):
    tests = Path(__file__).resolve().parent
    env = dict(os.environ, QT_SCALE_FACTOR=scale, QT_QPA_PLATFORM="offscreen", DIGITPAD_DATA_DIR=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path), PYTHONPATH=str(tests.parent))
    result = subprocess.run([sys.executable, "-c", _SETTLE_AT_SCALE, str(tests), scale], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tablet_pressures_give_two_widths_and_no_duplicate_mouse_stroke(qtbot):
    window = make_window(qtbot)
    canvas = window.canvas
    pen = make_pen()
    tablet(canvas, pen, QEvent.Type.TabletPress, (0.3, 0.2), 0.2)
    # A mouse event arriving while the pen is down (e.g. synthesized) must not start a second stroke.
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, (0.6, 0.5)))
    QTest.mouseMove(canvas, to_widget(canvas, (0.65, 0.6)))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, (0.65, 0.6)))
    for i in range(1, 11):
        tablet(canvas, pen, QEvent.Type.TabletMove, (0.3, 0.2 + 0.06 * i), 0.2)
    event = tablet(canvas, pen, QEvent.Type.TabletRelease, (0.3, 0.8), 0.2)
    assert event.isAccepted()
    tablet_stroke(canvas, pen, (0.7, 0.2), (0.7, 0.8), 1.0)
    strokes = canvas.drawing().strokes
    assert len(strokes) == 2
    assert {p[2] for p in strokes[0].points} == {0.2} and {p[2] for p in strokes[1].points} == {1.0}
    ink = canvas.ink_array()
    thin = ink[140, :140]
    thick = ink[140, 140:]
    assert (thick > 127).sum() > (thin > 127).sum() + 4
    np.testing.assert_array_equal(ink, render(canvas.drawing()))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    strokes=st.lists(
        st.tuples(
            st.lists(st.tuples(st.floats(0.02, 0.98), st.floats(0.02, 0.98), st.floats(0.0, 1.0)), min_size=1, max_size=8),
            st.integers(4, 48),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_canvas_image_equals_render_for_random_pen_strokes(qtbot, strokes):
    window = make_window(qtbot, size=(640, 480))
    pen = make_pen()
    for points, width in strokes:
        window.width_slider.setValue(width)
        tablet(window.canvas, pen, QEvent.Type.TabletPress, points[0][:2], points[0][2])
        for x, y, p in points[1:]:
            tablet(window.canvas, pen, QEvent.Type.TabletMove, (x, y), p)
        tablet(window.canvas, pen, QEvent.Type.TabletRelease, points[-1][:2], points[-1][2])
    np.testing.assert_array_equal(window.canvas.ink_array(), render(window.canvas.drawing()))
    window.close()


def test_tablet_without_pressure_draws_full_width(qtbot):
    window = make_window(qtbot)
    tablet_stroke(window.canvas, make_pen(pressure=False), (0.5, 0.2), (0.5, 0.8), 0.0)
    assert {p[2] for p in window.canvas.drawing().strokes[0].points} == {1.0}


def test_eraser_end_removes_the_stroke_it_touches(qtbot):
    window = make_window(qtbot)
    mouse_draw(window.canvas, [[(0.3, 0.2), (0.3, 0.8)], [(0.7, 0.2), (0.7, 0.8)]])
    assert len(window.canvas.drawing().strokes) == 2
    eraser = make_pen(eraser=True)
    tablet_stroke(window.canvas, eraser, (0.25, 0.5), (0.35, 0.5), 1.0, steps=3)
    strokes = window.canvas.drawing().strokes
    assert len(strokes) == 1 and strokes[0].points[0][0] > 150
    np.testing.assert_array_equal(window.canvas.ink_array(), render(window.canvas.drawing()))
    window.canvas.undo()
    assert len(window.canvas.drawing().strokes) == 2


def test_one_finger_touch_draws(qtbot):
    window = make_window(qtbot)
    canvas = window.canvas
    device = QTest.createTouchDevice()
    QTest.touchEvent(canvas, device).press(0, to_widget(canvas, (0.5, 0.15))).commit()
    for i in range(1, 11):
        QTest.touchEvent(canvas, device).move(0, to_widget(canvas, (0.5, 0.15 + 0.07 * i))).commit()
    QTest.touchEvent(canvas, device).release(0, to_widget(canvas, (0.5, 0.85))).commit()
    strokes = canvas.drawing().strokes
    assert len(strokes) == 1 and len(strokes[0].points) > 5
    assert named(window) == 1
    assert QEventPoint  # imported for type clarity


def test_live_prediction_during_stroke_is_throttled(qtbot):
    window = make_window(qtbot)
    canvas = window.canvas
    calls = []
    canvas.inkChanged.connect(calls.append)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, (0.5, 0.2)))
    for i in range(1, 40):
        QTest.mouseMove(canvas, to_widget(canvas, (0.5, 0.2 + 0.015 * i)))
    assert calls == []  # no prediction inside the 50 ms window: drawing is never blocked by it
    qtbot.waitUntil(lambda: calls == [False], timeout=1000)
    assert window.chart.probabilities is not None  # the chart updated mid-stroke
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, (0.5, 0.8)))
    assert calls[-1] is True


# ----------------------------------------------------------------------------- editing


def test_undo_redo_clear_restore_predictions(qtbot):
    window = make_window(qtbot)
    activate(qtbot, window)
    canvas = window.canvas
    mouse_draw(canvas, ONE)
    probs_one = window.chart.probabilities
    mouse_draw(canvas, [[(0.2, 0.3), (0.8, 0.3)]])  # a second stroke changes the answer
    probs_two = window.chart.probabilities
    assert probs_two != probs_one
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.chart.probabilities == probs_one
    QTest.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.chart.probabilities == probs_two
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.chart.probabilities == probs_two
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert canvas.is_empty() and window.chart.probabilities is None and window.verdict.state == "hint"
    window.undo_button.click()
    assert window.chart.probabilities == probs_two
    QTest.keyClick(window, Qt.Key.Key_Delete)
    assert canvas.is_empty()
    window.canvas.undo()
    window.canvas.undo()
    assert window.chart.probabilities == probs_one
    window.canvas.undo()
    assert canvas.is_empty() and not canvas.can_undo()
    assert not window.undo_action.isEnabled() and window.redo_action.isEnabled()


def test_undo_history_is_bounded(qtbot):
    window = make_window(qtbot)
    canvas = window.canvas
    for i in range(UNDO_LIMIT + 5):
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, (0.1 + (i % 40) / 50, 0.1 + (i // 40) / 8)))
    steps = 0
    while canvas.can_undo():
        canvas.undo()
        steps += 1
    assert steps == UNDO_LIMIT
    assert len(canvas.drawing().strokes) == 5


def test_slider_sets_next_stroke_width_and_persists(qtbot, qt_settings):
    window = make_window(qtbot, size=(700, 500))  # within the offscreen screen (800x600), so restorable as is
    mouse_draw(window.canvas, [[(0.3, 0.2), (0.3, 0.8)]])
    window.width_slider.setValue(40)
    assert window.width_value.text() == "40 px"
    mouse_draw(window.canvas, [[(0.7, 0.2), (0.7, 0.8)]])
    strokes = window.canvas.drawing().strokes
    assert strokes[0].width == 18 and strokes[1].width == 40  # the old stroke keeps its width
    ink = window.canvas.ink_array()
    assert ink_width_at_row(ink[:, 140:], 140) > ink_width_at_row(ink[:, :140], 140) + 15
    window.close()
    ini = list(qt_settings.rglob("*.ini"))
    assert ini, "settings must be written to the temporary folder"
    from digitpad.gui.settings import Settings, open_settings
    from digitpad.gui.window import MainWindow

    second = MainWindow(settings=Settings(open_settings()))  # sized by the remembered geometry alone
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert second.width_slider.value() == 40 and second.canvas.stroke_width == 40
    assert abs(second.width() - window.width()) <= 8 and abs(second.height() - window.height()) <= 8


def test_preview_equals_preprocessor_output(qtbot):
    window = make_window(qtbot)
    assert window.preview.image_array() is None
    mouse_draw(window.canvas, ZERO)
    expected = preview_uint8(preprocess(render(window.canvas.drawing())))
    np.testing.assert_array_equal(window.preview.image_array(), expected)
    image = window.preview.grab().toImage()
    assert image.width() >= 28 * 3  # scaled up, not shown at 28 px


# ----------------------------------------------------------------------------- model problems


def test_missing_model_still_opens_and_draws(qtbot, tmp_path):
    missing = tmp_path / "nowhere" / "digit.onnx"
    window = make_window(qtbot, model_path=missing)
    assert window.isVisible()
    assert str(missing) in window.chart.message
    assert window.verdict.state == "error"
    mouse_draw(window.canvas, ONE)
    assert len(window.canvas.drawing().strokes) == 1
    assert str(missing) in window.chart.message and window.chart.probabilities is None
    assert "Model unavailable" in window.about_text()


def test_corrupt_model_still_opens(qtbot, tmp_path):
    bad = tmp_path / "digit.onnx"
    bad.write_bytes(b"this is not an onnx model")
    window = make_window(qtbot, model_path=bad)
    assert str(bad) in window.chart.message
    mouse_draw(window.canvas, ZERO)
    assert window.preview.image_array() is not None  # preprocessing still shows what would be seen


def test_not_sure_uses_threshold_from_model_metadata(qtbot, tmp_path):
    model = tmp_path / "digit.onnx"
    shutil.copy(resources.model_path(), model)
    meta = json.loads(resources.metadata_path(resources.model_path()).read_text())
    meta["not_sure_threshold"] = 1.01  # nothing can reach it: always 'not sure'
    (tmp_path / "digit.json").write_text(json.dumps(meta))
    window = make_window(qtbot, model_path=model)
    mouse_draw(window.canvas, ONE)
    assert window.verdict.state == "not sure"
    (a, _), (b, _) = window.last_outcome.prediction.top2()
    assert a == 1 and f"{a} (" in window.verdict.detail_label.text() and f"{b} (" in window.verdict.detail_label.text()


# ----------------------------------------------------------------------------- files


def test_save_and_reopen_gives_same_prediction(qtbot, tmp_path):
    window = make_window(qtbot)
    mouse_draw(window.canvas, ZERO)
    mouse_draw(window.canvas, [[(0.45, 0.45), (0.55, 0.55)]])
    probs = window.chart.probabilities
    path = tmp_path / "zero.json"
    assert window.save_to(path)
    assert not window.isWindowModified() and "zero.json" in window.windowTitle()
    second = make_window(qtbot, autosave=Autosave(tmp_path / "elsewhere"))  # not restoring the first's autosave
    assert second.open_path(path)
    assert second.chart.probabilities == probs
    np.testing.assert_array_equal(second.canvas.ink_array(), window.canvas.ink_array())
    second.canvas.undo()  # opening is undoable
    assert second.canvas.is_empty()


def test_bad_file_shows_message_and_keeps_drawing(qtbot, tmp_path):
    window = make_window(qtbot)
    mouse_draw(window.canvas, ONE)
    before = window.canvas.drawing()
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    assert not window.open_path(bad)
    assert "broken.json" in window.last_error and "invalid JSON" in window.last_error
    assert window.canvas.drawing() == before
    window._message_box.close()
    assert not window.save_to(tmp_path / "no such folder" / "x.json")
    assert "could not be saved" in window.last_error
    assert window.canvas.drawing() == before


def test_export_png_is_dark_ink_on_white(qtbot, tmp_path):
    window = make_window(qtbot)
    mouse_draw(window.canvas, ONE)
    out = tmp_path / "one.png"
    assert window.export_png(out)
    from PIL import Image

    pixels = np.array(Image.open(out).convert("L"))
    assert pixels.shape == (280, window.canvas.logical_size[0])
    np.testing.assert_array_equal(pixels, 255 - window.canvas.ink_array())


def test_dropping_an_image_predicts_it(qtbot, tmp_path):
    window = make_window(qtbot)
    image_path = tmp_path / "digit.png"
    ink = render(drawing_io.Drawing(280, 280, [drawing_io.Stroke([(140.0, 50.0, 1.0), (140.0, 230.0, 1.0)], 18.0)]))
    Image.fromarray(255 - ink).save(image_path)  # dark ink on white, as a scanned digit
    drop_file(window, image_path)
    qtbot.waitUntil(lambda: window.canvas.has_picture(), timeout=2000)
    assert named(window) == 1
    mouse_draw(window.canvas, ZERO)  # drawing over a picture starts a fresh drawing
    assert not window.canvas.has_picture() and named(window) == 0


def test_main_quits_after_timeout_without_touching_settings(qtbot, qt_settings):
    from digitpad.gui.app import main

    assert main(["--quit-after", "50"]) == 0
    assert not list(qt_settings.rglob("*.ini"))  # smoke runs leave the user's settings alone
