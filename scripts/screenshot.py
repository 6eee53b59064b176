"""Screenshot of the digitpad window after drawing a digit with real mouse events.

    python scripts/screenshot.py                      # offscreen -> docs/screenshot.png
    python scripts/screenshot.py --theme dark --out /tmp/dark.png
    python scripts/screenshot.py --number 2025 --out /tmp/number.png   # a number, digit by digit
    xvfb-run -a python scripts/screenshot.py --platform xcb --out /tmp/x.png

Uses a temporary settings file, so the user's window geometry and pen width are
neither used nor changed.  QWidget.grab works on every platform plugin.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Digit shapes as polylines in 0..1 canvas coordinates (one list per stroke).
def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> list[tuple[float, float]]:
    return [
        (cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)), cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n)))
        for i in range(n + 1)
    ]


DIGITS: dict[str, list[list[tuple[float, float]]]] = {
    "3": [_arc(0.48, 0.33, 0.17, 0.15, -160, 90) + _arc(0.48, 0.64, 0.19, 0.17, -90, 160)],
    "2": [_arc(0.5, 0.34, 0.18, 0.16, -170, 40) + [(0.3, 0.78), (0.72, 0.78)]],
    "7": [[(0.28, 0.24), (0.72, 0.24), (0.45, 0.8)]],
    "0": [_arc(0.5, 0.5, 0.18, 0.28, -90, 270, 40)],
}


def draw_digit(canvas, strokes: list[list[tuple[float, float]]], steps: int = 6, page: bool = False) -> None:
    """Drive the canvas with real QTest mouse events along the polylines (interpolated): in 0..1
    coordinates of a square as high as the paper, centred on it, or (``page``) of the whole paper."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    rect = canvas.paper_rect()
    side = rect.height()
    x0, width = (rect.x(), rect.width()) if page else (rect.x() + (rect.width() - side) / 2, side)

    def to_widget(p: tuple[float, float]) -> QPoint:
        return QPoint(round(x0 + p[0] * width), round(rect.y() + p[1] * rect.height()))

    for stroke in strokes:
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(stroke[0]))
        for a, b in zip(stroke, stroke[1:]):
            for i in range(1, steps + 1):
                t = i / steps
                QTest.mouseMove(canvas, to_widget((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(stroke[-1]))


def dark_palette():
    """A dark palette like the system one, for showing the dark theme on any machine."""
    from PySide6.QtGui import QColor, QPalette

    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1f2125",
        QPalette.ColorRole.WindowText: "#e6e6e9",
        QPalette.ColorRole.Base: "#2a2d32",
        QPalette.ColorRole.AlternateBase: "#30343a",
        QPalette.ColorRole.Text: "#f2f2f4",
        QPalette.ColorRole.Button: "#2e3137",
        QPalette.ColorRole.ButtonText: "#e6e6e9",
        QPalette.ColorRole.Highlight: "#4c8dff",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Mid: "#45484f",
        QPalette.ColorRole.PlaceholderText: "#8b8f98",
        QPalette.ColorRole.ToolTipBase: "#2a2d32",
        QPalette.ColorRole.ToolTipText: "#e6e6e9",
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6f78"))
    return pal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--digit", default="3", choices=sorted(DIGITS))
    parser.add_argument("--number", default=None, help="write this number (digits 0-9) instead of --digit")
    parser.add_argument("--digit-height", type=float, default=0.3, help="with --number: digit height, of the page's")
    parser.add_argument("--select", type=int, default=None, help="with --number: click this digit (0 = first)")
    parser.add_argument("--theme", choices=["system", "light", "dark"], default="light")
    parser.add_argument("--platform", default=None, help="Qt platform plugin (default: offscreen unless set)")
    parser.add_argument("--size", default="980x640", help="window size WxH")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio (QT_SCALE_FACTOR)")
    args = parser.parse_args(argv)

    if args.platform:
        os.environ["QT_QPA_PLATFORM"] = args.platform
    else:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)

    import onnxruntime  # noqa: F401  (before Qt, as in the app)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from digitpad.gui.app import ensure_application
    from digitpad.gui.settings import Settings, open_settings
    from digitpad.gui.window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        os.environ["DIGITPAD_DATA_DIR"] = tmp  # autosave and log too: never the user's drawing
        app = ensure_application()
        if args.theme == "light":
            app.setStyle("Fusion")
            app.setPalette(app.style().standardPalette())
        elif args.theme == "dark":
            app.setStyle("Fusion")
            app.setPalette(dark_palette())
        window = MainWindow(settings=Settings(open_settings()))
        w, h = (int(v) for v in args.size.lower().split("x"))
        window.resize(w, h)
        window.show()
        for _ in range(5):
            app.processEvents()
        if args.number:
            from benchmarks.digit_shapes import number_strokes

            strokes = number_strokes(args.number, window.canvas.logical_size, height=args.digit_height, gap=0.3)
            draw_digit(window.canvas, strokes, page=True)
        else:
            draw_digit(window.canvas, DIGITS[args.digit])
        if args.select is not None:
            from PySide6.QtCore import QPoint, Qt
            from PySide6.QtTest import QTest

            centre = window.number_view.cell_rects()[args.select].center()
            QTest.mouseClick(window.number_view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             QPoint(round(centre.x()), round(centre.y())))
        deadline = time.monotonic() + 2.0
        while window.canvas.settle_pending() and time.monotonic() < deadline:  # smooth repaint after pen-up
            app.processEvents()
            time.sleep(0.005)
        for _ in range(5):
            app.processEvents()
        image = window.grab()
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        if not image.save(args.out, "PNG"):
            print(f"cannot write {args.out}", file=sys.stderr)
            return 1
        outcome = window.last_outcome
        if outcome is not None and outcome.several:
            said = outcome.number.text
        else:
            said = f"{outcome.prediction.digit} ({outcome.prediction.confidence:.0%})" if outcome and outcome.prediction else "nothing"
        print(f"{args.out}: {image.width()}x{image.height()}, drew {args.number or args.digit}, model said {said}")
        window.close()
        QApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
