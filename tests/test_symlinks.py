"""digitpad never writes through a symbolic link out of its own folders (issue 11, item 7)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from digitpad import logs, safe_paths
from digitpad.gui.settings import Settings

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX symlinks")

PRECIOUS = b"# someone's precious file\nexport PATH=/usr/bin\n"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file outside digitpad's folders that a planted link points to."""
    path = tmp_path / "elsewhere" / "bashrc"
    path.parent.mkdir()
    path.write_bytes(PRECIOUS)
    return path


def test_corrupt_copy_is_not_written_through_a_link(tmp_path, outside):
    folder = tmp_path / "config"
    folder.mkdir()
    ini = folder / "digitpad.ini"
    ini.write_bytes(b"\x00\xff junk")
    (folder / "digitpad.ini.corrupt").symlink_to(outside)
    settings = Settings(ini)
    assert settings.stroke_width == 18 and "damaged" in settings.problems[0]
    assert outside.read_bytes() == PRECIOUS
    aside = folder / "digitpad.ini.corrupt"
    assert not aside.is_symlink() and aside.read_bytes() == b"\x00\xff junk"  # the link itself was replaced
    assert settings.sync() and outside.read_bytes() == PRECIOUS


def test_settings_file_that_is_a_link_is_replaced_not_written_through(tmp_path, outside):
    folder = tmp_path / "config"
    folder.mkdir()
    ini = folder / "digitpad.ini"
    ini.symlink_to(outside)
    settings = Settings(ini)
    settings.stroke_width = 30
    assert settings.sync()
    assert outside.read_bytes() == PRECIOUS
    assert not ini.is_symlink() and Settings(ini).stroke_width == 30


def test_log_is_not_written_through_a_link(tmp_path, outside, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / logs.LOG_NAME).symlink_to(outside)
    try:
        assert logs.setup_logging(folder) is None
        err = capsys.readouterr().err
        assert "symbolic link" in err and logs.LOG_NAME in err and "logging to stderr" in err
        logging.getLogger("digitpad.gui").warning("this must not land in the linked file")
    finally:
        logs.stop_logging()
    assert outside.read_bytes() == PRECIOUS


def test_log_rotation_never_follows_a_link_planted_later(tmp_path, outside):
    folder = tmp_path / "data"
    path = logs.setup_logging(folder)
    try:
        handler = logs._handler
        handler.close()
        path.unlink()
        path.symlink_to(outside)  # planted while the app runs; the next open must refuse it
        handler.stream = None
        with pytest.raises(OSError):
            handler._open()
    finally:
        logs.stop_logging()
    assert outside.read_bytes() == PRECIOUS


def test_check_own_file(tmp_path, outside):
    folder = tmp_path / "own"
    folder.mkdir()
    assert safe_paths.check_own_file(folder / "new.txt") == folder / "new.txt"
    (folder / "link").symlink_to(outside)
    with pytest.raises(safe_paths.UnsafePathError, match="symbolic link"):
        safe_paths.check_own_file(folder / "link")
    with pytest.raises(safe_paths.UnsafePathError, match="outside"):
        safe_paths.check_own_file(folder / ".." / "escape.txt", folder)
    linked_folder = tmp_path / "alias"
    linked_folder.symlink_to(folder)  # a folder that is itself a link is the user's choice: fine
    assert safe_paths.check_own_file(linked_folder / "a.txt", linked_folder)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_open_for_append_refuses_special_files(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(safe_paths.UnsafePathError, match="not a regular file"):
        safe_paths.open_for_append(fifo)
