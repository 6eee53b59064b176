"""Two windows on one data folder: each keeps its own autosave, under a lock.

Real processes: each child runs the real app (create_window, as at start-up) offscreen on a
shared $DIGITPAD_DATA_DIR, draws with real QTest mouse events and presses real keys when the
test tells it to on stdin.  One is killed with SIGKILL; the next start must bring back *its*
drawing, never the one of the window still running, and nothing of a live window is deleted."""

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

from digitpad import drawing as drawing_io  # noqa: E402
from digitpad.gui.app import create_window  # noqa: E402
from digitpad.gui.settings import Settings, open_settings  # noqa: E402

pytestmark = [pytest.mark.usefixtures("qt_settings"), pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")]

ROOT = Path(__file__).resolve().parent.parent

# The child: the real window; on stdin "one" or "seven" draws that digit, "clear" presses Esc,
# "show" does nothing;
# after each command it prints the canvas as a drawing (one JSON line).
DRIVER = textwrap.dedent(
    """
    import os, select, sys
    import onnxruntime
    from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
    from digitpad import drawing
    from digitpad.gui.app import create_window, ensure_application

    app = ensure_application()
    window = create_window()
    window.resize(900, 600)
    window.show()
    canvas = window.canvas
    DIGITS = {"one": [[(0.5, 0.2), (0.5, 0.8)]], "seven": [[(0.25, 0.2), (0.75, 0.2), (0.4, 0.85)]]}

    def at(x, y):
        r = canvas.paper_rect()
        return QPoint(round(r.x() + x * r.width()), round(r.y() + y * r.height()))

    def draw(strokes):
        for stroke in strokes:
            QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*stroke[0]))
            for a, b in zip(stroke, stroke[1:]):
                for i in range(1, 9):
                    t = i / 8
                    QTest.mouseMove(canvas, at(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
            QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*stroke[-1]))

    def poll():
        if not select.select([sys.stdin], [], [], 0)[0]:
            return
        command = sys.stdin.readline().strip()
        if not command:
            app.quit()
            return
        if command == "clear":
            window.windowHandle().requestActivate()
            QTest.keyClick(window, Qt.Key.Key_Escape)
        elif command != "show":
            draw(DIGITS[command])
        print(drawing.dumps(canvas.drawing()), flush=True)

    print("ready " + str(window.restored), flush=True)
    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(10)
    app.exec()
    """
)


class Instance:
    """A running app in a child process."""

    def __init__(self, data_dir: Path, settings_dir: Path) -> None:
        env = dict(os.environ, DIGITPAD_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(settings_dir)], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        line = self.process.stdout.readline()
        assert line.startswith("ready"), line
        self.restored = line.split()[1] == "True"

    def do(self, command: str) -> drawing_io.Drawing:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return drawing_io.loads(self.process.stdout.readline())

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()


def autosaves(data_dir: Path) -> dict[str, list]:
    """Every autosave file in the folder -> its strokes."""
    return {p.name: drawing_io.load(p).strokes for p in sorted(data_dir.glob("autosave*.json"))}


def test_two_instances_keep_their_own_autosaves_and_a_restart_restores_the_killed_ones(qtbot, data_dir, qt_settings):
    a = Instance(data_dir, qt_settings)
    b = Instance(data_dir, qt_settings)
    try:
        one = a.do("one").strokes
        seven = b.do("seven").strokes
        assert sorted(map(len, autosaves(data_dir).values())) == [1, 1]
        assert sorted(str(s) for s in autosaves(data_dir).values()) == sorted([str(one), str(seven)])

        assert b.do("clear").is_empty()  # B's Clear deletes B's autosave only
        assert list(autosaves(data_dir).values()) == [one]
        seven = b.do("seven").strokes  # B is the newest autosave now
        assert len(autosaves(data_dir)) == 2

        a.kill()
        window = create_window(settings=Settings(open_settings()))  # the next start
        qtbot.addWidget(window)
        window.show()
        assert window.restored and window.canvas.drawing().strokes == one  # A's, not the live B's
        assert window.autosave.flush()
        assert sorted(str(s) for s in autosaves(data_dir).values()) == sorted([str(one), str(seven)])
        c = Instance(data_dir, qt_settings)  # A's autosave is taken: a third start has nothing to restore
        try:
            assert not c.restored
        finally:
            c.close()
        window.canvas.clear()  # the restart's Clear removes what it adopted, never B's
        assert window.autosave.flush()
        assert list(autosaves(data_dir).values()) == [seven]

        b.kill()
        d = Instance(data_dir, qt_settings)  # B's drawing is offered back once B is gone
        try:
            assert d.restored and d.do("show").strokes == seven
            assert d.do("clear").is_empty()
            assert not autosaves(data_dir)
        finally:
            d.close()
    finally:
        a.close()
        b.close()
