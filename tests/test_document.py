"""Which file the canvas belongs to, and its extra fields, follow undo and redo.

Driven with real key presses on the shown window: Ctrl+O through Qt's own (non-native)
file dialog, typed into like a person would; Ctrl+Z, Ctrl+Shift+Z, Ctrl+S, Esc."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit  # noqa: E402

from digitpad import drawing as drawing_io  # noqa: E402
from qt_input import drop_file as drop  # noqa: E402
from qt_input import make_window, mouse_draw  # noqa: E402

pytestmark = pytest.mark.usefixtures("qt_settings")

CTRL = Qt.KeyboardModifier.ControlModifier
FOUR = [[(0.6, 0.15), (0.25, 0.6), (0.75, 0.6)], [(0.6, 0.35), (0.6, 0.85)]]
ONE = [[(0.5, 0.18), (0.5, 0.82)]]


def seven(path, **extra) -> None:
    """A saved 7 (with extra fields such as label and writer)."""
    strokes = [drawing_io.Stroke([(70.0, 60.0, 1.0), (210.0, 60.0, 1.0), (120.0, 230.0, 1.0)], 18.0)]
    drawing_io.save(drawing_io.Drawing(280, 280, strokes, dict(extra)), path)


def activate(qtbot, window) -> None:
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def answer_file_dialog(qtbot, path=None) -> list:
    """Type `path` into the next file dialog and press Enter (None: press Esc).  Returns a list
    that gets the dialog's title each time it was answered.  A dialog still open after a few
    answers is rejected, so a test fails instead of hanging in the dialog's event loop."""
    seen: list = []
    timer = QTimer()
    mine: list = []  # the dialog this answer is for: never another one opened later

    def poll():
        dialog = QApplication.activeModalWidget()
        if mine and (dialog is not mine[0] or not dialog.isVisible()):
            timer.stop()  # answered and gone
            return
        if not isinstance(dialog, QFileDialog) or not dialog.isVisible():
            return
        mine[:] = [dialog]
        seen.append(dialog.windowTitle())
        if path is None or len(seen) > 3:
            QTest.keyClick(dialog, Qt.Key.Key_Escape)
            if len(seen) > 3:
                dialog.reject()
            return
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        edit.clear()
        QTest.keyClicks(edit, str(path))
        QTest.keyClick(edit, Qt.Key.Key_Return)

    timer.timeout.connect(poll)
    timer.start(50)
    answer_file_dialog.timers.append(timer)  # kept alive until the dialog is answered
    return seen


answer_file_dialog.timers = []


def press(window, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(window, key, modifiers)


def ctrl_o(qtbot, window, path) -> None:
    seen = answer_file_dialog(qtbot, path)
    press(window, Qt.Key.Key_O, CTRL)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    activate(qtbot, window)  # the dialog is gone: keys go to the window again


def title(window) -> str:
    return window.windowTitle().replace("[*]", "")


def test_undo_after_open_gives_back_the_previous_document_and_save_never_crosses_files(qtbot, tmp_path):
    good7 = tmp_path / "good7.json"
    seven(good7)
    before = good7.read_bytes()
    window = make_window(qtbot)
    activate(qtbot, window)
    mouse_draw(window.canvas, FOUR)
    four = window.canvas.drawing().strokes
    ctrl_o(qtbot, window, good7)
    assert title(window).startswith("good7.json") and not window.isWindowModified()

    press(window, Qt.Key.Key_Z, CTRL)  # back to the unsaved 4: not good7.json's drawing any more
    assert window.canvas.drawing().strokes == four
    assert title(window).startswith("Untitled") and window.isWindowModified()
    seen = answer_file_dialog(qtbot, None)  # Ctrl+S on an untitled drawing asks for a name: cancel it
    press(window, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    activate(qtbot, window)
    assert good7.read_bytes() == before

    press(window, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)  # redo: good7.json, unmodified again
    assert title(window).startswith("good7.json") and not window.isWindowModified()
    press(window, Qt.Key.Key_S, CTRL)
    assert drawing_io.load(good7).strokes == drawing_io.load(tmp_path / "good7.json").strokes
    assert len(drawing_io.load(good7).strokes) == 1


def test_undo_across_open_goes_back_to_the_first_file(qtbot, tmp_path):
    first, good7 = tmp_path / "four.json", tmp_path / "good7.json"
    seven(good7, label=7)
    window = make_window(qtbot)
    activate(qtbot, window)
    mouse_draw(window.canvas, FOUR[:1])
    seen = answer_file_dialog(qtbot, first)  # Ctrl+S on a new drawing: Save As
    press(window, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: first.exists(), timeout=5000)
    activate(qtbot, window)
    mouse_draw(window.canvas, FOUR[1:])  # four.json now has unsaved changes
    assert window.isWindowModified() and len(window.canvas.drawing().strokes) == 2, (len(window.canvas.drawing().strokes), seen)
    ctrl_o(qtbot, window, good7)
    press(window, Qt.Key.Key_Z, CTRL)
    assert title(window).startswith("four.json") and window.isWindowModified()
    press(window, Qt.Key.Key_S, CTRL)  # saves the 4 into four.json, never into good7.json
    assert len(drawing_io.load(first).strokes) == 2 and "label" not in json.loads(first.read_text())
    assert drawing_io.load(good7).extra == {"label": 7} and len(drawing_io.load(good7).strokes) == 1
    assert not window.isWindowModified()
    press(window, Qt.Key.Key_Z, CTRL)  # one stroke of the 4: four.json holds two, so modified
    assert title(window).startswith("four.json") and window.isWindowModified()
    press(window, Qt.Key.Key_Y, CTRL)
    assert not window.isWindowModified()
    assert seen


def test_extra_fields_belong_to_the_drawing_they_came_with(qtbot, tmp_path):
    path = tmp_path / "labelled.json"
    seven(path, label=7, writer="w17")
    window = make_window(qtbot)
    activate(qtbot, window)
    ctrl_o(qtbot, window, path)
    press(window, Qt.Key.Key_Escape)  # Clear
    mouse_draw(window.canvas, ONE)
    press(window, Qt.Key.Key_S, CTRL)
    saved = json.loads(path.read_text())
    assert "label" not in saved and "writer" not in saved and len(saved["strokes"]) == 1
    press(window, Qt.Key.Key_Z, CTRL)  # the stroke
    press(window, Qt.Key.Key_Z, CTRL)  # the Clear: the 7 comes back with its label and writer
    press(window, Qt.Key.Key_S, CTRL)
    saved = json.loads(path.read_text())
    assert saved["label"] == 7 and saved["writer"] == "w17"
    assert not window.isWindowModified()


def test_dropped_image_then_undo_restores_the_drawing_file(qtbot, tmp_path):
    """An opened image is not a drawing file: after it, undo gives back the file it replaced."""
    from PIL import Image

    path, image = tmp_path / "labelled.json", tmp_path / "digit.png"
    seven(path, label=7)
    Image.new("L", (28, 28), 255).save(image)
    window = make_window(qtbot)
    activate(qtbot, window)
    drop(window, path)
    qtbot.waitUntil(lambda: title(window).startswith("labelled.json"), timeout=2000)
    drop(window, image)
    qtbot.waitUntil(lambda: window.canvas.has_picture(), timeout=2000)
    assert title(window).startswith("Untitled")
    press(window, Qt.Key.Key_Z, CTRL)
    assert title(window).startswith("labelled.json") and not window.isWindowModified()
    assert window.canvas.drawing().extra == {"label": 7}
