"""Drawings are saved as `.digitpad` (the type the .deb registers with the desktop); plain
`.json` drawings keep opening everywhere (issue 15, item 2)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from digitpad import drawing as dr
from qt_input import drop_file, make_window, mouse_draw
from test_cli import one_drawing, run
from test_shortcuts import press

pytestmark = pytest.mark.usefixtures("qt_settings")

ONE = [[(0.5, 0.18), (0.5, 0.82)]]


def save_as_with_dialog(qtbot, window, folder, name: str) -> dict:
    """Press Save As, note what the shown dialog offers, type `name` (no suffix) in `folder`, press Enter."""
    seen: list[dict] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append({"file": dialog.selectedFiles()[0], "filter": dialog.selectedNameFilter()})
        dialog.setDirectory(str(folder))
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        edit.selectAll()
        QTest.keyClicks(edit, name)
        QTest.keyClick(edit, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    press(window, QKeySequence("Ctrl+Shift+S"))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    return seen[0]


def test_save_offers_digitpad_extension_and_the_file_reopens(qtbot, tmp_path):
    window = make_window(qtbot)
    mouse_draw(window.canvas, ONE)
    offered = save_as_with_dialog(qtbot, window, tmp_path, "mine")
    assert offered["file"].endswith("digit.digitpad")
    assert "*.digitpad" in offered["filter"]
    saved = tmp_path / "mine.digitpad"
    qtbot.waitUntil(saved.exists, timeout=5000)
    assert len(dr.load(saved).strokes) == 1  # the same JSON drawing format inside

    other = make_window(qtbot)
    drop_file(other, saved)
    qtbot.waitUntil(lambda: other.chart.top_digit == 1, timeout=5000)
    assert other.current_path == saved


def test_old_json_drawings_still_open(qtbot, tmp_path):
    old = tmp_path / "old.json"
    dr.save(one_drawing(), old)
    window = make_window(qtbot)
    drop_file(window, old)
    qtbot.waitUntil(lambda: window.chart.top_digit == 1, timeout=5000)
    assert window.current_path == old


def test_cli_predicts_a_digitpad_file(tmp_path):
    path = tmp_path / "one.digitpad"
    dr.save(one_drawing(), path)
    r = run("predict", str(path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{path}: 1 ")
