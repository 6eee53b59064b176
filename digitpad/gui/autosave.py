"""The current drawing, saved after every edit so a crash or kill loses at most the stroke in progress.

Writes go through the core's atomic ``drawing.save`` (temporary file, fsync,
rename), so the file is always either the old or the new drawing.  An fsync
takes 5-20 ms, too long for the UI thread at pen-up, so a single writer
thread does it.  The writer converts only new strokes to text
(``drawing.IncrementalDumps``): converting a 250-stroke drawing afresh holds
the GIL for ~10 ms and would stall the UI thread at every pen-up.  Requests are coalesced: only the newest drawing is written,
so a fast scribbler never queues work.  An empty canvas removes the file, so
a cleared canvas is not offered back.

A process killed in the middle of a write leaves its temporary file behind
(``.autosave.json.<pid>.XXXXXXXX.tmp``; the autosave itself is the previous,
complete drawing).  The next start removes such files when their process is
gone (POSIX) or when they are older than ``STALE_TEMP_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from digitpad import drawing as drawing_io
from digitpad.drawing import Drawing

AUTOSAVE_NAME = "autosave.json"
log = logging.getLogger("digitpad.gui.autosave")

_REMOVE = object()  # a request meaning "delete the autosave"
#: A temporary autosave file this old is left over from a killed process whatever its name says.
STALE_TEMP_SECONDS = 600
_TEMP = re.compile(re.escape(f".{AUTOSAVE_NAME}.") + r"(\d+)\.[^.]+\.tmp\Z")


def _process_gone(pid: int) -> bool:
    """True only when certain (POSIX): elsewhere, and for a live or reused pid, False."""
    if sys.platform == "win32" or pid <= 0:
        return False  # os.kill(pid, 0) would send CTRL_C_EVENT on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: it exists, under another user
        return False
    return False


class Autosave(QObject):
    """``submit(drawing)`` from the UI thread; ``failed(message)`` arrives back on the UI thread."""

    failed = Signal(str)

    def __init__(self, folder: str | os.PathLike, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self.path = self.folder / AUTOSAVE_NAME
        self._cond = threading.Condition()
        self._pending: object | None = None
        self._submitted = 0
        self._done = 0
        self._failing = False
        self._thread: threading.Thread | None = None
        self._dumps = drawing_io.IncrementalDumps()  # new strokes only: keeps the GIL free for the UI

    def remove_stale_temps(self) -> list[Path]:
        """Remove temporary files left by a killed writer (never this process's); returns them."""
        removed = []
        try:
            candidates = list(self.folder.glob(f".{AUTOSAVE_NAME}.*.tmp"))
        except OSError:
            return removed
        now = time.time()
        for path in candidates:
            match = _TEMP.match(path.name)
            pid = int(match.group(1)) if match else -1
            try:
                stale = pid != os.getpid() and (_process_gone(pid) or now - path.stat().st_mtime > STALE_TEMP_SECONDS)
                if stale:
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue
        if removed:
            log.info("removed %d temporary autosave file(s) left by an interrupted write", len(removed))
        return removed

    def load(self) -> Drawing | None:
        """The drawing from the last session, or None.  A corrupt file is moved aside, never offered."""
        self.remove_stale_temps()
        if not self.path.exists():
            return None
        try:
            drawing = drawing_io.load(self.path)
        except (drawing_io.DrawingError, ValueError, OSError) as exc:
            aside = self.path.with_name(AUTOSAVE_NAME + ".corrupt")
            log.warning("autosave %s is unreadable (%s); moved to %s", self.path, exc, aside)
            try:
                os.replace(self.path, aside)
            except OSError:
                pass
            return None
        return drawing if any(s.points for s in drawing.strokes) else None

    def submit(self, drawing: Drawing | None) -> None:
        """Save this drawing soon (None or no strokes: remove the autosave)."""
        empty = drawing is None or not any(s.points for s in drawing.strokes)
        with self._cond:
            self._pending = _REMOVE if empty else drawing
            self._submitted += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="digitpad-autosave", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything submitted so far is on disk (quit, tests)."""
        with self._cond:
            target = self._submitted
            return self._cond.wait_for(lambda: self._done >= target, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None)
                request, self._pending = self._pending, None
                number = self._submitted
            self._write(request)
            with self._cond:
                self._done = number
                self._cond.notify_all()

    def _write(self, request: object) -> None:
        try:
            if request is _REMOVE:
                self.path.unlink(missing_ok=True)
            else:
                self.folder.mkdir(parents=True, exist_ok=True)
                text = self._dumps(request) + "\n"  # type: ignore[arg-type]
                drawing_io.atomic_write_text(self.path, text, tmp_prefix=f".{AUTOSAVE_NAME}.{os.getpid()}.")
        except (OSError, ValueError) as exc:
            log.warning("autosave to %s failed: %s", self.path, exc)
            if not self._failing:  # tell the person once per failure streak, not on every stroke
                self._failing = True
                self.failed.emit(f"Autosave failed: {exc}")
            return
        if self._failing:
            log.info("autosave to %s works again", self.path)
        self._failing = False
