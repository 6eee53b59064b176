"""Every menu shortcut, pressed as a real key on the shown window, does what its menu says (issue 11, item 8)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog

from digitpad.gui.window import unique_shortcuts
from qt_input import make_window, mouse_draw

pytestmark = pytest.mark.usefixtures("qt_settings")

ONE = [[(0.5, 0.18), (0.5, 0.82)]]
BAR = [[(0.2, 0.3), (0.8, 0.3)]]


def activate(qtbot, window) -> None:
    """Shortcuts fire only in the active window."""
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def menu_actions(window) -> list[QAction]:
    """The actions reachable from the menu bar (what a person sees)."""
    found = []
    for top in window.menuBar().actions():
        menu = top.menu()
        if menu is not None:
            found += [a for a in menu.actions() if not a.isSeparator()]
    return found


def press(window, sequence: QKeySequence) -> None:
    """One real key press (with its modifiers) on the window, made active first (a closed dialog leaves none)."""
    window.windowHandle().requestActivate()
    for _ in range(200):
        if QApplication.activeWindow() is window:
            break
        QTest.qWait(10)
    combo = sequence[0]
    QTest.keyClick(window, combo.key(), combo.keyboardModifiers())


def press_expecting_dialog(qtbot, window, sequence: QKeySequence) -> dict:
    """Press a key that opens a modal file dialog; close it with its own Cancel button.

    Returns what the dialog showed (title, selected filter); the dialog is gone afterwards.
    """
    seen: list[dict] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, close_it)
            return
        seen.append({"title": dialog.windowTitle(), "filter": dialog.selectedNameFilter()})
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, close_it)
    press(window, sequence)  # returns once the dialog's own event loop has ended
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    return seen[0]


def test_unique_shortcuts_drops_a_standard_keys_duplicate(qapp):  # key bindings come from the platform
    quit_keys = unique_shortcuts([QKeySequence.StandardKey.Quit, "Ctrl+Q"])
    assert len(quit_keys) == len(set(k.toString() for k in quit_keys))
    assert QKeySequence("Ctrl+Q") in quit_keys


def test_no_two_shortcuts_collide(qtbot):
    window = make_window(qtbot)
    owner: dict[str, str] = {}
    for action in window.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.PortableText) for k in action.shortcuts()]
        assert len(keys) == len(set(keys)), f"{action.text()} has a key twice: {keys}"
        for key in keys:
            assert key not in owner, f"{key} belongs to both {owner[key]} and {action.text()}"
            owner[key] = action.text()
    assert "Ctrl+Q" in owner


def test_every_menu_shortcut_works_as_a_real_key_press(qtbot, tmp_path):
    window = make_window(qtbot)
    activate(qtbot, window)
    canvas = window.canvas
    strokes = lambda: len(canvas.drawing().strokes)  # noqa: E731
    window.settings.last_dir = str(tmp_path)

    def draw_two() -> None:
        press(window, QKeySequence("Esc"))  # start from an empty canvas
        mouse_draw(canvas, ONE)
        mouse_draw(canvas, BAR)
        assert strokes() == 2

    def undo(seq):
        draw_two()
        press(window, seq)
        assert strokes() == 1

    def redo(seq):
        draw_two()
        window.undo_action.trigger()
        assert strokes() == 1
        press(window, seq)
        assert strokes() == 2

    def clear(seq):
        draw_two()
        press(window, seq)
        assert canvas.is_empty() and window.verdict.state == "hint"

    def dialog(title_word):
        def check(seq):
            mouse_draw(canvas, ONE)
            box = press_expecting_dialog(qtbot, window, seq)
            assert title_word in box["title"]
            assert window.isVisible() and not canvas.is_empty()  # cancel loses nothing
            if title_word == "Open":
                assert box["filter"].startswith("Drawings and images")
                assert "*.png" in box["filter"] and "*.json" in box["filter"]
        return check

    def copy(seq):
        press(window, QKeySequence("Esc"))
        mouse_draw(canvas, ONE)
        QApplication.clipboard().clear()
        press(window, seq)
        assert QApplication.clipboard().text() == window.number_view.text != ""

    effects = {
        "&Copy": copy,
        "&Open…": dialog("Open"),
        "&Save": dialog("Save"),  # an untitled drawing: Save asks where
        "Save &As…": dialog("Save"),
        "&Export PNG…": dialog("Export"),
        "&Undo": undo,
        "&Redo": redo,
        "&Clear": clear,
    }
    pressed = []
    quit_action = None
    for action in menu_actions(window):
        if not action.shortcuts():
            continue
        if action is window.quit_action:
            quit_action = action
            continue
        assert action.text() in effects, f"no test for the shortcut of {action.text()!r}"
        for seq in action.shortcuts():
            effects[action.text()](seq)
            pressed.append(seq.toString())
    assert {"Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y", "Esc", "Del", "Ctrl+O", "Ctrl+S", "Ctrl+Shift+S", "Ctrl+E"} <= set(pressed)
    # Quit last: Ctrl+Q closes the window.
    assert quit_action is not None and QKeySequence("Ctrl+Q") in quit_action.shortcuts()
    press(window, QKeySequence("Ctrl+Q"))
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)


QUIT_ON_X11 = r"""
import sys
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from digitpad.gui.app import create_window, ensure_application
app = ensure_application()
from digitpad.gui.settings import Settings
window = create_window(settings=Settings(sys.argv[1]))
window.show()
QTest.qWaitForWindowExposed(window)
window.activateWindow()
for _ in range(300):
    if QApplication.activeWindow() is window:
        break
    QTest.qWait(10)
print("quit keys:", [k.toString() for k in window.quit_action.shortcuts()], flush=True)
QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
QTest.qWait(200)
print("visible after Ctrl+Q:", window.isVisible(), flush=True)
"""


@pytest.fixture
def x_display():
    """A private Xvfb server: Qt's X11 (xcb) platform binds StandardKey.Quit to Ctrl+Q, offscreen does not."""
    import os
    import shutil
    import subprocess

    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def test_ctrl_q_quits_on_x11(x_display, tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=x_display, QT_QPA_PLATFORM="xcb", DIGITPAD_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.run([sys.executable, "-c", QUIT_ON_X11, str(tmp_path / "s.ini")], capture_output=True,
                         text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Ambiguous shortcut" not in run.stderr
    assert "visible after Ctrl+Q: False" in run.stdout, run.stdout + run.stderr[-1000:]
