"""The person's handwriting samples as the window and its dialogs share them.

One :class:`~digitpad.personal_samples.SampleStore` (the file in the app-data folder),
the "Adapt to my handwriting" switch (remembered in the settings) and a ``changed``
signal after every change, so the window re-adapts its answers and an open
"My samples" dialog redraws, whoever made the change.  Thumbnails are made here
too (from the strokes, with the one renderer) and kept per sample id.

Changes raise as the store does (OSError: the file could not be written; ValueError:
the sample is refused); the caller says so to the person, naming :attr:`path`.
Nothing is lost in memory when a write fails: the store keeps what it had.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter

from digitpad.drawing import Drawing
from digitpad.personal_samples import SampleStore, sample_id_of
from digitpad.preprocess import ink_bbox
from digitpad.render import render
from digitpad.gui.settings import Settings

#: Side of a sample's thumbnail in "My samples" (logical pixels).
THUMBNAIL_SIDE = 56


def sample_id(sample: Drawing) -> str:
    """The store's id of a sample ('' for a drawing that is not one: a key for sets and caches)."""
    return sample_id_of(sample) or ""


def thumbnail(sample: Drawing, side: int = THUMBNAIL_SIDE, ratio: float = 1.0) -> QImage:
    """Dark ink on white, ``side`` logical pixels square, rendered from the strokes (their own widths).
    A page wider than tall (a digit taught from a number) shows the square of page height around
    its ink, so the digit is as large as on a square page."""
    ink = render(sample)
    height, width = ink.shape
    box = ink_bbox(ink) if width > height else None
    if box is not None:
        centre = (box[2] + box[3]) // 2
        left = min(max(0, centre - height // 2), width - height)
        ink = ink[:, left:left + height]
    ink = np.ascontiguousarray(ink)
    image = QImage(ink.data, ink.shape[1], ink.shape[0], ink.strides[0], QImage.Format.Format_Grayscale8).copy()
    image.invertPixels()
    pixels = max(1, round(side * ratio))
    image = image.scaled(pixels, pixels, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    painter = QPainter(image)  # the page's edge, so where on the page it was written shows
    painter.setPen(QColor(200, 200, 200))
    painter.drawRect(0, 0, image.width() - 1, image.height() - 1)
    painter.end()
    image.setDevicePixelRatio(ratio)
    return image


class Handwriting(QObject):
    """Samples + switch; ``changed`` after each change of either."""

    changed = Signal()

    def __init__(self, store: SampleStore, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self._thumbnails: dict[tuple[str, float], QImage] = {}

    @property
    def path(self) -> Path:
        """The samples file (named in every message about it)."""
        return Path(self.store.path)

    def load(self) -> str | None:
        """Read the file; None when fine, else the store's message (a damaged file was moved aside)."""
        message = self.store.load()
        self.changed.emit()
        return message

    @property
    def samples(self) -> list[Drawing]:
        return self.store.samples

    def count(self) -> int:
        return sum(self.store.counts())

    def counts(self) -> list[int]:
        return self.store.counts()

    @property
    def adapt(self) -> bool:
        return self.settings.adapt_to_handwriting

    def set_adapt(self, on: bool) -> None:
        if on != self.adapt:
            self.settings.adapt_to_handwriting = on
            self.settings.sync()
            self.changed.emit()

    def active(self) -> list[Drawing]:
        """The samples the answers adapt to: all of them, or none while the switch is off."""
        return self.store.samples if self.adapt else []

    def add(self, drawing: Drawing, label: int) -> Drawing:
        """Store a drawing as a sample of ``label``; the stored sample (with its id)."""
        sample = self.store.add(drawing, label)
        self.changed.emit()
        return sample

    def remove(self, ids: Iterable[str]) -> list[Drawing]:
        """Remove samples by id in one write (all or none: OSError); those removed (for Undo)."""
        removed = self.store.remove_many(ids)
        if removed:
            self.changed.emit()
        return removed

    def restore(self, samples: Iterable[Drawing]) -> int:
        """Put removed samples back (same ids) in one write; how many."""
        count = self.store.restore_many(samples)
        if count:
            self.changed.emit()
        return count

    def clear(self) -> list[Drawing]:
        removed = self.store.clear()
        self.changed.emit()
        return removed

    def export(self, path: Path) -> int:
        return self.store.export(path)

    def import_file(self, path: Path) -> int:
        count = self.store.import_file(path)
        self.changed.emit()
        return count

    def thumbnail(self, sample: Drawing, ratio: float = 1.0) -> QImage:
        """The sample's thumbnail, made once per id and screen ratio."""
        key = (sample_id(sample), ratio)
        image = self._thumbnails.get(key) if key[0] else None
        if image is None:
            image = thumbnail(sample, THUMBNAIL_SIDE, ratio)
            if key[0]:
                self._thumbnails[key] = image
        return image
