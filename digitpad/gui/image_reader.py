"""Reads image files off the UI thread.

Decoding a phone photo and estimating its paper takes a few hundred milliseconds (a noisy
12 Mpx PNG ~0.7 s on a 2-core machine); on the UI thread that would freeze the window.
Pillow's decoders and numpy's large-array loops release the GIL, so a plain worker thread
keeps the window responsive.  Only the newest request is delivered: opening a second image
while the first is still being read drops the first, and so does opening a drawing.
"""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal


class ImageReader(QObject):
    """``read(path)`` -> later ``finished(path, ink)`` or ``failed(path, message)`` on the UI thread."""

    finished = Signal(object, object)  # Path, np.ndarray (uint8, ink bright)
    failed = Signal(object, str)  # Path, message naming the file

    #: emitted from the worker; a queued connection carries it to the UI thread
    _done = Signal(int, object, object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._requests = itertools.count(1)
        self._latest = 0
        self._done.connect(self._deliver)

    def cancel(self) -> None:
        """Drop the request under way (another file was opened after it): it is never shown."""
        self._latest = 0

    def read(self, path: str | os.PathLike) -> None:
        request = next(self._requests)
        self._latest = request
        path = Path(path)
        threading.Thread(target=self._work, args=(request, path), name="digitpad-image", daemon=True).start()

    def _work(self, request: int, path: Path) -> None:
        try:
            from digitpad.images import load_image

            self._done.emit(request, path, load_image(path), "")
        except ImportError:
            self._done.emit(request, path, None, "Image support (digitpad.images) is not available in this build.")
        except (ValueError, OSError) as exc:  # ImageError is a ValueError and names the file
            self._done.emit(request, path, None, str(exc))
        except Exception as exc:  # noqa: BLE001 - a decoder bug must still end as a message
            self._done.emit(request, path, None, f"{path}: cannot read image ({type(exc).__name__}: {exc})")

    def _deliver(self, request: int, path: Path, ink, message: str) -> None:
        if request != self._latest:
            return  # a newer request replaced this one
        self._latest = 0
        if message:
            self.failed.emit(path, message)
        else:
            self.finished.emit(path, ink)
