"""The answer: a large verdict (digit + confidence) and a custom-painted bar chart of all ten.

Both widgets only display numbers they are handed (probabilities from the
model, the threshold from models/digit.json); they compute nothing.  Colours
come from the palette, so light and dark system themes both look right.
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """Colour between a (t=0) and b (t=1); used to derive subtle tones from the palette."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def percent(p: float) -> str:
    """'97%', '0.4%', '<0.1%': whole numbers where that is honest, a decimal for small values."""
    value = p * 100
    if value >= 9.95:
        return f"{value:.0f}%"
    if value >= 0.05:
        return f"{value:.1f}%"
    return "<0.1%" if value > 0 else "0%"


class ProbabilityChart(QWidget):
    """Ten horizontal bars 0-9 with percentages; the top digit highlighted.

    While bars are shown, a row is also a button: clicking it emits ``rowClicked(digit)``
    (the window stores the drawing as that digit); the row under the pointer is tinted.
    """

    painted = Signal()  # after each repaint; the latency benchmark waits on it
    rowClicked = Signal(int)

    ROW = 26
    #: Rows shrink to MIN_ROW in a small window and grow to MAX_ROW in a tall one.
    MIN_ROW = 18
    MAX_ROW = 32

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._probs: list[float] | None = None
        self._top: int | None = None
        self._message: str | None = None
        self._hover: int | None = None  # the row under the pointer
        self._pressed: int | None = None  # the row a click started on
        self.paint_count = 0
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(self.MIN_ROW * 10 + 8)
        self.setMaximumHeight(self.MAX_ROW * 10 + 8)
        self.setAccessibleName("Probabilities of the ten digits")

    def sizeHint(self) -> QSize:
        return QSize(260, self.ROW * 10 + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.MIN_ROW * 10 + 8)

    def row_height(self) -> float:
        """Height of one digit's row at the current size."""
        return min(max((self.height() - 8) / 10, self.MIN_ROW), self.MAX_ROW)

    def row_at(self, y: float) -> int | None:
        """The digit whose row covers widget height ``y``, or None outside the ten rows."""
        row = self.row_height()
        digit = int((y - 4) // row) if y >= 4 else -1
        return digit if 0 <= digit <= 9 else None

    def row_rect(self, digit: int) -> QRectF:
        """Where a digit's row is drawn (tests click its centre)."""
        return QRectF(0, 4 + digit * self.row_height(), self.width(), self.row_height())

    def clickable(self) -> bool:
        """Rows are buttons only while bars are shown (not on a blank canvas or over a message)."""
        return self._probs is not None and self._message is None

    def _set_hover(self, digit: int | None) -> None:
        digit = digit if self.clickable() else None
        if digit != self._hover:
            self._hover = digit
            self.setCursor(Qt.CursorShape.PointingHandCursor if digit is not None else Qt.CursorShape.ArrowCursor)
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._set_hover(self.row_at(event.position().y()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.clickable():
            self._pressed = self.row_at(event.position().y())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pressed, self._pressed = self._pressed, None
        if event.button() == Qt.MouseButton.LeftButton and pressed is not None:
            event.accept()
            # A click is press and release on the same row, as for a button; dragging off cancels it.
            if self.clickable() and self.row_at(event.position().y()) == pressed:
                self.rowClicked.emit(pressed)
            return
        super().mouseReleaseEvent(event)

    @property
    def probabilities(self) -> list[float] | None:
        return None if self._probs is None else list(self._probs)

    @property
    def top_digit(self) -> int | None:
        return self._top

    @property
    def message(self) -> str | None:
        return self._message

    def set_probabilities(self, probs: Sequence[float]) -> None:
        self._probs = [float(p) for p in probs]
        self._top = max(range(len(self._probs)), key=self._probs.__getitem__)
        self._message = None
        self.setToolTip("  ".join(f"{d}: {percent(p)}" for d, p in enumerate(self._probs))
                        + "\nWrong? Click the digit you meant (or type it on the canvas): "
                          "digitpad learns your handwriting.")
        self.update()

    def clear(self, message: str | None = None) -> None:
        """Empty bars, optionally with a message (e.g. a model error) drawn over them."""
        self._probs = None
        self._top = None
        self._message = message
        self._set_hover(None)
        self.setToolTip(message or "")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        # The chart sits on the answer card, whose background is the Base role.
        text = pal.color(QPalette.ColorRole.Text)
        window = pal.color(QPalette.ColorRole.Base)
        accent = pal.color(QPalette.ColorRole.Highlight)
        track = _mix(window, text, 0.08)
        muted_bar = _mix(window, text, 0.35)
        label_colour = _mix(window, text, 0.75)
        pct_colour = _mix(window, text, 0.6)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = QFont(self.font())
        metrics = painter.fontMetrics()
        label_w = metrics.horizontalAdvance("0") + 14
        pct_w = metrics.horizontalAdvance("100.0%") + 10
        bar_x = label_w
        bar_w = max(10.0, self.width() - label_w - pct_w)
        bar_h = 12.0
        row = self.row_height()
        for digit in range(10 if not self._message else 0):  # a message replaces the bars
            y = 4 + digit * row
            is_top = digit == self._top
            if digit == self._hover:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(_mix(window, accent, 0.12))
                painter.drawRoundedRect(QRectF(0, y + 1, self.width(), row - 2), 6, 6)
            f = QFont(font)
            f.setBold(is_top)
            painter.setFont(f)
            painter.setPen(accent if is_top else label_colour)
            painter.drawText(QRectF(0, y, label_w - 8, row), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(digit))
            track_rect = QRectF(bar_x, y + (row - bar_h) / 2, bar_w, bar_h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track)
            painter.drawRoundedRect(track_rect, bar_h / 2, bar_h / 2)
            if self._probs is not None:
                p = self._probs[digit]
                if p >= 0.01:  # below 1% a bar would be a misleading dot
                    fill = QRectF(track_rect.x(), track_rect.y(), max(bar_h, bar_w * p), bar_h)
                    painter.setBrush(accent if is_top else muted_bar)
                    painter.drawRoundedRect(fill, bar_h / 2, bar_h / 2)
                painter.setPen(accent if is_top else pct_colour)
                painter.drawText(
                    QRectF(bar_x + bar_w + 6, y, pct_w - 6, row),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    percent(p),
                )
        if self._message:
            painter.setFont(font)
            box = QRectF(self.rect()).adjusted(8, 8, -8, -8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_mix(window, QColor(200, 60, 50), 0.12))
            painter.drawRoundedRect(box, 8, 8)
            painter.setPen(text)
            painter.drawText(box.adjusted(12, 10, -12, -10), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
        painter.end()
        self.paint_count += 1
        self.painted.emit()


#: What the answer says before there is ink (the canvas itself invites drawing).
EMPTY_TEXT = "No ink yet"
#: The verdict's cue under an answer the personal samples took part in.
ADAPTED_TEXT = "adapted to your handwriting"


class Verdict(QWidget):
    """The large answer: the digit and how sure the model is, or 'not sure' with two candidates."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.digit_label = QLabel("")
        self.digit_label.setTextFormat(Qt.TextFormat.RichText)
        self.detail_label = QLabel("")
        self.digit_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_label.setWordWrap(True)
        big = QFont(self.font())
        big.setPointSizeF(max(big.pointSizeF(), 9.0) * 5.5)
        big.setWeight(QFont.Weight.DemiBold)
        self.digit_label.setFont(big)
        detail = QFont(self.font())
        detail.setPointSizeF(max(detail.pointSizeF(), 9.0) * 1.2)
        self.detail_label.setFont(detail)
        self.digit_label.setAccessibleName("Predicted digit")
        self.detail_label.setAccessibleName("Confidence")
        # Said whenever personal samples shaped the answer, so a reading that differs from
        # another person's (or from before) is explained.
        self.adapted_label = QLabel(ADAPTED_TEXT)
        self.adapted_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.adapted_label.setWordWrap(True)
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF(), 9.0) * 0.85)
        self.adapted_label.setFont(small)
        self.adapted_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.adapted_label.setAccessibleName("Adapted")
        self.adapted_label.setToolTip("Your own samples (Handwriting › My samples) took part in this answer.")
        keep = self.adapted_label.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # the answer does not jump when the cue comes and goes
        self.adapted_label.setSizePolicy(keep)
        self.adapted_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.digit_label)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.adapted_label)
        self.digit_label.setMinimumHeight(self.digit_label.fontMetrics().height())
        self.state = "hint"
        self._role: QPalette.ColorRole | None = None
        self.show_hint(EMPTY_TEXT)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:  # follow a light/dark switch
            self._set_digit_colour(self._role)

    def _set_digit_colour(self, role: QPalette.ColorRole | None) -> None:
        """Colour the digit with a palette role (None: the muted tone of 'not sure' and hints).

        Set as the label's own style sheet, not its palette: the answer card has a style
        sheet, and its polish when the window is first shown replaced a palette set before
        (a drawing restored at start showed its confident answer in the grey of 'not sure').
        """
        self._role = role
        source = self.palette()
        colour = source.color(role) if role is not None else _mix(
            source.color(QPalette.ColorRole.Base), source.color(QPalette.ColorRole.Text), 0.4
        )
        self.digit_label.setStyleSheet(f"color: {colour.name()};")

    def show_hint(self, text: str) -> None:
        """Nothing to judge yet: no digit (no stray dash), just a quiet line."""
        self.state = "hint"
        self.adapted_label.hide()
        self.digit_label.setText("")
        self._set_digit_colour(None)
        self.detail_label.setText(text)
        muted = _mix(self.palette().color(QPalette.ColorRole.Base), self.palette().color(QPalette.ColorRole.Text), 0.55)
        self.detail_label.setStyleSheet(f"color: {muted.name()};")

    def show_prediction(self, digit: int, confidence: float, top2: list[tuple[int, float]], threshold: float,
                        adapted: bool = False) -> None:
        """Below the model's threshold say 'not sure' and name the two leading candidates;
        ``adapted``: the user's own samples took part (a small cue says so)."""
        self.adapted_label.setVisible(adapted)
        if confidence < threshold:
            self.state = "not sure"
            self.detail_label.setStyleSheet("")
            (a, pa), (b, pb) = top2[0], top2[1]
            small = max(8.0, self.digit_label.font().pointSizeF() * 0.4)
            self.digit_label.setText(f"{a}<span style='font-size:{small:.0f}pt'>&nbsp;or&nbsp;</span>{b}")
            self._set_digit_colour(None)
            self.detail_label.setText(f"Not sure: {a} ({percent(pa)}) or {b} ({percent(pb)})")
        else:
            self.state = "sure"
            self.detail_label.setStyleSheet("")
            self.digit_label.setText(str(digit))
            self._set_digit_colour(QPalette.ColorRole.Highlight)
            self.detail_label.setText(f"{percent(confidence)} confident")

    def show_symbol(self, symbol: str, name: str) -> None:
        """A number's decimal point or minus: read by its shape, so no confidence to state."""
        self.state = "symbol"
        self.adapted_label.hide()
        self.detail_label.setStyleSheet("")
        self.digit_label.setText(symbol)
        self._set_digit_colour(QPalette.ColorRole.Highlight)
        self.detail_label.setText(f"{name} (read by its shape)")

    def show_error(self, title: str) -> None:
        self.state = "error"
        self.adapted_label.hide()
        self.detail_label.setStyleSheet("")
        self.digit_label.setText("!")
        self._set_digit_colour(None)
        self.detail_label.setText(title)
