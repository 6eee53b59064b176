"""Remembered preferences (pen width, window geometry, last folder) in one place.

IniFormat so the file looks the same on every OS and tests can redirect it
with ``QSettings.setPath(IniFormat, UserScope, tmp)`` instead of touching the
user's real settings.

A settings file is user-editable and can be damaged (a crash mid-write on a
filesystem without atomic rename, a bad hand edit).  Nothing read from it is
trusted: an unparsable file is copied aside and reset, and a value of the
wrong type or out of range falls back to the default.  Each such fallback is
recorded once in ``problems`` so the window can log it and say so.
"""

from __future__ import annotations

import math
import shutil

from PySide6.QtCore import QByteArray, QSettings

from digitpad.render import DEFAULT_STROKE_WIDTH

ORGANIZATION = "digitpad"
APPLICATION = "digitpad"

#: Pen width range offered by the slider, in logical canvas units (canvas is 280 wide).
MIN_STROKE_WIDTH = 4
MAX_STROKE_WIDTH = 48

_WIDTH = "canvas/stroke_width"
_GEOMETRY = "window/geometry"
_STATE = "window/state"
_LAST_DIR = "files/last_dir"


def open_settings() -> QSettings:
    """The app's settings store (an INI file in the user's config folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


class Settings:
    """Typed accessors, so a corrupt or hand-edited value falls back to a default instead of raising."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else open_settings()
        self.problems: list[str] = []
        if self.store.status() == QSettings.Status.FormatError:
            self._reset_corrupt_file()

    def _reset_corrupt_file(self) -> None:
        """Keep a copy for the curious, then start from defaults (Qt would otherwise keep the junk keys)."""
        name = self.store.fileName()
        aside = name + ".corrupt"
        try:
            shutil.copyfile(name, aside)
            kept = f" (a copy is at {aside})"
        except OSError:
            kept = ""
        self.store.clear()
        self.problem(f"the settings file {name} is damaged; using default settings{kept}")

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    @property
    def stroke_width(self) -> int:
        raw = self.store.value(_WIDTH)
        if raw is None:
            return int(DEFAULT_STROKE_WIDTH)
        try:
            number = float(raw)
        except (TypeError, ValueError):
            number = math.nan
        if not (MIN_STROKE_WIDTH <= number <= MAX_STROKE_WIDTH):  # also false for NaN
            self.problem(f"pen width {str(raw)[:40]!r} in the settings is not a number from "
                         f"{MIN_STROKE_WIDTH} to {MAX_STROKE_WIDTH}; using {int(DEFAULT_STROKE_WIDTH)}")
            return int(DEFAULT_STROKE_WIDTH)
        return int(number)

    @stroke_width.setter
    def stroke_width(self, value: int) -> None:
        self.store.setValue(_WIDTH, int(value))

    @property
    def geometry(self) -> QByteArray | None:
        value = self.store.value(_GEOMETRY)
        if value is None:
            return None
        if not isinstance(value, QByteArray) or value.isEmpty():
            self.problem("the saved window geometry is not valid; using the default size")
            return None
        return value

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.store.setValue(_GEOMETRY, value)

    @property
    def last_dir(self) -> str:
        value = self.store.value(_LAST_DIR, "")
        return value if isinstance(value, str) else ""

    @last_dir.setter
    def last_dir(self, value: str) -> None:
        self.store.setValue(_LAST_DIR, value)

    def sync(self) -> None:
        self.store.sync()
