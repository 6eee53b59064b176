"""Helpers for the GUI tests: a shown window and real QTest mouse strokes.

Points are given in 0..1 paper coordinates, so a test draws the same digit at any
window size.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from digitpad.gui.settings import Settings, open_settings
from digitpad.gui.window import MainWindow


def make_window(qtbot, size: tuple[int, int] = (900, 600), **kwargs) -> MainWindow:
    """A shown MainWindow on the (temporary) settings the `qt_settings` fixture set up."""
    window = MainWindow(settings=Settings(open_settings()), **kwargs)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def to_widget(canvas, p: tuple[float, float]) -> QPoint:
    """A point in 0..1 coordinates of a square as high as the paper, centred on it -> widget
    pixels: a digit keeps its shape however wide the page is."""
    rect = canvas.paper_rect()
    side = rect.height()
    x0 = rect.x() + (rect.width() - side) / 2
    return QPoint(round(x0 + p[0] * side), round(rect.y() + p[1] * side))


def to_page(canvas, p: tuple[float, float]) -> QPoint:
    """A point in 0..1 coordinates of the whole paper (x across its width) -> widget pixels."""
    rect = canvas.paper_rect()
    return QPoint(round(rect.x() + p[0] * rect.width()), round(rect.y() + p[1] * rect.height()))


def mouse_stroke(canvas, stroke, steps: int = 6) -> None:
    """One stroke along a polyline: press, `steps` moves per segment, release."""
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, stroke[0]))
    for a, b in zip(stroke, stroke[1:]):
        for i in range(1, steps + 1):
            t = i / steps
            QTest.mouseMove(canvas, to_widget(canvas, (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(canvas, stroke[-1]))


def mouse_draw(canvas, strokes, steps: int = 4) -> None:
    """Several strokes, one after the other."""
    for stroke in strokes:
        mouse_stroke(canvas, stroke, steps)


def drop_file(window, path) -> None:
    """Drag a file onto the window and drop it, as from a file manager."""
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(window.rect().center())
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers))
