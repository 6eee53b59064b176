"""Shared pytest setup.  Kept GUI-neutral: nothing here imports Qt at collection time.

Qt-using tests run headless (offscreen platform) and must never read or write
the user's real settings, autosave or log: the ``qt_settings`` fixture
redirects QSettings to a temporary folder, and every test gets its own
``$DIGITPAD_DATA_DIR`` (``data_dir`` fixture).
"""

from __future__ import annotations

import os

import pytest

# Must be set before any QApplication exists; harmless for tests that never touch Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def qt_settings(tmp_path):
    """QSettings (IniFormat, user scope) pointed at a temporary folder for this test."""
    from PySide6.QtCore import QSettings

    folder = tmp_path / "settings"
    folder.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(folder / "system"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    yield folder



@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory, monkeypatch):
    """A fresh app-data folder (autosave, log) per test, so no test restores another's drawing."""
    folder = tmp_path_factory.mktemp("appdata")
    monkeypatch.setenv("DIGITPAD_DATA_DIR", str(folder))
    yield folder
