"""The settings file: damaged values must never kill the app (issue 11, item 5).

A value Qt's QSettings would deserialise as ``@Variant(...)`` used to abort the
process inside Qt at every start; these tests run the real start in a subprocess,
so an abort is seen as an exit status instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import fuzz_settings  # noqa: E402

from digitpad.gui.settings import (  # noqa: E402
    Settings,
    escape_value,
    unescape_value,
)

#: The two reproducers of issue 11: std::bad_alloc and a qfloat16 error inside QSettings.value().
REPRODUCERS = [
    b"[canvas]\nstroke_width=@Variant(\\x0\\x0\\x0\\x9\\x7f\\xff\\xff\\xff)\n",
    b"[window]\ngeometry=@Variant(\\x0\\x0\\x0\\x3f\\x0\\x0\\x0)\n",
]

START_APP = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QSettings
    from digitpad.gui.app import create_window, ensure_application
    app = ensure_application()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
    from digitpad.gui.settings import Settings, open_settings
    window = create_window(settings=Settings(open_settings()))
    window.show()
    app.processEvents()
    print("STATUS:", window.statusBar().currentMessage(), flush=True)
    print("WIDTH:", window.width_slider.value(), flush=True)
    window.close()
    """
)


def _start_app(folder: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DIGITPAD_DATA_DIR": str(folder / "data")}
    return subprocess.run([sys.executable, "-c", START_APP, str(folder)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=ROOT)


@pytest.mark.parametrize("content", REPRODUCERS, ids=["stroke_width-bad_alloc", "geometry-qfloat16"])
def test_issue_reproducers_start_with_defaults_and_say_so(tmp_path, content):
    ini = tmp_path / "digitpad" / "digitpad.ini"
    ini.parent.mkdir()
    ini.write_bytes(content)
    first = _start_app(tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "WIDTH: 18" in first.stdout
    assert "Settings:" in first.stdout and ("pen width" in first.stdout or "geometry" in first.stdout)
    assert b"@Variant" not in ini.read_bytes()  # the bad value was replaced at quit
    second = _start_app(tmp_path)
    assert second.returncode == 0 and "Settings:" not in second.stdout, second.stdout


@pytest.mark.parametrize("content", REPRODUCERS)
def test_reader_never_hands_qt_a_variant(tmp_path, content):
    path = tmp_path / "digitpad.ini"
    path.write_bytes(content)
    settings = Settings(path)
    assert settings.stroke_width == 18 and settings.geometry is None and settings.last_dir == ""
    assert len(settings.problems) == 1


def test_fuzz_settings_reader_small():
    """The quick version of benchmarks/fuzz_settings.py (10,000 values there): no abort, no broken contract."""
    result = fuzz_settings.run(600, seed=11, batch=300)
    assert result["values"] == 600
    assert result["aborts"] == [] and result["failures"] == []


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"\xff\xfe[canvas]\nstroke_width=18\n", "not UTF-8"),
        (b"[canvas]\nstroke_width=18\x00\n", "binary"),
        (b"just some words\n", "neither"),
        (b"[canvas]\n" + b"x=1\n" * 20000, "bytes"),
    ],
)
def test_unusable_file_is_moved_aside_and_defaults_used(tmp_path, content, reason):
    path = tmp_path / "digitpad.ini"
    path.write_bytes(content)
    settings = Settings(path)
    assert settings.stroke_width == 18
    assert len(settings.problems) == 1 and reason in settings.problems[0] and "moved to" in settings.problems[0]
    assert Path(str(path) + ".corrupt").read_bytes() == content and not path.exists()
    assert settings.sync() and not Settings(path).problems


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_place_of_the_file_does_not_hang(tmp_path):
    path = tmp_path / "digitpad.ini"
    os.mkfifo(path)
    settings = Settings(path)  # would block forever in open() if it were read
    assert "not a regular file" in settings.problems[0]
    assert settings.sync() and path.is_file()


@pytest.mark.parametrize(
    "text",
    ["/home/me", "C:\\Users\\me\\digits", "/a;b,c", ' "quoted" ', "/tab\there\nnewline", "/é/数字/🙂", "\x01f0", ""],
)
def test_text_values_round_trip_through_the_file(tmp_path, text):
    assert unescape_value(escape_value(text)) == text
    path = tmp_path / "digitpad.ini"
    settings = Settings(path)
    settings.last_dir = text
    settings.stroke_width = 33
    settings.geometry = bytes(range(256))
    assert settings.sync()
    again = Settings(path)
    assert again.last_dir == text and again.stroke_width == 33 and bytes(again.geometry) == bytes(range(256))
    assert not again.problems


def test_a_file_written_by_qsettings_is_still_read(tmp_path):
    """Settings from the previous version (Qt's own INI writer, @ByteArray geometry) keep working."""
    script = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QByteArray, QSettings
        s = QSettings(sys.argv[1], QSettings.Format.IniFormat)
        s.setValue("canvas/stroke_width", 30)
        s.setValue("window/geometry", QByteArray(bytes(range(256))))
        s.setValue("files/last_dir", "/home/jos\\u00e9/a;b")
        s.sync()
        """
    )
    path = tmp_path / "digitpad.ini"
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=60)
    settings = Settings(path)
    assert settings.stroke_width == 30
    assert bytes(settings.geometry) == bytes(range(256))
    assert settings.last_dir == "/home/jos\u00e9/a;b"
    assert not settings.problems


@pytest.mark.parametrize(
    "line, expect",
    [("stroke_width=1e999", "pen width"), ("stroke_width=" + "9" * 5000, "pen width"),
     ("geometry=base64:!!!", "geometry"), ("geometry=@Rect(1 2 3 4)", "geometry"), ("last_dir=\\", "last folder")],
)
def test_bad_values_fall_back_one_by_one(tmp_path, line, expect):
    section = "canvas" if "stroke" in line else "window" if "geometry" in line else "files"
    path = tmp_path / "digitpad.ini"
    path.write_text(f"[canvas]\nstroke_width=40\n[{section}]\n{line}\n" if section != "canvas" else f"[canvas]\n{line}\n")
    settings = Settings(path)
    _ = settings.stroke_width, settings.geometry, settings.last_dir
    assert len(settings.problems) == 1 and expect in settings.problems[0]
    if section != "canvas":
        assert settings.stroke_width == 40  # the good value next to it is kept
    assert settings.sync() and not Settings(path).problems


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_at_the_real_settings_location_does_not_hang_the_start(tmp_path):
    """Settings() as the window makes it (the location from Qt): a QSettings on the file itself
    would open and block on the FIFO before any check could run."""
    folder = tmp_path / "config"
    (folder / "digitpad").mkdir(parents=True)
    os.mkfifo(folder / "digitpad" / "digitpad.ini")
    code = textwrap.dedent(f"""
        from PySide6.QtCore import QSettings
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, {str(folder)!r})
        from digitpad.gui.settings import Settings
        print(Settings().problems)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "not a regular file" in proc.stdout
    assert (folder / "digitpad" / "digitpad.ini.corrupt").exists()


def test_spaces_around_a_hand_edited_value_are_dropped_as_qt_does(tmp_path):
    path = tmp_path / "digitpad.ini"
    path.write_text('[files]\nlast_dir = "/a b"\n[canvas]\nstroke_width = 20 \n', encoding="utf-8")
    settings = Settings(path)
    assert settings.last_dir == "/a b" and settings.stroke_width == 20 and not settings.problems
