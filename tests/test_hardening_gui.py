"""The window under bad conditions: killed mid-stroke, full or read-only disks, a damaged
settings file, a bug in a slot, no network.  Real mouse events, the real model,
offscreen, temporary settings and data folder (tests/conftest.py)."""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QTimer  # noqa: E402

from digitpad import drawing as drawing_io  # noqa: E402
from digitpad import logs  # noqa: E402
from digitpad.gui import autosave as autosave_module  # noqa: E402
from digitpad.gui import errors  # noqa: E402
from digitpad.gui.app import create_window  # noqa: E402
from digitpad.gui.autosave import AUTOSAVE_NAME, Autosave  # noqa: E402
from digitpad.gui.settings import Settings, open_settings  # noqa: E402
from qt_input import make_window, mouse_stroke  # noqa: E402

pytestmark = pytest.mark.usefixtures("qt_settings")

ROOT = Path(__file__).resolve().parent.parent
ONE = [(0.5, 0.18), (0.5, 0.82)]
BAR = [(0.3, 0.5), (0.7, 0.5)]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def status(window) -> str:
    return window.statusBar().currentMessage()


def autosaves(folder: Path) -> list[Path]:
    """The autosave files in a data folder (each window keeps its own: autosave-<unique>.json)."""
    return sorted(folder.glob("autosave*.json"))


# ----------------------------------------------------------------------------- nothing lost

# Runs in a child process: the real app's create_window, real mouse events for two finished
# strokes, then a third stroke left in progress, and the event loop - until the test kills it.
DRIVER = textwrap.dedent(
    """
    import json, os, sys
    import onnxruntime
    from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.environ["DIGITPAD_DATA_DIR"])
    from digitpad import drawing
    from digitpad.gui.app import create_window, ensure_application

    app = ensure_application()
    window = create_window()
    window.resize(900, 600)
    window.show()
    canvas = window.canvas

    def at(x, y):
        r = canvas.paper_rect()
        return QPoint(round(r.x() + x * r.width()), round(r.y() + y * r.height()))

    def draw():
        for stroke in ([(0.5, 0.2), (0.5, 0.8)], [(0.3, 0.5), (0.7, 0.5)]):
            QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*stroke[0]))
            for i in range(1, 9):
                t = i / 8
                QTest.mouseMove(canvas, at(stroke[0][0] + (stroke[1][0] - stroke[0][0]) * t,
                                           stroke[0][1] + (stroke[1][1] - stroke[0][1]) * t))
            QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*stroke[1]))
        print(drawing.dumps(canvas.drawing()), flush=True)
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(0.2, 0.2))
        QTest.mouseMove(canvas, at(0.4, 0.3))  # a stroke in progress when the kill comes
        print("drawing", flush=True)

    QTimer.singleShot(0, draw)
    app.exec()
    """
)


def test_kill_9_while_drawing_restores_every_finished_stroke(qtbot, data_dir):
    env = dict(os.environ, DIGITPAD_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", DRIVER], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        finished = drawing_io.loads(child.stdout.readline())
        assert child.stdout.readline().strip() == "drawing"
        # No waiting for a writer thread: each pen-up put its stroke in the file before the
        # child went on (the fsync may still be pending; a kill doesn't need it).
        [saved] = autosaves(data_dir)
        assert drawing_io.load(saved).strokes == finished.strokes
        child.send_signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stderr.close()
    assert len(finished.strokes) == 2

    window = create_window(settings=Settings(open_settings()))  # the next start, as the app does it
    qtbot.addWidget(window)
    window.show()
    assert window.autosave.flush()  # (the restored drawing is autosaved again)
    # Whatever the kill left (an old autosave the writer thread hadn't deleted yet) is gone.
    assert not list(data_dir.glob(".autosave*.tmp"))
    assert window.restored
    assert window.canvas.drawing().strokes == finished.strokes
    assert "Restored your drawing" in status(window) and "Undo" in status(window)
    assert window.chart.top_digit is not None  # and it is recognised right away
    window.canvas.undo()  # Undo takes the restored drawing away ...
    assert window.canvas.is_empty()
    assert window.autosave.flush()
    assert not autosaves(data_dir)  # ... and it is not offered again


def test_temporary_files_of_a_killed_write_are_removed_at_the_next_start(qtbot, data_dir):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = data_dir / f".{AUTOSAVE_NAME}.{dead.pid}.k1ll3d.tmp"  # the killed process's half-written file
    left.write_text('{"format": "digitpad-dra')
    mine = data_dir / f".{AUTOSAVE_NAME}.{os.getpid()}.inflight.tmp"  # a write in progress: kept
    mine.write_text("{")
    old = data_dir / f".{AUTOSAVE_NAME}.a1b2c3d4.tmp"  # no pid in the name (older writer): by age
    old.write_text("{")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    fresh = data_dir / f".{AUTOSAVE_NAME}.x9y8z7.tmp"
    fresh.write_text("{")
    drawing_io.save(drawing_io.Drawing(280, 280, [drawing_io.Stroke([(140.0, 50.0, 1.0), (140.0, 230.0, 1.0)], 18.0)]),
                    data_dir / AUTOSAVE_NAME)
    window = make_window(qtbot)
    assert window.restored and len(window.canvas.drawing().strokes) == 1
    assert window.autosave.flush()  # (the restored drawing is saved again: its own temp file comes and goes)
    left_over = sorted(p.name for p in data_dir.glob("*.tmp"))
    assert left_over == sorted([mine.name, fresh.name] if sys.platform != "win32" else [left.name, mine.name, fresh.name])


def test_autosave_follows_strokes_undo_redo_and_clear(qtbot, data_dir):
    window = make_window(qtbot)
    path = window.autosave.path
    saved = lambda: len(drawing_io.load(path).strokes) if path.exists() else 0  # noqa: E731
    mouse_stroke(window.canvas, ONE)
    mouse_stroke(window.canvas, BAR)
    assert window.autosave.flush() and saved() == 2
    window.canvas.undo()
    assert window.autosave.flush() and saved() == 1
    window.canvas.redo()
    assert window.autosave.flush() and saved() == 2
    window.canvas.clear()  # a cleared canvas is not offered back
    assert window.autosave.flush() and not path.exists()
    window.canvas.undo()
    assert window.autosave.flush() and saved() == 2
    window.close()
    again = make_window(qtbot)
    assert again.restored and len(again.canvas.drawing().strokes) == 2
    assert again.isWindowModified()  # restored work is not saved to a file yet


@pytest.fixture
def stuck_fsync(monkeypatch):
    """A very slow disk: every os.fsync blocks until the test sets the returned event."""
    release = threading.Event()
    threads = []
    real_fsync = os.fsync

    def fsync(fd):
        threads.append(threading.current_thread().name)
        assert release.wait(20), "fsync never released"
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    yield release, threads
    release.set()


def test_a_finished_stroke_is_in_the_autosave_at_pen_up_before_any_fsync(qtbot, data_dir, stuck_fsync):
    """kill -9 keeps the kernel's page cache, so a stroke is safe from it as soon as its rename
    is done; only a power cut needs the fsync.  The rename happens on the UI thread, in the
    pen-up itself, and the writer thread only fsyncs.  With the whole write on the thread, a
    kill 1-2 ms after a pen-up lost that stroke (benchmarks/soak.py --kill): here, with fsync
    stuck, the file would never change."""
    release, fsync_threads = stuck_fsync
    window = make_window(qtbot)
    path = window.autosave.path
    saved = lambda: drawing_io.load(path).strokes if path.exists() else []  # noqa: E731
    mouse_stroke(window.canvas, ONE)
    assert len(saved()) == 1  # no flush: in place at pen-up
    mouse_stroke(window.canvas, BAR)  # (the writer thread is still stuck in the first fsync)
    assert saved() == window.canvas.drawing().strokes and len(saved()) == 2
    window.canvas.undo()
    assert len(saved()) == 1
    window.canvas.clear()
    assert not path.exists()
    window.canvas.undo()
    assert saved() == window.canvas.drawing().strokes and len(saved()) == 1
    assert not window.autosave.flush(timeout=0.05)  # flush still means "fsynced"
    release.set()
    assert window.autosave.flush()
    assert fsync_threads and set(fsync_threads) == {"digitpad-autosave"}  # never on the UI thread
    assert saved() == window.canvas.drawing().strokes
    assert not list(data_dir.glob("*.tmp"))
    assert "Autosave failed" not in status(window)


def test_a_huge_drawing_goes_to_the_writer_thread_and_is_never_written_over_a_newer_one(data_dir, monkeypatch, stuck_fsync):
    """Converting and writing a drawing of 1,000,000 points would stall the UI thread for seconds,
    so drawings over SYNC_MAX_BYTES are written whole by the writer thread.  Requests made while
    that write is under way go to the thread too: a smaller drawing renamed into place by the UI
    thread would otherwise be replaced by the older, huge one when its write finished."""
    release, _ = stuck_fsync
    million = drawing_io.Drawing(560, 560, [drawing_io.Stroke([(1.0, 2.0, 1.0)] * 1_000_000, 18.0)])
    assert autosave_module._estimated_bytes(million) > autosave_module.SYNC_MAX_BYTES
    monkeypatch.setattr(autosave_module, "SYNC_MAX_BYTES", 10_000)  # the same path with a quick drawing
    big = drawing_io.Drawing(280, 280, [drawing_io.Stroke([(float(i % 250), 50.0, 1.0) for i in range(1000)], 18.0)])
    small = drawing_io.Drawing(280, 280, [drawing_io.Stroke([(140.0, 50.0, 1.0), (140.0, 230.0, 1.0)], 18.0)])
    other = drawing_io.Drawing(280, 280, [drawing_io.Stroke([(40.0, 140.0, 1.0), (240.0, 140.0, 1.0)], 18.0)])
    autosave = Autosave(data_dir)
    path = autosave.path
    autosave.submit(big)
    assert not path.exists()  # the writer thread has it, stuck in the fsync before its rename
    autosave.submit(small)  # newer: must end up on disk, not be overwritten by big
    autosave.submit(None)
    autosave.submit(small)
    assert not path.exists()
    release.set()
    assert autosave.flush()
    assert drawing_io.load(path).strokes == small.strokes
    autosave.submit(other)  # the thread has caught up: small drawings are in place at once again
    assert drawing_io.load(path).strokes == other.strokes
    assert autosave.flush() and not list(data_dir.glob("*.tmp"))


def test_autosave_converts_only_new_strokes(data_dir, monkeypatch):
    """Re-serializing the whole drawing at every pen-up holds the GIL ~10 ms on a 250-stroke
    drawing and stalls the UI thread (soak: p99 54 ms); each finished stroke is converted once."""
    converted = []
    real = drawing_io.Stroke.to_dict
    monkeypatch.setattr(drawing_io.Stroke, "to_dict", lambda self: converted.append(1) or real(self))
    autosave = Autosave(data_dir)
    strokes = []
    for i in range(60):
        strokes.append(drawing_io.Stroke([(float(i), float(j), 1.0) for j in range(20)], 18.0))
        autosave.submit(drawing_io.Drawing(280, 280, [drawing_io.Stroke(list(s.points), s.width) for s in strokes]))
        assert autosave.flush()
    assert drawing_io.load(autosave.path).strokes == strokes
    assert len(converted) == 60


def test_opening_a_drawing_is_autosaved(qtbot, data_dir, tmp_path):
    path = tmp_path / "one.json"
    drawing_io.save(drawing_io.Drawing(280, 280, [drawing_io.Stroke([(140.0, 50.0, 1.0), (140.0, 230.0, 1.0)], 18.0)]), path)
    window = make_window(qtbot)
    assert window.open_path(path)
    assert window.autosave.flush()
    assert drawing_io.load(window.autosave.path).strokes == drawing_io.load(path).strokes


def test_corrupt_autosave_is_set_aside_not_offered(qtbot, data_dir):
    (data_dir / AUTOSAVE_NAME).write_bytes(b"\x00\xffnot json at all")
    window = make_window(qtbot)
    assert not window.restored and window.canvas.is_empty()
    assert (data_dir / (AUTOSAVE_NAME + ".corrupt")).read_bytes() == b"\x00\xffnot json at all"


def test_autosave_failure_is_reported_once_and_drawing_goes_on(qtbot, tmp_path, caplog):
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("x")
    window = make_window(qtbot, autosave=Autosave(blocker / "data"))
    with caplog.at_level(logging.WARNING, logger="digitpad"):
        mouse_stroke(window.canvas, ONE)
        assert window.autosave.flush()
        qtbot.waitUntil(lambda: "Autosave failed" in status(window), timeout=2000)
    assert "File › Save" in status(window)
    assert any("autosave" in r.getMessage() for r in caplog.records)
    assert window.chart.top_digit == 1


# ----------------------------------------------------------------------------- save / export errors


def _existing(tmp_path) -> tuple[Path, Path, bytes, bytes]:
    drawing_path, png_path = tmp_path / "digit.json", tmp_path / "digit.png"
    drawing_path.write_text('{"old": "drawing"}')
    png_path.write_bytes(b"old png")
    return drawing_path, png_path, drawing_path.read_bytes(), png_path.read_bytes()


def _assert_failed_cleanly(window, tmp_path, drawing_path, png_path, old_drawing, old_png, before) -> None:
    assert not window.save_to(drawing_path)
    assert "could not be saved" in window.last_error and str(drawing_path) in window.last_error
    window._message_box.close()
    assert not window.export_png(png_path)
    assert "could not be written" in window.last_error
    window._message_box.close()
    assert drawing_path.read_bytes() == old_drawing and png_path.read_bytes() == old_png
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    assert window.canvas.drawing() == before and window.isWindowModified()


def _window_with_a_stroke(qtbot):
    """A window holding one finished stroke, its autosave written: later faults hit only Save/Export."""
    window = make_window(qtbot)
    mouse_stroke(window.canvas, ONE)
    assert window.autosave.flush()
    return window, window.canvas.drawing()


@pytest.mark.skipif(IS_ROOT or sys.platform == "win32", reason="root ignores folder permissions; see the simulated test")
def test_save_and_export_to_read_only_folder_keep_old_files(qtbot, tmp_path):
    drawing_path, png_path, old_drawing, old_png = _existing(tmp_path)
    window, before = _window_with_a_stroke(qtbot)
    tmp_path.chmod(0o555)
    try:
        _assert_failed_cleanly(window, tmp_path, drawing_path, png_path, old_drawing, old_png, before)
    finally:
        tmp_path.chmod(0o755)


def test_save_and_export_refused_by_the_os_keep_old_files(qtbot, tmp_path, monkeypatch):
    """Read-only folder as the OS reports it (works as root too): creating the temporary file fails."""
    drawing_path, png_path, old_drawing, old_png = _existing(tmp_path)
    window, before = _window_with_a_stroke(qtbot)
    real_mkstemp = tempfile.mkstemp

    def refuse(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == tmp_path:
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    _assert_failed_cleanly(window, tmp_path, drawing_path, png_path, old_drawing, old_png, before)
    assert "Permission denied" in window.last_error


def test_save_and_export_on_a_full_disk_keep_old_files(qtbot, tmp_path, monkeypatch):
    """ENOSPC surfaces at write or fsync time, after the temporary file exists: it must be removed."""
    drawing_path, png_path, old_drawing, old_png = _existing(tmp_path)
    window, before = _window_with_a_stroke(qtbot)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    _assert_failed_cleanly(window, tmp_path, drawing_path, png_path, old_drawing, old_png, before)
    assert "No space left" in window.last_error
    monkeypatch.undo()
    assert window.save_to(drawing_path) and window.export_png(png_path)  # and works once there is room


# ----------------------------------------------------------------------------- damaged settings


def _write_settings(folder: Path, content: bytes) -> Path:
    path = folder / "digitpad" / "digitpad.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    "content, expect",
    [
        (b"\x00\xff\xfe[canvas\nstroke_width=\x01\x02\n[[[\n\xc3\x28 = =\n" + bytes(range(256)), "damaged"),
        (b"[canvas]\nstroke_width=abc\n", "pen width 'abc'"),
        (b"[canvas]\nstroke_width=1e9\n", "pen width '1e9'"),
        (b"[canvas]\nstroke_width=nan\n", "pen width 'nan'"),
        (b"[canvas]\nstroke_width=-inf\n", "pen width '-inf'"),
        (b"[window]\ngeometry=hello\n", "geometry"),
        (b"[window]\ngeometry=@ByteArray(\\x1\\xd9\\xd0\\xcb garbage)\n", "geometry"),
    ],
)
def test_damaged_settings_fall_back_to_defaults_with_a_warning(qtbot, qt_settings, caplog, content, expect):
    path = _write_settings(qt_settings, content)
    with caplog.at_level(logging.WARNING, logger="digitpad"):
        window = make_window(qtbot)
    assert window.width_slider.value() == 18 and window.canvas.stroke_width == 18
    assert "Settings:" in status(window) and expect in status(window)
    assert any(expect in r.getMessage() for r in caplog.records)
    mouse_stroke(window.canvas, ONE)
    assert window.chart.top_digit == 1
    window.close()  # writes good values back: the next start is quiet
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="digitpad"):
        again = make_window(qtbot)
    assert not again.settings.problems and "Settings:" not in status(again)
    if expect == "damaged":
        assert Path(str(path) + ".corrupt").read_bytes() == content


# ----------------------------------------------------------------------------- errors people can act on


def test_rotating_log_in_the_data_folder(data_dir):
    path = logs.setup_logging()
    try:
        assert path == data_dir / logs.LOG_NAME and logs.log_path() == path
        handler = logs._handler
        assert handler.maxBytes == 1_000_000 and handler.backupCount == 3
        logging.getLogger("digitpad.gui").warning("hello from the test")
        handler.flush()
        assert "WARNING digitpad.gui: hello from the test" in path.read_text(encoding="utf-8")
    finally:
        logs.stop_logging()


def test_log_folder_that_cannot_be_written_falls_back_to_stderr(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    try:
        assert logs.setup_logging(blocker / "logs") is None
        assert "cannot write the log" in capsys.readouterr().err
    finally:
        logs.stop_logging()


@pytest.mark.qt_no_exception_capture  # this test installs the app's own hook instead of pytest-qt's
def test_exception_in_a_slot_shows_dialog_logs_and_keeps_running(qtbot, data_dir, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    log_file = logs.setup_logging()
    try:
        window = make_window(qtbot)
        reporter = errors.install(window)

        def broken_slot():
            raise RuntimeError("the chart exploded")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible(), timeout=3000)
        text = reporter.box.text()
        assert "RuntimeError: the chart exploded" in text and str(log_file) in text
        assert "broken_slot" in reporter.box.detailedText()
        QTimer.singleShot(0, broken_slot)  # a second error updates the same box, no pile of dialogs
        qtbot.waitUntil(lambda: reporter.count == 2, timeout=3000)
        assert "2 errors" in reporter.box.text()
        logs._handler.flush()
        logged = log_file.read_text(encoding="utf-8")
        assert "ERROR digitpad.gui: uncaught exception" in logged and "RuntimeError: the chart exploded" in logged
        assert 'in broken_slot' in logged
        reporter.box.close()
        mouse_stroke(window.canvas, ONE)  # the window keeps working
        assert window.chart.top_digit == 1
    finally:
        logs.stop_logging()


def test_smoke_run_leaves_the_event_loop_usable(qtbot, qt_settings):
    """main(--quit-after) reuses the QApplication; no Quit event may outlive its exec(), or every
    later event loop (pytest-qt's waits, dialogs) returns at once and queued signals never arrive."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    from digitpad.gui.app import main

    assert main(["--quit-after", "30"]) == 0
    QCoreApplication.processEvents()  # what pytest-qt does between tests: runs whatever main() left posted
    fired = []
    QTimer.singleShot(0, lambda: fired.append(True))
    loop = QEventLoop()
    QTimer.singleShot(200, loop.quit)
    assert loop.exec() == 0 and fired


# ----------------------------------------------------------------------------- offline


class NetworkUsed(AssertionError):
    pass


def test_window_draws_and_names_a_digit_with_sockets_blocked(qtbot, monkeypatch):
    def refuse(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args!r}")

    class RefusingSocket(socket.socket):
        def __init__(self, *args, **kwargs):
            refuse(*args)

    for name in ("create_connection", "getaddrinfo", "gethostbyname", "socketpair"):
        monkeypatch.setattr(socket, name, refuse)
    monkeypatch.setattr(socket, "socket", RefusingSocket)
    with pytest.raises(NetworkUsed):
        socket.socket()
    window = make_window(qtbot)
    assert window.predictor.recognizer is not None
    mouse_stroke(window.canvas, ONE)
    assert window.chart.top_digit == 1 and window.verdict.state != "error"
    assert window.autosave.flush()  # autosave is local too
    window.close()
