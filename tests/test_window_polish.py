"""The window as a new user meets it (issue 11, item 8): the empty state, stale messages, the
restored verdict's colour, the first stroke's repaint, small and large windows, no display.

Real mouse and key events on the shown window, the real model, offscreen.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QKeySequence, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QFileDialog, QLabel, QWidget

from digitpad.drawing import Drawing, Stroke
from digitpad.gui.autosave import Autosave
from qt_input import make_window, mouse_draw, mouse_stroke, to_widget

pytestmark = pytest.mark.usefixtures("qt_settings")

ROOT = Path(__file__).resolve().parents[1]
ONE = [[(0.5, 0.18), (0.5, 0.82)]]


def activate(window) -> None:
    window.windowHandle().requestActivate()
    for _ in range(200):
        if QApplication.activeWindow() is window:
            return
        QTest.qWait(10)


def on_screen(window) -> QImage:
    """What the window really shows: its backing store, including areas a partial repaint left alone
    (QWidget.grab would repaint everything and hide such a bug)."""
    QTest.qWait(120)  # pending repaints (the pen-up settle waits 40 ms)
    return window.screen().grabWindow(window.winId()).toImage()


def dark_pixels(image: QImage, x0: int, y0: int, x1: int, y1: int, below: int = 235) -> int:
    return sum(1 for y in range(y0, y1) for x in range(x0, x1) if image.pixelColor(x, y).red() < below)


def write_confident_autosave(data_dir: Path) -> None:
    autosave = Autosave(data_dir)
    autosave.submit(Drawing(280, 280, [Stroke(points=[(140, 40, 1.0), (140, 240, 1.0)], width=18)], {}))
    assert autosave.flush()
    autosave.release()  # as a window does at quit: the next start may adopt it
    autosave.deleteLater()


def test_hint_vanishes_entirely_after_a_small_first_stroke(qtbot):
    window = make_window(qtbot)
    canvas = window.canvas
    paper = canvas.paper_rect()
    origin = canvas.mapTo(window, QPoint(0, 0))
    cx, cy = int(origin.x() + paper.center().x()), int(origin.y() + paper.center().y())
    assert dark_pixels(on_screen(window), cx - 80, cy - 15, cx + 80, cy + 15) > 50  # "Draw a digit"
    mouse_stroke(canvas, [(0.08, 0.08), (0.1, 0.1)])  # a small stroke in the corner, far from the hint
    assert not canvas.is_empty()
    assert dark_pixels(on_screen(window), cx - 80, cy - 15, cx + 80, cy + 15) == 0


def test_restored_confident_drawing_is_shown_in_the_accent_colour(qtbot, data_dir):
    write_confident_autosave(data_dir)
    window = make_window(qtbot)
    assert window.restored and window.verdict.state == "sure"
    label = window.verdict.digit_label
    accent = window.verdict.palette().color(QPalette.ColorRole.Highlight)
    image = label.grab().toImage()
    close = 0
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if abs(c.red() - accent.red()) + abs(c.green() - accent.green()) + abs(c.blue() - accent.blue()) < 40:
                close += 1
    assert close > 50, "the confident digit must be painted in the accent colour, not the grey of 'not sure'"


def test_restore_message_ends_when_the_drawing_is_cleared(qtbot, data_dir):
    write_confident_autosave(data_dir)
    window = make_window(qtbot)
    activate(window)
    assert "Restored your drawing" in window.statusBar().currentMessage()
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.canvas.is_empty()
    assert "Restored" not in window.statusBar().currentMessage()


def _digit_png(path: Path) -> Path:
    image = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(image).line([(60, 15), (60, 105)], fill=0, width=12)
    image.save(path)
    return path


def test_image_message_is_not_left_predicting_and_ends_with_the_image(qtbot, tmp_path):
    png = _digit_png(tmp_path / "one.png")
    window = make_window(qtbot)
    activate(window)

    def choose() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, choose)
            return
        dialog.selectFile(str(png))
        dialog.accept()

    QTimer.singleShot(0, choose)
    QTest.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.canvas.has_picture, timeout=5000)
    message = window.statusBar().currentMessage()
    assert "Predicting" not in message and "one.png" in message
    assert window.chart.top_digit == 1
    mouse_draw(window.canvas, ONE)  # drawing replaces the image: the message about it goes
    assert not window.canvas.has_picture() and "one.png" not in window.statusBar().currentMessage()


def test_empty_state_is_one_invitation_on_clean_paper(qtbot):
    window = make_window(qtbot)
    texts = [w.text() for w in window.findChildren(QLabel) if w.isVisible()]
    assert not any("Draw a digit" in t for t in texts), texts  # the canvas alone invites
    assert window.canvas.hint == "Draw a digit or a number"
    assert window.verdict.digit_label.text() == ""  # no stray dash
    preview = window.preview.grab().toImage()
    middle = preview.pixelColor(preview.width() // 2, preview.height() // 2)
    assert middle == window.preview.palette().color(QPalette.ColorRole.Base)  # the paper, not a black square
    mouse_draw(window.canvas, ONE)
    assert window.verdict.digit_label.text() != "" and window.preview.image_array() is not None


def _clipped(window: QWidget) -> list[str]:
    """Visible widgets smaller than they need to be, or sticking out of the window."""
    bad = []
    frame = window.rect()
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.width() == 0:
            continue
        top_left = widget.mapTo(window, QPoint(0, 0))
        if not frame.contains(top_left) or not frame.contains(top_left + QPoint(widget.width() - 1, widget.height() - 1)):
            bad.append(f"{type(widget).__name__} {widget.objectName()} outside the window")
        need = widget.minimumSizeHint()
        if isinstance(widget, (QLabel, QAbstractButton)) and need.isValid():
            if widget.width() < need.width() or widget.height() < need.height():
                text = widget.text() if hasattr(widget, "text") else ""
                bad.append(f"{type(widget).__name__} {text!r} is {widget.size().toTuple()}, needs {need.toTuple()}")
    return bad


def test_window_works_at_640x480_and_the_canvas_grows_when_large(qtbot):
    window = make_window(qtbot, size=(640, 480))
    hint = window.minimumSizeHint()
    assert hint.width() <= 640 and hint.height() <= 480, hint
    assert window.size().toTuple() == (640, 480)
    QTest.qWait(50)
    assert _clipped(window) == []
    assert window.chart.height() >= 10 * window.chart.MIN_ROW
    mouse_draw(window.canvas, ONE)
    assert window.chart.top_digit == 1
    small = window.canvas.paper_rect().width()
    window.resize(1400, 1000)
    QTest.qWait(50)
    assert _clipped(window) == []
    assert window.canvas.paper_rect().width() > 2 * small  # the extra space goes to the canvas
    assert window.chart.top_digit == 1


def test_no_display_is_one_clear_line_and_exit_1(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DIGITPAD_DATA_DIR"] = str(tmp_path)
    for args in (["-m", "digitpad.gui.app"], ["-m", "digitpad"]):
        run = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
        assert run.returncode == 1, (args, run.returncode, run.stderr[-2000:])
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("digitpad: cannot open a window: no display"), run.stderr
        assert "QT_QPA_PLATFORM=offscreen" in lines[0]
