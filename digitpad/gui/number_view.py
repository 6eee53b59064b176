"""The number read from the canvas, large: one cell per symbol with a confidence cue.

Displays what it is handed (each symbol, its confidence and whether the model is
sure, from the core's NumberReading) and computes nothing.  A click on a symbol
emits ``symbolClicked(index)``; the window then shows that digit's chart and
28x28 input.  Left/Right move the selection when the view has the focus (the
digit keys are left alone: the canvas uses them).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitpad.gui.chart import _mix, percent

#: Colour of the "not sure" mark, mixed into the palette so it suits light and dark themes.
_WARN = QColor(214, 120, 20)


@dataclass(frozen=True)
class Symbol:
    """One cell of the view: the character, the model's confidence (None: read by shape) and its doubt."""

    text: str
    confidence: float | None
    not_sure: bool


def describe(symbol: Symbol) -> str:
    """A cell's tooltip: what was read and how sure the model is."""
    if symbol.confidence is None:
        return {".": "Decimal point (read by its shape)", "-": "Minus sign (read by its shape)"}.get(symbol.text, symbol.text)
    sure = "not sure" if symbol.not_sure else "confident"
    return f"{symbol.text}: {percent(symbol.confidence)} {sure}"


class NumberView(QWidget):
    """The number, one cell per symbol: a bar under each digit shows its confidence, a "?" marks doubt."""

    symbolClicked = Signal(int)

    HEIGHT = 64
    PAD = 6  # horizontal padding inside a cell

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._symbols: list[Symbol] = []
        self._selected: int | None = None
        self.hint = "Write a number: its digits appear here"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.HEIGHT)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAccessibleName("Number read")
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(400, self.HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.HEIGHT)

    # ----------------------------------------------------------------- content

    @property
    def text(self) -> str:
        return "".join(s.text for s in self._symbols)

    @property
    def selected(self) -> int | None:
        return self._selected

    def set_symbols(self, symbols: list[Symbol], selected: int | None) -> None:
        """Show a reading (an empty list: the hint); ``selected`` is highlighted."""
        self._symbols = list(symbols)
        self._selected = selected if selected is not None and 0 <= selected < len(symbols) else None
        self.setAccessibleDescription(self.text)
        self.setToolTip("Click a digit to see its ten bars and what the model saw" if len(symbols) > 1 else "")
        self.update()

    # ----------------------------------------------------------------- geometry

    def _font(self) -> QFont:
        """The digits' font: as large as the height allows, smaller when the number would not fit."""
        font = QFont(self.font())
        font.setWeight(QFont.Weight.DemiBold)
        font.setPixelSize(self.HEIGHT - 24)
        if self._symbols:
            metrics = QFontMetricsF(font)
            need = sum(metrics.horizontalAdvance(s.text) + 2 * self.PAD for s in self._symbols)
            if need > self.width() - 8:
                font.setPixelSize(max(10, int(font.pixelSize() * (self.width() - 8) / need)))
        return font

    def cell_rects(self) -> list[QRectF]:
        """Where each symbol is painted (clicks and tests use them), centred as a row."""
        metrics = QFontMetricsF(self._font())
        widths = [metrics.horizontalAdvance(s.text) + 2 * self.PAD for s in self._symbols]
        x = (self.width() - sum(widths)) / 2
        rects = []
        for w in widths:
            rects.append(QRectF(x, 2, w, self.height() - 4))
            x += w
        return rects

    def index_at(self, x: float, y: float) -> int | None:
        for i, rect in enumerate(self.cell_rects()):
            if rect.contains(x, y):
                return i
        return None

    # ----------------------------------------------------------------- input

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().x(), event.position().y())
        if event.button() == Qt.MouseButton.LeftButton and index is not None:
            self.symbolClicked.emit(index)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().x(), event.position().y())
        self.setCursor(Qt.CursorShape.PointingHandCursor if index is not None and len(self._symbols) > 1
                       else Qt.CursorShape.ArrowCursor)
        tip = describe(self._symbols[index]) if index is not None else ""
        if tip != self.toolTip():
            self.setToolTip(tip)
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if step is not None and self._symbols:
            current = self._selected if self._selected is not None else (-1 if step > 0 else len(self._symbols))
            self.symbolClicked.emit(min(max(current + step, 0), len(self._symbols) - 1))
            event.accept()
            return
        super().keyPressEvent(event)

    # ----------------------------------------------------------------- painting

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Window)
        text = pal.color(QPalette.ColorRole.WindowText)
        accent = pal.color(QPalette.ColorRole.Highlight)
        muted = _mix(base, text, 0.45)
        warn = _mix(_WARN, text, 0.15)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if not self._symbols:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self.hint)
            painter.end()
            return
        font = self._font()
        small = QFont(self.font())
        small.setPixelSize(max(9, font.pixelSize() // 3))
        small.setBold(True)
        several = len(self._symbols) > 1
        for i, (symbol, rect) in enumerate(zip(self._symbols, self.cell_rects())):
            if several and i == self._selected:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(_mix(base, accent, 0.18))
                painter.drawRoundedRect(rect, 8, 8)
            glyph = rect.adjusted(0, 0, 0, -10)
            painter.setFont(font)
            painter.setPen(muted if symbol.not_sure else (accent if not several or i == self._selected else text))
            painter.drawText(glyph, Qt.AlignmentFlag.AlignCenter, symbol.text)
            if symbol.not_sure:
                painter.setFont(small)
                painter.setPen(warn)
                painter.drawText(rect.adjusted(0, 2, -2, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, "?")
            if symbol.confidence is not None:  # the confidence cue: a bar as long as the cell times the top probability
                track = QRectF(rect.x() + self.PAD, rect.bottom() - 8, rect.width() - 2 * self.PAD, 3)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(_mix(base, text, 0.12))
                painter.drawRoundedRect(track, 1.5, 1.5)
                painter.setBrush(warn if symbol.not_sure else accent)
                painter.drawRoundedRect(QRectF(track.x(), track.y(), max(3.0, track.width() * symbol.confidence), 3), 1.5, 1.5)
        painter.end()
