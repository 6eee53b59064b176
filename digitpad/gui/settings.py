"""Remembered preferences (pen width, window geometry, last folder) in one place.

IniFormat so the file looks the same on every OS and tests can redirect it
with ``QSettings.setPath(IniFormat, UserScope, tmp)`` instead of touching the
user's real settings.
"""

from __future__ import annotations

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

    @property
    def stroke_width(self) -> int:
        try:
            value = int(float(self.store.value(_WIDTH, DEFAULT_STROKE_WIDTH)))
        except (TypeError, ValueError):
            value = int(DEFAULT_STROKE_WIDTH)
        return min(max(value, MIN_STROKE_WIDTH), MAX_STROKE_WIDTH)

    @stroke_width.setter
    def stroke_width(self, value: int) -> None:
        self.store.setValue(_WIDTH, int(value))

    @property
    def geometry(self) -> QByteArray | None:
        value = self.store.value(_GEOMETRY)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

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
