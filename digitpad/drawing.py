"""A drawing as data: strokes of (x, y, pressure) points on a canvas of known size.

The canvas, the renderer, the CLI and the training data all speak this format,
so a drawing saved from the window, a labelled pen trajectory and a test
fixture are the same kind of object.  JSON layout (version 1)::

    {"format": "digitpad-drawing", "version": 1, "width": W, "height": H,
     "strokes": [{"width": 18.0, "points": [[x, y, p], ...]}, ...]}

Pressure may be omitted (1.0); a stroke's width may be omitted (the caller's
default applies).  Extra top-level fields (``label``, ``writer``...) are kept.
"""

from __future__ import annotations

import gc
import gzip
import json
import math
import os
import reprlib
import stat
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from digitpad.files import regular_file_problem

FORMAT = "digitpad-drawing"
VERSION = 1

#: Limits that keep a hostile or broken file from exhausting memory or time.
MAX_CANVAS_SIDE = 16384
MAX_POINTS = 1_000_000
MAX_STROKES = 10_000
MAX_STROKE_WIDTH = 1024.0
MAX_FILE_BYTES = 64 * 1024 * 1024


class DrawingError(ValueError):
    """A drawing file or object that cannot be used; the message says where and why."""


#: Short, depth-limited repr for error messages (a hostile value may be huge or deeply nested).
_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60


def _short(value: Any) -> str:
    try:
        return _REPR.repr(value)
    except (RecursionError, ValueError):
        return f"<{type(value).__name__}>"


#: What reading a file can raise besides DrawingError: I/O, bad UTF-8, a cut or corrupt .gz.
_READ_ERRORS = (OSError, UnicodeDecodeError, EOFError, zlib.error)


@dataclass
class Stroke:
    """One pen-down..pen-up trace; ``width`` None means 'the renderer's default'."""

    points: list[tuple[float, float, float]] = field(default_factory=list)
    width: float | None = None

    def to_dict(self) -> dict[str, Any]:
        item: dict[str, Any] = {}
        if self.width is not None:
            item["width"] = self.width
        item["points"] = [[round(x, 3), round(y, 3), round(p, 4)] for x, y, p in self.points]
        return item


@dataclass
class Drawing:
    width: int
    height: int
    strokes: list[Stroke] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> int | None:
        value = self.extra.get("label")
        if isinstance(value, str) and not (value.isascii() and len(value) <= 20):
            return None  # "²".isdigit() is True but int() refuses it; a 5000-digit label is junk
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            return None
        try:
            return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None
        except ValueError:
            return None

    @property
    def writer(self) -> str | None:
        value = self.extra.get("writer")
        if value is None:
            return None
        try:
            return str(value)
        except (RecursionError, ValueError):  # a deeply nested list, a > 4300-digit int
            return _short(value)

    def is_empty(self) -> bool:
        return not any(s.points for s in self.strokes)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "width": self.width,
            "height": self.height,
        }
        out["strokes"] = [s.to_dict() for s in self.strokes]
        for key, value in self.extra.items():
            if key not in out:
                out[key] = value
        return out


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DrawingError(f"{what} must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:  # an integer literal beyond the float range, e.g. 1 followed by 400 zeros
        raise DrawingError(f"{what} must be finite, got an integer too large for a float") from None
    if not math.isfinite(number):
        raise DrawingError(f"{what} must be finite, got {value!r}")
    return number


def _point(pt: Any, i: int, j: int) -> tuple[float, float, float]:
    """One point, validated; raises DrawingError naming stroke i point j."""
    if not isinstance(pt, (list, tuple)) or len(pt) not in (2, 3):
        raise DrawingError(f"stroke {i} point {j} must be [x, y] or [x, y, pressure]")
    x = _number(pt[0], f"stroke {i} point {j} x")
    y = _number(pt[1], f"stroke {i} point {j} y")
    p = _number(pt[2], f"stroke {i} point {j} pressure") if len(pt) == 3 else 1.0
    return (x, y, min(max(p, 0.0), 1.0))


_PLAIN = frozenset((int, float))


def _points(raw_points: list, i: int) -> list[tuple[float, float, float]]:
    """Stroke i's points.  A fast path for plain [x, y(, p)] lists of finite numbers (a
    1,000,000-point file would otherwise take seconds); anything else goes through _point,
    which gives the same values or the precise error."""
    points: list[tuple[float, float, float]] = []
    append = points.append
    isfinite = math.isfinite
    for j, pt in enumerate(raw_points):
        if type(pt) is list:
            n = len(pt)
            try:
                if n == 3:
                    x, y, p = pt
                    if type(x) in _PLAIN and type(y) in _PLAIN and type(p) in _PLAIN:
                        x, y, p = float(x), float(y), float(p)
                        if isfinite(x) and isfinite(y) and isfinite(p):
                            append((x, y, 0.0 if p < 0.0 else 1.0 if p > 1.0 else p))
                            continue
                elif n == 2:
                    x, y = pt
                    if type(x) in _PLAIN and type(y) in _PLAIN:
                        x, y = float(x), float(y)
                        if isfinite(x) and isfinite(y):
                            append((x, y, 1.0))
                            continue
            except OverflowError:
                pass
        append(_point(pt, i, j))
    return points


def from_dict(data: Any) -> Drawing:
    """Validate a parsed JSON object; raises DrawingError naming what is wrong."""
    if not isinstance(data, dict):
        raise DrawingError(f"a drawing must be a JSON object, got {type(data).__name__}")
    if data.get("format", FORMAT) != FORMAT:
        raise DrawingError(f"not a digitpad drawing (format {_short(data.get('format'))})")
    if data.get("version", VERSION) != VERSION:
        raise DrawingError(f"unsupported drawing version {_short(data.get('version'))} (expected {VERSION})")
    size = []
    for key in ("width", "height"):
        value = _number(data.get(key), f"canvas {key}")
        if not (1 <= value <= MAX_CANVAS_SIDE) or value != int(value):
            raise DrawingError(f"canvas {key} must be a whole number from 1 to {MAX_CANVAS_SIDE}, got {value:g}")
        size.append(int(value))
    raw_strokes = data.get("strokes", [])
    if not isinstance(raw_strokes, list):
        raise DrawingError("'strokes' must be a list")
    if len(raw_strokes) > MAX_STROKES:
        raise DrawingError(f"too many strokes ({len(raw_strokes)} > {MAX_STROKES})")
    strokes: list[Stroke] = []
    total = 0
    for i, raw in enumerate(raw_strokes):
        if not isinstance(raw, dict):
            raise DrawingError(f"stroke {i} must be an object")
        width = raw.get("width")
        if width is not None:
            width = _number(width, f"stroke {i} width")
            if not (0 < width <= MAX_STROKE_WIDTH):
                raise DrawingError(f"stroke {i} width must be in (0, {MAX_STROKE_WIDTH:g}], got {width:g}")
        raw_points = raw.get("points", [])
        if not isinstance(raw_points, list):
            raise DrawingError(f"stroke {i} 'points' must be a list")
        total += len(raw_points)
        if total > MAX_POINTS:
            raise DrawingError(f"too many points (more than {MAX_POINTS})")
        strokes.append(Stroke(points=_points(raw_points, i), width=width))
    extra = {k: v for k, v in data.items() if k not in ("format", "version", "width", "height", "strokes")}
    return Drawing(width=size[0], height=size[1], strokes=strokes, extra=extra)


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector: building a million small lists otherwise triggers
    collection after collection (json.loads + from_dict of 1,000,000 points: ~2-4x slower)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def loads(text: str, source: str = "<string>") -> Drawing:
    with _gc_paused():
        return _loads(text, source)


def _loads(text: str, source: str) -> Drawing:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DrawingError(f"{source}: line {exc.lineno}: invalid JSON ({exc.msg})") from None
    except RecursionError:
        raise DrawingError(f"{source}: JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer literal of more than 4300 digits
        raise DrawingError(f"{source}: invalid JSON ({exc})") from None
    try:
        return from_dict(data)
    except DrawingError as exc:
        raise DrawingError(f"{source}: {exc}") from None


def dumps(drawing: Drawing) -> str:
    return json.dumps(drawing.to_dict(), separators=(",", ":"))


class IncrementalDumps:
    """``dumps`` for a drawing that changes a stroke at a time (the autosave).

    Turning 5,000 points into text takes ~10 ms of pure-Python and C work that
    holds the GIL; a window saving after every stroke would stall its own UI
    thread that long.  Finished strokes never change, so each stroke's text is
    kept and only new strokes are converted.  The result equals ``dumps``.
    """

    def __init__(self) -> None:
        self._texts: dict[tuple, str] = {}

    def __call__(self, drawing: Drawing) -> str:
        head = json.dumps(Drawing(drawing.width, drawing.height, [], drawing.extra).to_dict(), separators=(",", ":"))
        before, marker, after = head.partition('"strokes":[]')  # the first: format/version/size come before it
        texts: dict[tuple, str] = {}
        parts = []
        for s in drawing.strokes:
            key = (s.width, tuple(s.points))
            text = texts.get(key) or self._texts.get(key)
            if text is None:
                text = json.dumps(s.to_dict(), separators=(",", ":"))
            texts[key] = text
            parts.append(text)
        self._texts = texts  # only the current drawing's strokes are kept
        return before + '"strokes":[' + ",".join(parts) + "]" + after


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _check_file(path: Path) -> None:
    """Refuse, before opening it, what is not a regular file (a FIFO would block the read,
    /dev/zero never ends) and a plain file too large to be a drawing."""
    problem = regular_file_problem(path)
    if problem is not None:
        raise DrawingError(f"{path}: {problem}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES and path.suffix != ".gz":
        raise DrawingError(f"{path}: file too large ({size} bytes > {MAX_FILE_BYTES})")


def load(path: str | os.PathLike, max_points: int | None = None) -> Drawing:
    """Read one drawing from a .json file.

    ``max_points``: refuse, before parsing, a file with more points than that.  Parsing and
    checking cost ~1 us per point and run on the window's UI thread (json.loads holds the GIL,
    so a thread would not help), so the window passes the most points it would paint
    (render.INTERACTIVE_MAX_POINTS): a 24 MB file of a million points is refused in tens of
    milliseconds instead of taking over a second to parse.  (The autosave reader does not:
    the app writes those files itself, and a costly one is set aside after one slow start.)  Counting ``[`` (one per point, plus
    one per stroke and the list) is C-speed and never undercounts."""
    path = Path(path)
    try:
        _check_file(path)
        with _open_text(path) as fh:
            text = fh.read(MAX_FILE_BYTES + 1)
    except _READ_ERRORS as exc:
        raise DrawingError(f"{path}: cannot read ({exc})") from None
    if len(text) > MAX_FILE_BYTES:
        raise DrawingError(f"{path}: file too large (> {MAX_FILE_BYTES} bytes)")
    if max_points is not None and text.count("[") > max_points + MAX_STROKES + 1:
        raise DrawingError(f"{path}: drawing too costly to open in the window (more than "
                           f"{max_points:,} points); `digitpad predict` reads it")
    return loads(text, str(path))


def iter_jsonl_records(path: str | os.PathLike) -> Iterator[tuple[int, Drawing | DrawingError]]:
    """(line number, drawing or the DrawingError naming ``file:LINE``) for each non-blank line
    of a .jsonl or .jsonl.gz file, read one line at a time: memory stays flat in the file's
    length and a bad line costs that line only.  A file that cannot be opened or read on
    (missing, not a regular file, a corrupt .gz) raises DrawingError naming the file."""
    path = Path(path)
    try:
        _check_file(path)
        with _open_text(path) as fh:
            lineno = 0
            while True:
                # readline with a limit, so one endless line (or a .gz bomb) cannot fill memory
                line = fh.readline(MAX_FILE_BYTES + 1)
                if not line:
                    break
                lineno += 1
                if len(line) > MAX_FILE_BYTES:
                    yield lineno, DrawingError(f"{path}:{lineno}: line too long (> {MAX_FILE_BYTES} characters)")
                    while line and not line.endswith("\n"):  # skip the rest of that line, bounded reads
                        line = fh.readline(MAX_FILE_BYTES + 1)
                    continue
                if not line.strip():
                    continue
                try:
                    yield lineno, loads(line, f"{path}:{lineno}")
                except DrawingError as exc:
                    # loads reports JSON line 1 of the single-line text; name the file line instead
                    yield lineno, DrawingError(str(exc).replace(": line 1:", ":", 1))
    except _READ_ERRORS as exc:
        raise DrawingError(f"{path}: cannot read ({exc})") from None


def iter_jsonl(path: str | os.PathLike) -> Iterator[Drawing]:
    """Drawings of a .jsonl or .jsonl.gz file, one per non-blank line (each at most
    MAX_FILE_BYTES); the first bad line raises DrawingError naming ``file:LINE``."""
    for _, item in iter_jsonl_records(path):
        if isinstance(item, DrawingError):
            raise item
        yield item


def load_any(path: str | os.PathLike) -> list[Drawing]:
    """A .json file gives one drawing, a .jsonl[.gz] file all of its drawings."""
    name = str(path).lower()
    if name.endswith((".jsonl", ".jsonl.gz")):
        return list(iter_jsonl(path))
    return [load(path)]


def current_umask() -> int:
    """The process's umask, read without changing it where Linux tells it (/proc), since
    setting it to read it races with other threads creating files."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _target_mode(path: Path, new_mode: int | None) -> int:
    """An existing file keeps its permissions; a new one gets ``new_mode`` or, like any file
    a program creates, 0666 minus the umask (mkstemp alone would leave 0600)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return new_mode if new_mode is not None else 0o666 & ~current_umask()


def atomic_write_bytes(path: str | os.PathLike, data: bytes, tmp_prefix: str | None = None,
                       fsync: bool = True, new_mode: int | None = None) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, fsync, rename.

    A crash, a full disk or a read-only folder leaves any existing file as it was and no
    temporary behind (OSError is raised).  The temporary file is
    ``<tmp_prefix or .NAME.>XXXXXXXX.tmp`` in the target's folder.  ``fsync=False`` skips
    the fsync (the caller syncs later): the file is still replaced whole, and a killed
    process cannot undo that, only a power cut.  The result keeps an existing file's
    permissions; a new file gets ``new_mode`` if given, else 0666 & ~umask."""
    path = Path(path)
    prefix = tmp_prefix if tmp_prefix is not None else f".{path.name}."
    mode = _target_mode(path, new_mode)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike, text: str, tmp_prefix: str | None = None) -> None:
    """``atomic_write_bytes`` of UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), tmp_prefix)


def save(drawing: Drawing, path: str | os.PathLike) -> None:
    atomic_write_text(path, dumps(drawing) + "\n")
