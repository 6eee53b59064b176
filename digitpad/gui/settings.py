"""Remembered preferences (pen width, window geometry, last folder, adapting to the user's
handwriting) in one place.

The file is an INI file in the user's config folder, found the way Qt finds
it (``QSettings`` IniFormat, user scope, so tests redirect it with
``QSettings.setPath``), but digitpad reads and writes it itself.  Why:
``QSettings.value()`` (and ``allKeys()``, ``sync()``) parse a section's
``@Variant(...)`` values with Qt's QDataStream, and a hand-edited or damaged
value such as ``@Variant(\\x0\\x0\\x0\\x9\\x7f\\xff\\xff\\xff)`` aborts the
process inside Qt (std::bad_alloc) before Python sees anything: no ``type=``
argument or try/except can catch that.  Here every value is read as text,
with Qt's INI escaping, and then checked for its type and range.

* A file that cannot be read as settings at all (binary junk, not UTF-8,
  too large, not a regular file) is moved aside to ``<name>.corrupt`` and
  defaults are used.
* A value of the wrong type or out of range falls back to its default.

Each such event is recorded once in ``problems`` so the window can log it and
say so in the status bar.  The file is written whole (temporary file +
rename), so a rename never writes through a symbolic link (digitpad.safe_paths).
Geometry is stored as ``base64:...`` text; Qt's ``@ByteArray(...)`` is still read.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import os
import re
import stat
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from digitpad import safe_paths
from digitpad.drawing import atomic_write_bytes
from digitpad.render import DEFAULT_STROKE_WIDTH

log = logging.getLogger("digitpad.gui")

ORGANIZATION = "digitpad"
APPLICATION = "digitpad"

#: Pen width range offered by the slider, in logical canvas units (canvas is 280 wide).
MIN_STROKE_WIDTH = 4
MAX_STROKE_WIDTH = 48
#: digitpad's own file is well under 1 kB; anything much larger is not its settings.
MAX_FILE_BYTES = 64 * 1024
#: A saved geometry is ~70 bytes; a text value longer than this is damage.
MAX_VALUE_CHARS = 8192

_WIDTH = "canvas/stroke_width"
_GEOMETRY = "window/geometry"
_LAST_DIR = "files/last_dir"
_ADAPT = "handwriting/adapt"
_KEYS = (_WIDTH, _GEOMETRY, _LAST_DIR, _ADAPT)
_GEOMETRY_PREFIX = "base64:"

_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
                   '"': '"', "'": "'", "\\": "\\", "?": "?", ";": ";", ",": ","}
_SECTION = re.compile(r"^\[(.*)\]$")


class UnreadableSettings(ValueError):
    """The file is not a settings file digitpad can read at all."""


def open_settings() -> Path:
    """The app's settings file: an INI file in the user's config folder, where Qt's QSettings
    (IniFormat, user scope) puts it, so ``QSettings.setPath`` redirects it.

    Qt is asked about a sibling file that does not exist: a QSettings on the real file opens
    and reads it at construction, which blocks for ever on a FIFO and parses ``@Variant``
    values (see the module docstring).  Only the folder is taken from Qt.
    """
    probe = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                      APPLICATION + "-location-probe")
    return Path(probe.fileName()).with_name(APPLICATION + ".ini")


def unescape_value(raw: str) -> str | None:
    """One value as Qt's INI reader gives it, or None for a list or a malformed escape.

    Follows Qt's rules: surrounding whitespace is dropped, double quotes group,
    an unquoted ``;`` starts a comment, an unquoted ``,`` makes a list, and
    backslash escapes (``\\n``, ``\\x1f``, octal ``\\0``) are decoded.
    """
    out: list[str] = []
    quoted = False
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == '"':
            quoted = not quoted
            i += 1
        elif ch == ";" and not quoted:
            break
        elif ch == "," and not quoted:
            return None
        elif ch == "\\":
            if i + 1 >= n:
                return None
            esc = raw[i + 1]
            i += 2
            if esc in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[esc])
            elif esc in "xX" or esc in "01234567":
                digits = "0123456789abcdefABCDEF" if esc in "xX" else "01234567"
                start = i if esc in "xX" else i - 1
                j = start
                while j < n and raw[j] in digits and j - start < 8:
                    j += 1
                if j == start:
                    return None
                code = int(raw[start:j], 16 if esc in "xX" else 8)
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    return None
                out.append(chr(code))
                i = j
            else:
                out.append(esc)
        else:
            out.append(ch)
            i += 1
    if quoted:
        return None
    text = "".join(out)
    return text.strip() if '"' not in raw else text


def escape_value(text: str) -> str:
    """Text as a single INI value that both this reader and Qt's read back unchanged."""
    out = []
    hex_escaped = False  # a hex digit right after \xNN would extend that escape: escape it too (as Qt does)
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
            hex_escaped = False
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or (hex_escaped and ch in "0123456789abcdefABCDEF"):
            out.append(f"\\x{ord(ch):x}")
            hex_escaped = True
        else:
            out.append(ch)
            hex_escaped = False
    body = "".join(out)
    if any(c in text for c in ";,") or text != text.strip():
        return f'"{body}"'
    return body


def parse_ini(text: str) -> dict[str, str]:
    """``section/key -> raw value`` of an INI text; UnreadableSettings when it is not one."""
    values: dict[str, str] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in ";#":
            continue
        match = _SECTION.match(stripped)
        if match:
            section = match.group(1).strip()
            if section.lower() == "general":
                section = ""
            continue
        if "=" not in stripped:
            raise UnreadableSettings(f"line {number} is neither [section] nor key=value")
        key, raw = stripped.split("=", 1)
        key = key.strip()
        if not key:
            raise UnreadableSettings(f"line {number} has no key")
        values[f"{section}/{key}" if section else key] = raw.strip()  # as Qt reads it
    return values


def read_settings_file(path: Path) -> dict[str, str]:
    """The raw values of the file at ``path`` ({} when there is none).

    Refuses (UnreadableSettings) anything that is not a regular file of readable
    UTF-8 INI text under MAX_FILE_BYTES; a FIFO is refused without blocking on it.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return {}
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableSettings("it is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise UnreadableSettings(f"it is {info.st_size} bytes, more than settings ever need")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise UnreadableSettings("it is not a regular file")
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableSettings("it is larger than settings ever need")
    if b"\x00" in data:
        raise UnreadableSettings("it contains binary data")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableSettings(f"it is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_ini(text)


def _shown(raw: str) -> str:
    """A value as quoted in a message: short, and without control characters."""
    text = "".join(c if c.isprintable() else "?" for c in raw[:40])
    return f"'{text}{'…' if len(raw) > 40 else ''}'"


class Settings:
    """Typed, validated accessors: a damaged or hand-edited value falls back to a default, never aborts."""

    def __init__(self, store: QSettings | str | os.PathLike | None = None) -> None:
        """``store``: the settings file (default: :func:`open_settings`), or a QSettings naming it."""
        if store is None:
            store = open_settings()
        self.path = Path(store.fileName() if isinstance(store, QSettings) else store)
        self.problems: list[str] = []
        self._values: dict[str, str] = {}
        self._dirty = False
        try:
            raw = read_settings_file(self.path)
        except (UnreadableSettings, OSError) as exc:
            self._set_aside(exc)
            raw = {}
        self._values = {key: value for key, value in raw.items() if key in _KEYS}

    def _set_aside(self, reason: Exception) -> None:
        """Keep the unusable file for the curious as ``<name>.corrupt``, then start from defaults."""
        aside = self.path.with_name(self.path.name + ".corrupt")
        try:
            safe_paths.move_aside(self.path, aside)
            kept = f"; it was moved to {aside}"
        except OSError as exc:
            kept = f"; it could not be moved aside ({exc})"
        self._dirty = True  # defaults are written back at the next sync
        self.problem(f"the settings file {self.path} is damaged ({reason}); using default settings{kept}")

    def problem(self, text: str) -> None:
        """Record a fallback once; the file is rewritten with good values at the next sync."""
        self._dirty = True
        if text not in self.problems:
            self.problems.append(text)

    def _text(self, key: str) -> tuple[str | None, bool]:
        """(unescaped text or None when missing, readable): too long or malformed is not readable."""
        raw = self._values.get(key)
        if raw is None:
            return None, True
        text = unescape_value(raw) if len(raw) <= MAX_VALUE_CHARS else None
        return text, text is not None

    def _set(self, key: str, text: str) -> None:
        raw = escape_value(text)
        if self._values.get(key) != raw:
            self._values[key] = raw
            self._dirty = True

    def _read_stroke_width(self) -> tuple[int, str | None]:
        text, ok = self._text(_WIDTH)
        if text is None and ok:
            return int(DEFAULT_STROKE_WIDTH), None
        try:
            number = float(text) if text is not None and len(text) <= 32 else math.nan
        except ValueError:
            number = math.nan
        if not (MIN_STROKE_WIDTH <= number <= MAX_STROKE_WIDTH):  # also false for NaN
            return int(DEFAULT_STROKE_WIDTH), (
                f"pen width {_shown(self._values[_WIDTH])} in the settings is not a number from "
                f"{MIN_STROKE_WIDTH} to {MAX_STROKE_WIDTH}; using {int(DEFAULT_STROKE_WIDTH)}")
        return int(number), None

    def _read_geometry(self) -> tuple[QByteArray | None, str | None]:
        text, ok = self._text(_GEOMETRY)
        if text is None and ok:
            return None, None
        data: bytes | None = None
        if text is not None and text.startswith(_GEOMETRY_PREFIX):
            try:
                data = base64.b64decode(text[len(_GEOMETRY_PREFIX):], validate=True)
            except (binascii.Error, ValueError):
                data = None
        elif text is not None and text.startswith("@ByteArray(") and text.endswith(")"):  # Qt's QSettings
            try:
                data = text[len("@ByteArray("):-1].encode("latin-1")
            except UnicodeEncodeError:
                data = None
        if not data:
            return None, "the saved window geometry is not valid; using the default size"
        return QByteArray(data), None

    def _read_last_dir(self) -> tuple[str, str | None]:
        text, ok = self._text(_LAST_DIR)
        if not ok or (text is not None and ("\x00" in text or len(text) > 4096)):
            return "", "the last folder in the settings is not a valid path; starting in your home folder"
        return text or "", None

    def _read_adapt(self) -> tuple[bool, str | None]:
        text, ok = self._text(_ADAPT)
        if text is None and ok:
            return True, None  # on unless the person switched it off: it only acts once samples exist
        if text is not None and text.lower() in ("true", "false"):
            return text.lower() == "true", None
        return True, (f"'adapt to my handwriting' {_shown(self._values[_ADAPT])} in the settings is neither "
                      "true nor false; using true")

    def _readers(self) -> dict:
        return {_WIDTH: self._read_stroke_width, _GEOMETRY: self._read_geometry, _LAST_DIR: self._read_last_dir,
                _ADAPT: self._read_adapt}

    def _get(self, key: str):
        value, problem = self._readers()[key]()
        if problem:
            self.problem(problem)
        return value

    @property
    def stroke_width(self) -> int:
        return self._get(_WIDTH)

    @stroke_width.setter
    def stroke_width(self, value: int) -> None:
        self._set(_WIDTH, str(int(value)))

    @property
    def geometry(self) -> QByteArray | None:
        """The saved window geometry bytes (QWidget.restoreGeometry validates them), or None."""
        return self._get(_GEOMETRY)

    @geometry.setter
    def geometry(self, value: QByteArray | bytes) -> None:
        self._set(_GEOMETRY, _GEOMETRY_PREFIX + base64.b64encode(bytes(value)).decode("ascii"))

    @property
    def last_dir(self) -> str:
        return self._get(_LAST_DIR)

    @last_dir.setter
    def last_dir(self, value: str) -> None:
        self._set(_LAST_DIR, str(value))

    @property
    def adapt_to_handwriting(self) -> bool:
        """Whether the personal samples take part in answers (Handwriting › Adapt to my handwriting)."""
        return self._get(_ADAPT)

    @adapt_to_handwriting.setter
    def adapt_to_handwriting(self, value: bool) -> None:
        self._set(_ADAPT, "true" if value else "false")

    def to_ini(self) -> str:
        """The file's text: one section per group, keys in a fixed order."""
        sections: dict[str, list[str]] = {}
        for key in _KEYS:
            if key in self._values:
                section, name = key.split("/", 1)
                sections.setdefault(section, []).append(f"{name}={self._values[key]}")
        return "\n".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sorted(sections.items()))

    def sync(self) -> bool:
        """Write the file if anything changed; False (and a log line) if it cannot be written."""
        if not self._dirty:
            return True
        for key, reader in self._readers().items():  # drop values that fail validation: the next start is quiet
            if reader()[1]:
                self._values.pop(key, None)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.path, self.to_ini().encode("utf-8"), fsync=False)
        except OSError as exc:
            log.warning("settings could not be saved to %s: %s", self.path, exc)
            return False
        self._dirty = False
        return True
