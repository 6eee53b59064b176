"""'What the model sees': the 28x28 model input scaled up with nearest-neighbour pixels.

Shows the preprocessor's real output (ink bright on black, as the model gets
it), so an odd prediction can be explained at a glance.  With no ink it shows
the empty paper.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette, QPainterPath
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitpad.preprocess import preview_uint8


class ModelPreview(QWidget):
    """Paints the 28x28 model input pixelated (no smoothing) in a rounded square."""

    SIDE = 112  # 4 screen pixels per model pixel
    MIN_SIDE = 84  # 3 per model pixel, in a small window

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._array: np.ndarray | None = None
        self._image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(self.MIN_SIDE, self.MIN_SIDE)
        self.setMaximumSize(self.SIDE, self.SIDE)
        self.setToolTip("What the model sees: your drawing cropped, scaled to 20 px and centred in 28x28")
        self.setAccessibleName("What the model sees")

    def sizeHint(self) -> QSize:
        return QSize(self.SIDE, self.SIDE)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.MIN_SIDE, self.MIN_SIDE)

    def square(self) -> QRectF:
        """Where the image is painted: a whole number of screen pixels per model pixel, centred."""
        side = max(28, min(self.width(), self.height()) // 28 * 28)
        return QRectF((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def set_model_input(self, model_input: np.ndarray | None) -> None:
        """(1, 1, 28, 28) model input, or None for a blank canvas."""
        if model_input is None:
            self._array = None
            self._image = None
        else:
            self._array = preview_uint8(model_input)
            arr = self._array
            self._image = QImage(arr.data, arr.shape[1], arr.shape[0], arr.strides[0], QImage.Format.Format_Grayscale8).copy()
        self.update()

    def image_array(self) -> np.ndarray | None:
        """The 28x28 uint8 shown (None when blank)."""
        return None if self._array is None else self._array.copy()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        square = self.square()
        rect = square.adjusted(0.5, 0.5, -0.5, -0.5)
        path = QPainterPath()
        path.addRoundedRect(rect, 8, 8)
        if self._image is None:  # nothing drawn: the empty paper, as on the canvas, not a black square
            painter.fillPath(path, self.palette().color(QPalette.ColorRole.Base))
        else:
            painter.fillPath(path, Qt.GlobalColor.black)
        if self._image is not None:
            painter.setClipPath(path)
            painter.drawImage(square, self._image)
            painter.setClipping(False)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.end()
