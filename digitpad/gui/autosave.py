"""The current drawing, saved after every edit so a crash or kill loses at most the stroke in progress.

Each running window keeps its own file, ``autosave-<unique>.json``, guarded by a
``QLockFile`` (``autosave-<unique>.json.lock``): two windows on one data folder never
write, replace or delete each other's drawing.  At start, ``load`` offers back the newest
autosave that no running window owns: it takes that file's lock (Qt finds a lock of a dead
process stale, by pid, and takes it over), and from then on writes there; its own, unused
name is given up.  The files of live windows are left alone, as are older orphaned ones
(the next start offers the next newest).  ``autosave.json``, the single file of earlier
versions, is read the same way.

Each request is written in two steps.  ``submit`` itself, on the UI thread, turns the
drawing into text and puts it in place with the core's atomic writer *without* fsync
(temporary file ``.autosave.json.<pid>.XXXXXXXX.tmp`` in the same folder, then rename):
a page-cache operation of about half a millisecond for a normal drawing (the old file
first gets a second name, a hard link, so that ``rename`` doesn't free its blocks on the
UI thread: see ``_keep_old``; the writer thread deletes it).  From the
moment ``submit`` returns, the file holds the new drawing for any process and a
kill -9 cannot take it away, since the kernel keeps the page cache.  The writer thread
then fsyncs the file and its folder, for a power cut (an fsync takes 5-25 ms, too long
for the UI thread at pen-up).  Only the UI thread ever renames onto ``autosave.json``
in this mode, so the fsync can't race with a newer replace: at worst it syncs a version
that was just replaced, and the newer one has its own fsync queued behind it.

Two cases go to the writer thread whole (text, fsync, rename), as every write did before:
a drawing estimated at more than ``SYNC_MAX_BYTES`` of text (converting and writing it
would stall the UI thread), and a synchronous write that failed (the thread tries again
and reports the error).  While the thread has such a write queued or in flight, newer
requests go to it too, so an older drawing never lands on top of a newer one and a
cleared canvas is never brought back.  Requests to the thread are coalesced: only the
newest is carried out.  Only new strokes are converted to text
(``drawing.IncrementalDumps``): converting a 250-stroke drawing afresh takes ~10 ms.
An empty canvas removes the file, so a cleared canvas is not offered back.

What the autosave carries is bounded: an extra field (label, writer...) whose text would
exceed ``MAX_EXTRA_BYTES`` is left out of it, with a note in the log (File › Save still
writes it), so a 50 MB field in an opened file is not rewritten at every pen-up.

A process killed in the middle of a write leaves its temporary file behind (the autosave
itself is the previous, complete drawing).  The next start removes such files when their
process is gone (POSIX) or when they are older than ``STALE_TEMP_SECONDS``.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal

from digitpad import drawing as drawing_io
from digitpad.drawing import Drawing

#: The single autosave of earlier versions (still offered back once, like any orphaned autosave).
AUTOSAVE_NAME = "autosave.json"
#: Each window's own autosave: ``autosave-<unique>.json``.
AUTOSAVE_GLOB = "autosave-*.json"
LOCK_SUFFIX = ".lock"
log = logging.getLogger("digitpad.gui.autosave")

# What the writer thread is asked to do (only the newest request is kept):
_SYNC = "sync"  # submit already replaced (or removed) the file: fsync file and folder
_WRITE = "write"  # the whole write: text, temporary file, fsync, rename, fsync folder
_REMOVE = "remove"  # delete the autosave (a cleared canvas)
#: A temporary autosave file this old is left over from a killed process whatever its name says.
STALE_TEMP_SECONDS = 600
#: Drawings whose text is estimated above this are written by the writer thread, not by
#: ``submit`` on the UI thread.  About 10,000 points (a digit has a few hundred): finding the
#: new strokes of such a drawing takes ~5 ms and converting it afresh (an opened file) ~60 ms.
SYNC_MAX_BYTES = 256 * 1024
#: Extra fields larger than this (their JSON text, estimated) are left out of the autosave.
MAX_EXTRA_BYTES = 64 * 1024
_BYTES_PER_POINT = 25  # '[123.456,78.901,0.8123],' ; measured 25.3 on random canvas points
_TEMP = re.compile(r"\.autosave(?:-[0-9a-f]+)?\.json\.(\d+)\.[^.]+\.tmp\Z")
_TEMP_GLOB = ".autosave*.json.*.tmp"


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
        self.path = self.folder / f"autosave-{os.urandom(6).hex()}.json"
        self._lock: QLockFile | None = None  # held from load() (or the first write) until release()
        self._cond = threading.Condition()
        self._pending: tuple[str, Drawing | None] | None = None  # the newest request for the thread
        self._in_flight: str | None = None  # the kind of request the thread is carrying out
        self._submitted = 0
        self._done = 0
        self._failing = False  # (writer thread only)
        self._thread: threading.Thread | None = None
        self._dumps = drawing_io.IncrementalDumps()  # new strokes only: keeps the GIL free for the UI
        self._tmp_prefix = f".{self.path.name}.{os.getpid()}."
        self._left_out: set[str] = set()  # extra fields too large for the autosave (logged once)
        self._garbage: list[str] = []  # old autosaves put aside by submit, for the thread to delete

    def remove_stale_temps(self) -> list[Path]:
        """Remove temporary files left by a killed writer (never this process's); returns them."""
        removed = []
        try:
            candidates = list(self.folder.glob(_TEMP_GLOB))
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
        """The newest drawing no running window owns (this autosave takes it over), or None.

        A corrupt file is moved aside (``NAME.corrupt``), never offered; an empty one removed."""
        self.remove_stale_temps()
        self._take_lock()
        for path in self._orphans():
            lock = _lock_for(path)
            if not lock.tryLock(0):
                continue  # a running window's
            if not path.exists():  # (cleared by its owner just before it quit)
                lock.unlock()
                continue
            try:
                drawing = drawing_io.load(path)
            except (drawing_io.DrawingError, ValueError, OSError) as exc:
                self._set_aside(path, ".corrupt", f"is unreadable ({exc})")
                lock.unlock()
                continue
            if not any(s.points for s in drawing.strokes):
                path.unlink(missing_ok=True)
                lock.unlock()
                continue
            self._adopt(path, lock)
            return drawing
        return None

    def set_aside(self, suffix: str, why: str) -> Path | None:
        """Move this autosave out of the way (a drawing the window refuses), keeping it; the new name."""
        return self._set_aside(self.path, suffix, why)

    def release(self) -> None:
        """Give up the lock (quit, after flush): a later start may offer the drawing back."""
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def _set_aside(self, path: Path, suffix: str, why: str) -> Path | None:
        aside = path.with_name(path.name + suffix)
        log.warning("autosave %s %s; moved to %s", path, why, aside)
        try:
            os.replace(path, aside)
        except OSError:
            return None
        return aside

    def _take_lock(self) -> None:
        if self._lock is not None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # (the write fails later and is reported)
        lock = _lock_for(self.path)
        if lock.tryLock(0):
            self._lock = lock
        else:
            log.warning("cannot lock %s (%s)", self.path, lock.error())

    def _orphans(self) -> list[Path]:
        """Other windows' autosaves, newest first; lock files left without an autosave are removed."""
        try:
            found = [p for p in self.folder.glob(AUTOSAVE_GLOB) if p != self.path]
            found += [p for p in (self.folder / AUTOSAVE_NAME,) if p.exists()]
            locks = list(self.folder.glob(AUTOSAVE_GLOB + LOCK_SUFFIX))
        except OSError:
            return []
        for lock_path in locks:
            path = lock_path.with_name(lock_path.name[: -len(LOCK_SUFFIX)])
            if path != self.path and not path.exists():
                lock = _lock_for(path)
                if lock.tryLock(0):
                    lock.unlock()  # a dead window's, with nothing to offer: unlock removes it

        def newest(path: Path) -> float:
            try:
                return path.stat().st_mtime
            except OSError:
                return 0.0

        return sorted(found, key=newest, reverse=True)

    def _adopt(self, path: Path, lock: QLockFile) -> None:
        """Write to `path` from now on (its lock is held); give up this autosave's own name."""
        self.release()
        self.path, self._lock = path, lock
        self._tmp_prefix = f".{path.name}.{os.getpid()}."

    def submit(self, drawing: Drawing | None) -> None:
        """Save this drawing now (None or no strokes: remove the autosave); fsync it soon.

        Normally the file is in place when this returns (see the module's docstring for
        when the writer thread does the whole write instead)."""
        self._take_lock()
        empty = drawing is None or not any(s.points for s in drawing.strokes)
        if not empty:
            drawing = self._bounded(drawing)  # type: ignore[arg-type]
        request: tuple[str, Drawing | None] = (_REMOVE, None) if empty else (_WRITE, drawing)
        garbage: list[str] = []
        with self._cond:  # submit runs on one thread only: only it queues whole writes
            thread_owns_file = self._in_flight in (_WRITE, _REMOVE) or (
                self._pending is not None and self._pending[0] in (_WRITE, _REMOVE))
        if not thread_owns_file and (empty or _estimated_bytes(drawing) <= SYNC_MAX_BYTES):
            try:
                garbage = self._replace_now(None if empty else drawing)
                request = (_SYNC, None)
            except (OSError, ValueError) as exc:  # the writer thread tries again, and reports
                log.debug("autosave on the UI thread failed (%s); the writer thread tries again", exc)
        with self._cond:
            self._pending = request
            self._garbage += garbage
            self._submitted += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="digitpad-autosave", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _bounded(self, drawing: Drawing) -> Drawing:
        """The drawing without extra fields too large to rewrite at every pen-up (logged once each)."""
        large = [key for key, value in drawing.extra.items() if _larger_than(value, MAX_EXTRA_BYTES)]
        if not large:
            return drawing
        for key in large:
            if key not in self._left_out:
                log.info("autosave leaves out the extra field %r (over %d bytes); File > Save keeps it", key, MAX_EXTRA_BYTES)
        self._left_out = set(large)
        extra = {k: v for k, v in drawing.extra.items() if k not in self._left_out}
        return Drawing(drawing.width, drawing.height, drawing.strokes, extra)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything submitted so far is written and fsynced (quit, tests)."""
        with self._cond:
            target = self._submitted
            return self._cond.wait_for(lambda: self._done >= target, timeout)

    def _replace_now(self, drawing: Drawing | None) -> list[str]:
        """On the UI thread: put the drawing in place (or take the file away), without fsync
        and without freeing any disk space (see ``_keep_old``).  Returns the names of old
        autosaves put aside, for the writer thread to delete."""
        if drawing is None:
            if not self.path.exists():
                return []
            aside = self._aside_name()
            os.rename(self.path, aside)  # not unlink: that would free the file's blocks here
            return [aside]
        data = (self._dumps(drawing) + "\n").encode("utf-8")
        self.folder.mkdir(parents=True, exist_ok=True)
        kept = self._keep_old()
        try:  # atomic: any reader, and a kill, sees old or new, whole
            drawing_io.atomic_write_bytes(self.path, data, tmp_prefix=self._tmp_prefix, fsync=False)
        except BaseException:
            if kept is not None:
                try:
                    os.unlink(kept)
                except OSError:
                    pass
            raise
        return [kept] if kept is not None else []

    def _keep_old(self) -> str | None:
        """A second name (hard link) for the current autosave, so that the replace that follows
        only drops a link: replacing a file's last link frees its blocks inside ``rename``,
        which took up to 20-150 ms on a busy ext4 disk (p50 0.3 ms); with the extra link the
        rename takes ~0.1 ms and the writer thread frees the old file."""
        aside = self._aside_name()
        try:
            os.link(self.path, aside)
        except OSError:  # no autosave yet, or a file system without hard links: replace it as it is
            return None
        return aside

    def _aside_name(self) -> str:
        # ``.autosave.json.<pid>.XXXXXXXX.tmp``, like the temporary files: a kill before the
        # thread deletes it leaves a file that the next start removes.
        return str(self.folder / f"{self._tmp_prefix}{os.urandom(6).hex()}.tmp")

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None)
                (kind, drawing), self._pending = self._pending, None  # type: ignore[misc]
                garbage, self._garbage = self._garbage, []
                self._in_flight = kind
                number = self._submitted
            try:
                self._carry_out(kind, drawing)
            finally:
                for name in garbage:  # old autosaves: freeing their blocks may take a while
                    try:
                        os.unlink(name)
                    except OSError:
                        pass  # (what is left, the next start removes)
                with self._cond:
                    self._in_flight = None
                    self._done = number
                    self._cond.notify_all()

    def _carry_out(self, kind: str, drawing: Drawing | None) -> None:
        try:
            if kind == _SYNC:
                self._fsync_file()
            elif kind == _REMOVE:
                self.path.unlink(missing_ok=True)
            else:
                self.folder.mkdir(parents=True, exist_ok=True)
                text = self._dumps(drawing) + "\n"  # type: ignore[arg-type]
                drawing_io.atomic_write_text(self.path, text, tmp_prefix=self._tmp_prefix)
            self._fsync_folder()
        except (OSError, ValueError) as exc:
            log.warning("autosave to %s failed: %s", self.path, exc)
            if not self._failing:  # tell the person once per failure streak, not on every stroke
                self._failing = True
                self.failed.emit(f"Autosave failed: {exc}")
            return
        if self._failing:
            log.info("autosave to %s works again", self.path)
        self._failing = False

    def _fsync_file(self) -> None:
        # Windows: FlushFileBuffers needs a handle open for writing.
        flags = os.O_RDONLY if os.name != "nt" else os.O_RDWR | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.path, flags)
        except FileNotFoundError:
            return  # removed (a cleared canvas): the folder's fsync makes that last
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _fsync_folder(self) -> None:
        """Make the rename or removal itself survive a power cut (POSIX; Windows can't open a folder)."""
        if os.name == "nt":
            return
        try:
            fd = os.open(self.folder, os.O_RDONLY)
        except FileNotFoundError:
            return  # no folder, no autosave in it
        try:
            os.fsync(fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise  # (some file systems can't fsync a folder: nothing to do there)
        finally:
            os.close(fd)


def _larger_than(value, limit: int) -> bool:
    """Whether a JSON value's text is (roughly) longer than `limit`, without converting it:
    stops as soon as it knows, so a huge value costs no more than a small one."""
    budget = limit
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            budget -= len(item) + 2
        elif isinstance(item, (dict, list, tuple)):
            budget -= 2 + (4 if isinstance(item, dict) else 1) * len(item)
            if budget >= 0:  # (only then: a list of millions is judged by its length alone)
                stack.extend(item.keys() if isinstance(item, dict) else item)
                stack.extend(item.values() if isinstance(item, dict) else ())
        else:
            budget -= 4  # a number, true/false/null
        if budget < 0:
            return True
    return False


def _lock_for(path: Path) -> QLockFile:
    """The lock guarding an autosave.  Stale only when its process is gone (checked by pid):
    Qt's default also takes over a lock older than 30 s, which a running window's is."""
    lock = QLockFile(str(path) + LOCK_SUFFIX)
    lock.setStaleLockTime(0)
    return lock


def _estimated_bytes(drawing: Drawing) -> int:
    """The size of the drawing's text, estimated without converting it (O(strokes))."""
    return sum(len(s.points) for s in drawing.strokes) * _BYTES_PER_POINT + 32 * len(drawing.strokes)
