"""Teaching digitpad the person's handwriting (issue 13), in the shown window: digit keys and chart
clicks store the drawing as a sample and the answer adapts at once; Undo in the status bar; the
Handwriting menu's My samples and Practice dialogs; samples survive a restart and a kill -9; a
damaged samples file and a failed write.  Real mouse and key events, the real model (onnxruntime)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QAction, QKeySequence  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLineEdit, QMenu, QMessageBox  # noqa: E402

from digitpad import drawing as drawing_io  # noqa: E402
from digitpad.gui.chart import ADAPTED_TEXT  # noqa: E402
from digitpad.gui.settings import Settings, open_settings  # noqa: E402
from digitpad.personal_samples import SAMPLES_FILE, SampleStore  # noqa: E402
from qt_input import make_window, mouse_draw  # noqa: E402

pytestmark = pytest.mark.usefixtures("qt_settings")

ROOT = Path(__file__).resolve().parent.parent
#: A 7 the base model reads as a confident 7: teaching it as a 1 must move the answer.
SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.4, 0.85)]]
ONE = [[(0.5, 0.18), (0.5, 0.82)]]
ZERO = [[(0.5 + 0.2 * __import__("math").sin(t / 16 * 6.2832), 0.5 - 0.3 * __import__("math").cos(t / 16 * 6.2832))
         for t in range(17)]]


def activate(qtbot, window) -> None:
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def type_key(key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the keyboard focus is, as a person's key goes."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClick(target, key, modifiers)


def settle(qtbot, window) -> None:
    """Wait until the models fitted to the samples answer (the fit runs off the UI thread)."""
    qtbot.waitUntil(lambda: not window.adapter.busy(), timeout=60000)


def teach_key(qtbot, window, digit: int) -> None:
    type_key(digit_key(digit))
    settle(qtbot, window)


def digit_key(digit: int) -> Qt.Key:
    return Qt.Key(Qt.Key.Key_0.value + digit)


def stored(data_dir: Path) -> list[drawing_io.Drawing]:
    path = data_dir / SAMPLES_FILE
    return list(drawing_io.iter_jsonl(path)) if path.exists() else []


def click_chart_row(qtbot, window, digit: int) -> None:
    chart = window.chart
    centre = chart.row_rect(digit).center().toPoint()
    QTest.mouseMove(chart, centre)
    QTest.mouseClick(chart, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    settle(qtbot, window)


def open_menu_item(qtbot, window, menu_title: str, item_text: str) -> None:
    """Open a menu-bar menu with its Alt key and pick an item with its mnemonic, as on a keyboard."""
    activate(qtbot, window)
    top = next(a for a in window.menuBar().actions() if a.text().replace("&", "") == menu_title)
    mnemonic = top.text()[top.text().index("&") + 1]
    QTest.keyClick(window, Qt.Key(ord(mnemonic.upper())), Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=2000)
    menu = QApplication.activePopupWidget()
    item = next(a for a in menu.actions() if a.text().replace("&", "") == item_text)
    key = item.text()[item.text().index("&") + 1]
    QTest.keyClick(menu, Qt.Key(ord(key.upper())))
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=2000)


def answer_file_dialog(qtbot, path: Path) -> list[str]:
    """When the next file dialog shows, go to ``path``'s folder, type its name into the name field
    and click Save / Open (offscreen, Enter in the field goes to its completer's popup)."""
    seen: list[str] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, fill)
            return
        seen.append(dialog.windowTitle())
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        dialog.setDirectory(str(path.parent))
        edit.selectAll()
        QTest.keyClicks(edit, path.name)
        buttons = dialog.findChild(QDialogButtonBox)
        accept = next(b for b in buttons.buttons() if buttons.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole)
        QTest.mouseClick(accept, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, fill)
    return seen


# ----------------------------------------------------------------------------- correcting


def test_a_digit_key_on_the_canvas_keeps_the_drawing_and_the_answer_adapts(qtbot, data_dir):
    window = make_window(qtbot)
    activate(qtbot, window)
    mouse_draw(window.canvas, SEVEN)
    before = window.chart.probabilities
    assert window.chart.top_digit == 7 and not window.last_outcome.personal
    assert not window.verdict.adapted_label.isVisible()
    assert QApplication.focusWidget() is window.canvas
    teach_key(qtbot, window, 1)
    samples = stored(data_dir)
    assert len(samples) == 1 and samples[0].label == 1 and isinstance(samples[0].extra.get("id"), str)
    drawn = window.canvas.drawing()
    assert samples[0].strokes == drawn.strokes and samples[0].strokes[0].width == 18  # with its width
    assert window.chart.probabilities != before  # re-read at once, adapted
    assert window.chart.probabilities[1] > before[1]
    assert window.last_outcome.personal and window.predictor.personal_count == 1
    assert window.verdict.adapted_label.isVisible() and window.verdict.adapted_label.text() == ADAPTED_TEXT
    assert window.statusBar().currentMessage() == "Saved as a 1 for your handwriting — 1 sample"
    assert window.sample_undo_button.isVisible()
    assert len(window.canvas.drawing().strokes) == 1  # the drawing stays


def test_clicking_a_chart_row_teaches_that_digit(qtbot, data_dir):
    window = make_window(qtbot)
    mouse_draw(window.canvas, ZERO)
    before = window.chart.probabilities
    click_chart_row(qtbot, window, 6)
    samples = stored(data_dir)
    assert [s.label for s in samples] == [6]
    assert window.chart.probabilities != before and window.chart.probabilities[6] > before[6]
    assert "Saved as a 6 for your handwriting" in window.statusBar().currentMessage()
    click_chart_row(qtbot, window, 0)  # confirming a right answer is a sample too
    assert [s.label for s in stored(data_dir)] == [6, 0]
    assert window.statusBar().currentMessage() == "Saved as a 0 for your handwriting — 2 samples"


def test_undo_in_the_status_bar_removes_that_sample(qtbot, data_dir):
    window = make_window(qtbot)
    activate(qtbot, window)
    mouse_draw(window.canvas, SEVEN)
    base = window.chart.probabilities
    teach_key(qtbot, window, 1)
    assert len(stored(data_dir)) == 1 and window.chart.probabilities != base
    button = window.sample_undo_button
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert stored(data_dir) == [] and window.handwriting.count() == 0
    assert not window.last_outcome.personal and not window.verdict.adapted_label.isVisible()
    assert window.chart.probabilities == pytest.approx(base, abs=1e-6)
    assert "Removed that 1" in window.statusBar().currentMessage() and not button.isVisible()


def test_the_undo_button_goes_with_its_message(qtbot):
    window = make_window(qtbot)
    activate(qtbot, window)
    mouse_draw(window.canvas, SEVEN)
    teach_key(qtbot, window, 1)
    assert window.sample_undo_button.isVisible()
    type_key(Qt.Key.Key_Escape)  # Clear: a new status text replaces it, or none
    window.statusBar().showMessage("something else")
    assert not window.sample_undo_button.isVisible()


def test_a_blank_canvas_or_a_picture_keeps_nothing_and_says_why(qtbot, data_dir):
    window = make_window(qtbot)
    activate(qtbot, window)
    teach_key(qtbot, window, 5)
    assert stored(data_dir) == [] and "Draw a digit first" in window.statusBar().currentMessage()
    click_chart_row(qtbot, window, 5)  # no bars, no buttons
    assert stored(data_dir) == []
    assert not window.sample_undo_button.isVisible()


def test_digit_keys_collide_with_no_shortcut(qtbot):
    window = make_window(qtbot)
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            assert key.toString() not in [str(d) for d in range(10)], f"{action.text()} takes the key {key.toString()}"
    activate(qtbot, window)
    mouse_draw(window.canvas, ONE)
    type_key(Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # a chord is not a digit
    assert window.handwriting.count() == 0


# ----------------------------------------------------------------------------- menu and dialogs


def test_adapt_switch_in_the_menu_is_remembered(qtbot, data_dir):
    window = make_window(qtbot)
    activate(qtbot, window)
    mouse_draw(window.canvas, SEVEN)
    teach_key(qtbot, window, 1)
    adapted = window.chart.probabilities
    assert window.adapt_action.isChecked() and window.last_outcome.personal
    open_menu_item(qtbot, window, "Handwriting", "Adapt to my handwriting")
    settle(qtbot, window)
    assert not window.adapt_action.isChecked() and not window.last_outcome.personal
    assert window.chart.probabilities != adapted and window.predictor.personal_count == 0
    window.close()
    assert Settings(open_settings()).adapt_to_handwriting is False
    second = make_window(qtbot)
    settle(qtbot, second)
    assert not second.adapt_action.isChecked() and second.predictor.personal_count == 0
    assert second.handwriting.count() == 1  # off is not deleted


def test_my_samples_dialog_delete_undo_clear_export_import(qtbot, data_dir, tmp_path):
    window = make_window(qtbot)
    activate(qtbot, window)
    for strokes, digit in ((SEVEN, 1), (ONE, 1), (ZERO, 0)):
        type_key(Qt.Key.Key_Escape)
        mouse_draw(window.canvas, strokes)
        teach_key(qtbot, window, digit)
    assert len(stored(data_dir)) == 3
    open_menu_item(qtbot, window, "Handwriting", "My samples…")
    dialog = window._samples_dialog
    qtbot.waitUntil(lambda: dialog.isVisible() and not dialog.thumbnails_pending(), timeout=5000)
    assert dialog.grid.count() == 3 and [dialog.grid.item(i).text() for i in range(3)] == ["0", "1", "1"]
    assert "3 samples" in dialog.summary.text() and "1&nbsp;×2" in dialog.summary.text()
    icon = dialog.grid.item(0).icon().pixmap(56, 56).toImage()
    assert any(icon.pixelColor(x, y).value() < 100 for x in range(56) for y in range(56))  # ink in the thumbnail

    # Delete the 0 with a click and the Del key.
    first = dialog.grid.visualItemRect(dialog.grid.item(0)).center()
    QTest.mouseClick(dialog.grid.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, first)
    QTest.keyClick(dialog.grid, Qt.Key.Key_Delete)
    assert [s.label for s in stored(data_dir)] == [1, 1] and dialog.grid.count() == 2
    assert "1 sample" in dialog.note.text() and "2 samples" in dialog.summary.text()
    QTest.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    assert sorted(s.label for s in stored(data_dir)) == [0, 1, 1] and dialog.grid.count() == 3

    # Export, then Clear all (asked first), then Import what was exported.
    out = tmp_path / "mine.jsonl"
    titles = answer_file_dialog(qtbot, out)
    QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: out.exists(), timeout=5000)
    assert titles == ["Export samples"] and len(out.read_text().splitlines()) == 3
    QTest.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.confirm_box is not None and dialog.confirm_box.isVisible(), timeout=2000)
    box = dialog.confirm_box
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert len(stored(data_dir)) == 3  # Cancel keeps them
    QTest.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.confirm_box is not None and dialog.confirm_box.isVisible(), timeout=2000)
    QTest.mouseClick(dialog.confirm_box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert stored(data_dir) == [] and dialog.grid.count() == 0 and "No samples yet" in dialog.summary.text()
    assert window.predictor.personal_count == 0 and not window.last_outcome.personal
    titles = answer_file_dialog(qtbot, out)
    QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.grid.count() == 3, timeout=5000)
    settle(qtbot, window)
    assert titles == ["Import samples"] and "Imported 3 samples" in dialog.note.text()
    assert sorted(s.label for s in stored(data_dir)) == [0, 1, 1] and window.predictor.personal_count == 3

    # A bad file: a message naming it, nothing added.
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"format": "digitpad-drawing"\n')
    titles = answer_file_dialog(qtbot, bad)
    QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_error is not None, timeout=5000)
    assert "broken.jsonl" in dialog.last_error and len(stored(data_dir)) == 3

    # The switch in the dialog is the menu's.
    QTest.mouseClick(dialog.adapt_box, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert not dialog.adapt_box.isChecked() and not window.adapt_action.isChecked()
    assert window.predictor.personal_count == 0

    # A correction made in the window shows in the open dialog.
    QTest.mouseClick(dialog.adapt_box, Qt.MouseButton.LeftButton)
    activate(qtbot, window)
    type_key(Qt.Key.Key_Escape)
    mouse_draw(window.canvas, ONE)
    teach_key(qtbot, window, 1)
    assert dialog.grid.count() == 4 and "4 samples" in dialog.summary.text()


def test_practice_dialog_asks_for_digits_and_keeps_what_is_written(qtbot, data_dir):
    window = make_window(qtbot)
    open_menu_item(qtbot, window, "Handwriting", "Practice…")
    dialog = window._practice_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=2000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.canvas, timeout=2000)
    assert len(dialog.order) == 20 and sorted(dialog.order) == sorted(list(range(10)) * 2)
    assert sorted(dialog.order[:10]) == list(range(10))  # each round has every digit once
    first = dialog.current_digit
    assert dialog.prompt.text() == f"Write a {first}" and dialog.progress.text() == "1 of 20"

    type_key(Qt.Key.Key_Return)  # nothing written yet: nothing kept, still asking
    assert dialog.current_digit == first and stored(data_dir) == [] and "first" in dialog.hint.text()

    mouse_draw(dialog.canvas, ONE)
    mouse_draw(dialog.canvas, SEVEN)
    QTest.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)  # Undo stroke
    assert len(dialog.canvas.drawing().strokes) == 1
    type_key(Qt.Key.Key_Return)  # Enter = Next
    samples = stored(data_dir)
    assert [s.label for s in samples] == [first] and len(samples[0].strokes) == 1
    assert dialog.progress.text() == "2 of 20" and dialog.canvas.is_empty() and not dialog.canvas.can_undo()

    second = dialog.current_digit
    QTest.mouseClick(dialog.skip_button, Qt.MouseButton.LeftButton)
    assert dialog.progress.text() == "3 of 20" and len(stored(data_dir)) == 1
    third = dialog.current_digit
    mouse_draw(dialog.canvas, ZERO)
    QTest.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert [s.label for s in stored(data_dir)] == [first, third] and second is not None
    settle(qtbot, window)
    assert window.predictor.personal_count == 2  # the window adapts as samples arrive

    QTest.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window._practice_dialog is None, timeout=2000)
    assert "Practice kept 2 drawings" in window.statusBar().currentMessage()


def test_practice_to_the_end(qtbot, data_dir):
    from digitpad.gui.practice import PracticeDialog

    window = make_window(qtbot)
    dialog = PracticeDialog(window.handwriting, 18, window, order=[3, 8])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(2):
        mouse_draw(dialog.canvas, ONE)
        QTest.keyClick(dialog.canvas, Qt.Key.Key_Enter)
    assert [s.label for s in stored(data_dir)] == [3, 8]
    assert dialog.current_digit is None and "All done" in dialog.prompt.text()
    assert not dialog.next_button.isEnabled() and not dialog.canvas.isEnabled()


# ----------------------------------------------------------------------------- persistence and failures


def test_samples_survive_a_restart(qtbot, data_dir):
    window = make_window(qtbot)
    activate(qtbot, window)
    mouse_draw(window.canvas, SEVEN)
    teach_key(qtbot, window, 1)
    adapted = window.chart.probabilities
    window.close()
    second = make_window(qtbot)
    settle(qtbot, second)
    assert second.handwriting.count() == 1 and second.predictor.personal_count == 1
    assert second.restored  # the autosaved 7 comes back, read adapted from the start
    assert second.verdict.adapted_label.isVisible()
    assert second.last_outcome.personal and second.chart.probabilities == pytest.approx(adapted, abs=1e-6)


# The child: the real app (create_window, as at start-up); "teach" draws a 7 and presses 1 on the
# canvas, then prints the number of samples; the parent then kills it with SIGKILL.
DRIVER = textwrap.dedent(
    """
    import sys
    import onnxruntime
    from PySide6.QtCore import QPoint, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
    from digitpad.gui.app import create_window, ensure_application

    app = ensure_application()
    window = create_window()
    window.resize(900, 600)
    window.show()
    QTest.qWaitForWindowExposed(window)
    canvas = window.canvas

    def at(x, y):
        r = canvas.paper_rect()
        return QPoint(round(r.x() + x * r.width()), round(r.y() + y * r.height()))

    for line in sys.stdin:
        stroke = [(0.25, 0.2), (0.75, 0.2), (0.4, 0.85)]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*stroke[0]))
        for a, b in zip(stroke, stroke[1:]):
            for i in range(1, 9):
                t = i / 8
                QTest.mouseMove(canvas, at(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*stroke[-1]))
        QTest.keyClick(canvas, Qt.Key.Key_1)
        while window.adapter.busy():  # the fit runs off the UI thread
            QTest.qWait(10)
        print(window.handwriting.count(), window.last_outcome.personal, flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_samples_survive_a_kill_9(qtbot, data_dir, qt_settings):
    env = dict(os.environ, DIGITPAD_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", DRIVER, str(qt_settings)], env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        for n in (1, 2):
            child.stdin.write("teach\n")
            child.stdin.flush()
            assert child.stdout.readline().split() == [str(n), "True"]
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stdin.close()
        child.stdout.close()
    assert [s.label for s in stored(data_dir)] == [1, 1]
    window = make_window(qtbot)
    settle(qtbot, window)
    assert window.handwriting.count() == 2 and window.predictor.personal_count == 2


def test_a_damaged_samples_file_is_moved_aside_and_the_window_works_unadapted(qtbot, data_dir):
    path = data_dir / SAMPLES_FILE
    path.write_bytes(b'{"format": "digitpad-drawing", "label": 3\n\x00\xff garbage\n')
    window = make_window(qtbot)
    message = window.statusBar().currentMessage()
    assert str(path) in message and "moved aside" in message
    aside = list(data_dir.glob(SAMPLES_FILE + ".corrupt-*"))
    assert len(aside) == 1 and b"garbage" in aside[0].read_bytes()
    assert window.handwriting.count() == 0 and window.predictor.personal_count == 0
    activate(qtbot, window)
    mouse_draw(window.canvas, SEVEN)
    assert window.chart.top_digit == 7 and not window.last_outcome.personal
    teach_key(qtbot, window, 1)  # and teaching starts a fresh file
    assert [s.label for s in stored(data_dir)] == [1] and window.last_outcome.personal


def test_a_failed_write_names_the_file_and_loses_nothing(qtbot, tmp_path):
    folder = tmp_path / "samples"
    store = SampleStore(folder / SAMPLES_FILE)
    seed = drawing_io.Drawing(280, 280, [drawing_io.Stroke([(140.0, 40.0, 1.0), (140.0, 240.0, 1.0)], 18.0)])
    store.add(seed, 1)
    window = make_window(qtbot, samples=SampleStore(folder / SAMPLES_FILE))
    settle(qtbot, window)
    assert window.handwriting.count() == 1 and window.predictor.personal_count == 1
    folder.rename(tmp_path / "elsewhere")
    folder.write_text("a file where the folder was: every write fails")
    activate(qtbot, window)
    mouse_draw(window.canvas, SEVEN)
    before = window.canvas.drawing()
    teach_key(qtbot, window, 7)
    assert window.last_error is not None and str(folder / SAMPLES_FILE) in window.last_error
    assert window.handwriting.count() == 1 and window.predictor.personal_count == 1  # nothing lost in memory
    assert window.canvas.drawing() == before and not window.sample_undo_button.isVisible()
    assert "Saved as" not in window.statusBar().currentMessage()


def test_start_up_does_not_wait_for_the_fit(qtbot, data_dir):
    """The fit to many samples takes seconds on a slow machine: the window opens and answers
    meanwhile (unadapted, without the cue), then switches to the fitted models."""
    import uuid

    from digitpad.gui.window import MainWindow

    seven = drawing_io.Drawing(280, 280, [drawing_io.Stroke([(70.0, 56.0, 1.0), (210.0, 56.0, 1.0), (112.0, 238.0, 1.0)], 18.0)])
    lines = [drawing_io.dumps(drawing_io.Drawing(280, 280, seven.strokes, {"label": 1, "id": uuid.uuid4().hex})) + "\n"
             for _ in range(200)]
    (data_dir / SAMPLES_FILE).write_text("".join(lines))
    window = MainWindow(settings=Settings(open_settings()))
    qtbot.addWidget(window)
    assert window.handwriting.count() == 200
    assert window.adapter.busy() and window.predictor.personal_count == 0  # the fit is not waited for
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    mouse_draw(window.canvas, SEVEN)
    assert window.chart.probabilities is not None
    settle(qtbot, window)
    assert window.predictor.personal_count == 200 and window.last_outcome.personal
    assert window.verdict.adapted_label.isVisible()


def test_a_digit_taught_from_a_wide_page_gets_a_thumbnail_as_large_as_on_a_square_page(qtbot):
    """A number's digit is stored on its wide page: its thumbnail shows the page-high square around
    the ink, so the digit is not a speck in a strip."""
    from digitpad.gui.handwriting import thumbnail

    stroke = [(x, y, 1.0) for x, y in ((800.0, 60.0), (800.0, 220.0))]
    wide = drawing_io.Drawing(1200, 280, [drawing_io.Stroke(stroke, 18.0)])
    square = drawing_io.Drawing(280, 280, [drawing_io.Stroke([(140.0, 60.0, 1.0), (140.0, 220.0, 1.0)], 18.0)])

    def ink_rows(image):
        dark = [y for y in range(image.height()) for x in range(image.width()) if image.pixelColor(x, y).value() < 128]
        return max(dark) - min(dark) if dark else 0

    a, b = thumbnail(wide, 56), thumbnail(square, 56)
    assert a.width() == a.height() == 56
    assert abs(ink_rows(a) - ink_rows(b)) <= 2
