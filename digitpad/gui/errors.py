"""Uncaught exceptions in the running window: log the traceback, tell the person, keep going.

PySide6 hands an exception raised in a slot or an event handler to
``sys.excepthook`` and carries on with the event loop, so the window survives
if the hook does not exit.  The hook logs the traceback to the rotating log
and opens a non-blocking message box that names the log file, so a bug report
can include it.  One box at a time: a repeating error updates a counter
instead of stacking dialogs.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from digitpad.logs import log_path

log = logging.getLogger("digitpad.gui")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


class CrashReporter:
    """Installed as ``sys.excepthook`` by :func:`install`; ``box`` is the open dialog (tests read it)."""

    def __init__(self, parent: QWidget, previous: ExceptHook) -> None:
        self.parent = parent
        self.previous = previous
        self.box: QMessageBox | None = None
        self.count = 0
        self._reporting = False

    def __call__(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, (KeyboardInterrupt, SystemExit)) or self._reporting:
            self.previous(kind, value, tb)
            return
        self._reporting = True
        try:
            log.error("uncaught exception", exc_info=(kind, value, tb))
            self.count += 1
            self._show(kind, value, tb)
        except Exception:  # the reporter itself must never take the app down
            self.previous(kind, value, tb)
        finally:
            self._reporting = False

    def message(self, kind: type[BaseException], value: BaseException) -> str:
        return (
            f"Something went wrong inside digitpad:\n\n{kind.__name__}: {value}\n\n"
            "The window keeps working and your drawing is autosaved. "
            f"Details are in the log file:\n{log_path()}"
        )

    def _show(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        text = self.message(kind, value)
        if self.box is not None and self.box.isVisible():
            self.box.setText(text + f"\n\n({self.count} errors so far)")
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "digitpad: unexpected error", text, QMessageBox.StandardButton.Ok, self.parent)
        box.setDetailedText("".join(traceback.format_exception(kind, value, tb)))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.destroyed.connect(self._forget)
        self.box = box
        box.open()  # never exec(): a nested event loop here would block callers and tests

    def _forget(self) -> None:
        self.box = None


def install(parent: QWidget) -> CrashReporter:
    """Make uncaught exceptions show a dialog over ``parent``; returns the reporter (``.previous`` to undo)."""
    reporter = CrashReporter(parent, sys.excepthook)
    sys.excepthook = reporter
    return reporter
