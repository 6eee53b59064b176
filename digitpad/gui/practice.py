"""Handwriting › Practice: write each digit a few times so digitpad learns the person's hand.

The dialog asks for the digits in rounds (each round 0-9 in a shuffled order, so the
hand does not fall into a rhythm): "Write a 4", "5 of 20".  It has its own
:class:`~digitpad.gui.canvas.Canvas` (the one the window draws on, same pen width).
Next (Enter) keeps the drawing as a sample of the asked digit, Skip moves on without
keeping it, Undo stroke (Ctrl+Z) takes back the last stroke, Done (Esc) closes.
Each kept drawing is stored at once, so closing early or a crash loses none of them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from digitpad.drawing import Drawing
from digitpad.gui.canvas import Canvas
from digitpad.gui.handwriting import Handwriting

#: Rounds of the ten digits one practice asks for.
ROUNDS = 2


def practice_order(rounds: int = ROUNDS, rng: random.Random | None = None) -> list[int]:
    """``rounds`` rounds of 0-9, each shuffled on its own (every digit once per round)."""
    rng = rng or random.Random()
    order: list[int] = []
    for _ in range(rounds):
        digits = list(range(10))
        rng.shuffle(digits)
        order += digits
    return order


class PracticeDialog(QDialog):
    """``order`` (tests) fixes the digits asked; ``saved`` counts the drawings kept."""

    def __init__(self, handwriting: Handwriting, stroke_width: float, parent: QWidget | None = None,
                 order: Sequence[int] | None = None) -> None:
        super().__init__(parent)
        self.handwriting = handwriting
        self.order = list(order) if order is not None else practice_order()
        self.index = 0
        self.saved = 0
        self.last_error: str | None = None
        self.setWindowTitle("Practice — digitpad")
        self.setSizeGripEnabled(True)

        self.prompt = QLabel()
        big = QFont(self.prompt.font())
        big.setPointSizeF(max(big.pointSizeF(), 9.0) * 1.8)
        big.setWeight(QFont.Weight.DemiBold)
        self.prompt.setFont(big)
        self.progress = QLabel()
        self.progress.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint = QLabel()
        self.hint.setWordWrap(True)

        self.canvas = Canvas()
        self.canvas.set_stroke_width(stroke_width)
        self.canvas.setMinimumSize(260, 260)
        self.canvas.inkChanged.connect(self._update_buttons)

        self.undo_button = QPushButton("Undo stroke")
        self.undo_button.setToolTip("Take back the last stroke (Ctrl+Z)")
        self.undo_button.clicked.connect(self.canvas.undo)
        self.skip_button = QPushButton("Skip")
        self.skip_button.setToolTip("Go on to the next digit without keeping this one")
        self.skip_button.clicked.connect(self.skip)
        self.next_button = QPushButton("Next")
        self.next_button.setToolTip("Keep this drawing and go on (Enter)")
        self.next_button.clicked.connect(self.next)
        self.done_button = QPushButton("Done")
        self.done_button.setToolTip("Close; every drawing kept so far stays kept (Esc)")
        self.done_button.clicked.connect(self.accept)
        for button in (self.undo_button, self.skip_button, self.done_button):
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.next_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the canvas keeps the keys
        self.next_button.setDefault(True)
        undo_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        undo_key.activated.connect(self.canvas.undo)

        head = QHBoxLayout()
        head.addWidget(self.prompt, 1)
        head.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        self.resize(420, 520)
        self._ask()

    @property
    def current_digit(self) -> int | None:
        """The digit asked for now; None once every one was asked."""
        return self.order[self.index] if self.index < len(self.order) else None

    def _ask(self) -> None:
        digit = self.current_digit
        self.canvas.reset()
        if digit is None:
            self.prompt.setText("All done — thank you")
            self.progress.setText("")
            self.hint.setText(f"{self.saved} drawing{'s' if self.saved != 1 else ''} kept; "
                              f"{self.handwriting.count()} samples in all. Handwriting › My samples shows them.")
            self.canvas.hint = ""
            self.canvas.setEnabled(False)
            self.done_button.setDefault(True)
            self.done_button.setFocus()
        else:
            self.prompt.setText(f"Write a {digit}")
            self.progress.setText(f"{self.index + 1} of {len(self.order)}")
            self.hint.setText("Write it as you usually do. Enter keeps it and asks for the next.")
            self.canvas.hint = f"Write a {digit}"
            self.canvas.setFocus()
        self.canvas.update()
        self._update_buttons()

    def _update_buttons(self, *_) -> None:
        asking = self.current_digit is not None
        self.undo_button.setEnabled(asking and self.canvas.can_undo())
        self.skip_button.setEnabled(asking)
        self.next_button.setEnabled(asking)

    def next(self) -> None:
        """Keep the drawing as the asked digit and ask for the next (Enter)."""
        digit = self.current_digit
        if digit is None:
            return
        shown = self.canvas.drawing()
        if shown.is_empty():
            self.hint.setText(f"Write a {digit} on the page first, or Skip it.")
            return
        try:
            self.handwriting.add(Drawing(shown.width, shown.height, shown.strokes, {}), digit)
        except (OSError, ValueError) as exc:
            self.last_error = f"Your {digit} could not be saved to {self.handwriting.path}.\n\n{exc}"
            box = QMessageBox(QMessageBox.Icon.Warning, "Cannot save the sample", self.last_error,
                              QMessageBox.StandardButton.Ok, self)
            box.setWindowModality(Qt.WindowModality.WindowModal)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            box.open()
            return  # the drawing stays on the page
        self.saved += 1
        self.index += 1
        self._ask()

    def skip(self) -> None:
        if self.current_digit is not None:
            self.index += 1
            self._ask()
