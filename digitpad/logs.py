"""Where digitpad keeps its own files (autosave, log), and logging to a rotating file there.

A person who hits a problem can send one file: ``log_path()``.  The folder is
Qt's ``QStandardPaths.AppDataLocation`` for the app (for example
``~/.local/share/digitpad/digitpad`` on Linux,
``%APPDATA%/digitpad/digitpad`` on Windows), or ``$DIGITPAD_DATA_DIR`` when set
(tests, portable installs).  Qt is imported lazily so the CLI can log without it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from digitpad import safe_paths

#: Environment variable that overrides the data folder (tests, portable installs).
DATA_DIR_ENV = "DIGITPAD_DATA_DIR"
LOG_NAME = "digitpad.log"
#: 1 MB per file, 3 old files kept: at most 4 MB on disk, weeks of normal use.
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
LOGGER = "digitpad"

_handler: logging.Handler | None = None


class _OwnRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log that never opens its file through a symbolic link (see digitpad.safe_paths).

    Rotation itself only renames files, which moves links instead of following them.
    """

    def _open(self):
        fd = safe_paths.open_for_append(self.baseFilename)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def _fallback_data_dir() -> Path:
    """What AppDataLocation gives for org 'digitpad', app 'digitpad', without Qt."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "digitpad" / "digitpad"


def data_dir() -> Path:
    """The folder for the autosave and the log (not created here)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    try:
        from PySide6.QtCore import QCoreApplication, QStandardPaths
    except ImportError:
        return _fallback_data_dir()
    if QCoreApplication.organizationName() != "digitpad" or QCoreApplication.applicationName() != "digitpad":
        return _fallback_data_dir()  # names not set yet: Qt would pick a folder named after the executable
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) if location else _fallback_data_dir()


def log_path() -> Path:
    """The log file in use, or where it would be once :func:`setup_logging` runs."""
    if isinstance(_handler, logging.FileHandler):
        return Path(_handler.baseFilename)
    return data_dir() / LOG_NAME


def setup_logging(folder: str | os.PathLike | None = None, level: int = logging.INFO) -> Path | None:
    """Log the ``digitpad`` logger to ``folder/digitpad.log`` (rotating); returns the path.

    Calling it again with another folder moves the log there (tests).  If the
    folder cannot be written, or the log's name is a symbolic link (which could
    point at any of the user's files), logging goes to stderr only and None is
    returned, with one line on stderr saying why: a read-only home folder must
    not stop the app, and a planted link must not make it write elsewhere.
    """
    global _handler
    path = Path(folder if folder is not None else data_dir()) / LOG_NAME
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    if isinstance(_handler, logging.FileHandler) and _handler.baseFilename == os.path.abspath(path):
        return path
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
        _handler = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = _OwnRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
        result: Path | None = path
    except OSError as exc:
        handler = logging.StreamHandler(sys.stderr)
        result = None
        print(f"digitpad: cannot write the log at {path} ({exc}); logging to stderr", file=sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    _handler = handler
    return result


def stop_logging() -> None:
    """Close the log file (before deleting its folder; Windows cannot delete an open file)."""
    global _handler
    if _handler is not None:
        logging.getLogger(LOGGER).removeHandler(_handler)
        _handler.close()
        _handler = None
