"""The main window: canvas on the left, the answer on the right, menus, shortcuts, files.

Data flows one way: canvas input -> strokes -> ink image -> Predictor
(preprocess + model, the drawing read as a number) -> Outcome -> verdict, chart,
preview, number view, digit boxes on the canvas, status bar.  For a number, the
verdict, chart and preview show one selected digit (a click in the number view).
The window only wires these together and handles files and dialogs.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QIcon,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

import digitpad
from digitpad import drawing as drawing_io
from digitpad import resources
from digitpad.render import INTERACTIVE_MAX_POINTS
from digitpad.drawing import atomic_write_bytes
from digitpad.gui.adapter import PersonalAdapter
from digitpad.personal_features import FEATURES_FILE
from digitpad.gui.autosave import Autosave
from digitpad.gui.canvas import UNDO_LIMIT, Canvas, DigitMark
from digitpad.gui.chart import EMPTY_TEXT, ProbabilityChart, Verdict, percent
from digitpad.gui.document import Document
from digitpad.gui.handwriting import Handwriting, sample_id
from digitpad.gui.image_reader import ImageReader
from digitpad.gui.number_view import NumberView, Symbol
from digitpad.gui.predictor import Outcome, Predictor
from digitpad.gui.preview import ModelPreview
from digitpad.gui.settings import MAX_STROKE_WIDTH, MIN_STROKE_WIDTH, Settings
from digitpad.logs import data_dir
from digitpad.personal_samples import SAMPLES_FILE, SampleStore
from digitpad.preprocess import PREPROCESS_VERSION
from digitpad.recognizer import Prediction

log = logging.getLogger("digitpad.gui")

try:  # the image loader's own list, so the dialog, drag & drop and loader agree
    from digitpad.images import IMAGE_SUFFIXES
except ImportError:
    IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
#: `.digitpad` first: Save's default, the suffix the .deb's MIME type claims; `.json` still opens.
DRAWING_SUFFIXES = (".digitpad", ".json", ".json.gz")
DRAWING_FILTER = "digitpad drawings (*.digitpad *.json *.json.gz)"
IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ")"
#: The Open dialog's first (default) filter: everything the app can open.
OPEN_FILTER = "Drawings and images (" + " ".join(f"*{s}" for s in (*DRAWING_SUFFIXES, *IMAGE_SUFFIXES)) + ")"


def app_icon() -> QIcon:
    """The app icon from assets/ when a colleague's icon is there; an empty icon otherwise."""
    path = resources.asset_path("digitpad.png")
    return QIcon(str(path)) if path.is_file() else QIcon()


def unique_shortcuts(shortcuts: list) -> list[QKeySequence]:
    """Key sequences for an action, each once, in order.

    A standard key expands to the platform's bindings, which may already contain an
    explicit extra (StandardKey.Quit is Ctrl+Q on Linux): Qt treats an action holding
    the same sequence twice as an ambiguous overload and then ignores the key.
    """
    result: list[QKeySequence] = []
    for item in shortcuts:
        sequences = QKeySequence.keyBindings(item) if isinstance(item, QKeySequence.StandardKey) else [QKeySequence(item)]
        for sequence in sequences:
            if not sequence.isEmpty() and sequence not in result:
                result.append(sequence)
    return result


def _is_drawing(path: Path) -> bool:
    return path.name.lower().endswith(DRAWING_SUFFIXES)


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


#: Width of the answer card: the verdict beside the 28x28 preview, and ten bars with percentages.
PANEL_WIDTH = 300


class ToolRows(QWidget):
    """The pen width and the edit buttons: one row when the window is wide, two when it is narrow."""

    def __init__(self, first: list[QWidget], second: list[QWidget]) -> None:
        super().__init__()
        self._first, self._second = first, second
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(6)
        self._one_row: bool | None = None
        self._arrange(True)

    def _needed(self) -> int:
        widgets = self._first + self._second
        return sum(w.minimumSizeHint().width() for w in widgets) + 8 * len(widgets) + 24

    def _arrange(self, one_row: bool) -> None:
        if one_row == self._one_row:
            return
        self._one_row = one_row
        for widget in self._first + self._second:
            self._grid.removeWidget(widget)
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 0)
        for i, widget in enumerate(self._first):
            self._grid.addWidget(widget, 0, i)
        if one_row:
            gap = len(self._first)
            self._grid.setColumnStretch(gap, 1)
            for i, widget in enumerate(self._second):
                self._grid.addWidget(widget, 0, gap + 1 + i)
        else:
            self._grid.setColumnStretch(len(self._first), 1)
            for i, widget in enumerate(self._second):
                self._grid.addWidget(widget, 1, i)

    def minimumSizeHint(self) -> QSize:
        first = sum(w.minimumSizeHint().width() for w in self._first) + 8 * len(self._first)
        second = sum(w.minimumSizeHint().width() for w in self._second) + 8 * len(self._second)
        return QSize(max(first, second), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:
        self._arrange(self.width() >= self._needed())
        super().resizeEvent(event)


def _section_title(text: str) -> QLabel:
    label = QLabel(text.upper())
    font = QFont(label.font())
    font.setPointSizeF(max(font.pointSizeF(), 9.0) * 0.82)
    font.setWeight(QFont.Weight.DemiBold)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
    label.setFont(font)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class MainWindow(QMainWindow):
    """digitpad's window.  ``model_path``, ``settings``, ``autosave`` and ``samples`` exist so tests
    can inject them."""

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        settings: Settings | None = None,
        autosave: Autosave | None = None,
        samples: SampleStore | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings if settings is not None else Settings()
        self.autosave = autosave if autosave is not None else Autosave(data_dir())
        self.autosave.setParent(self)
        self.autosave.failed.connect(self._on_autosave_failed)
        self.image_reader = ImageReader(self)
        self.image_reader.finished.connect(self._on_image_read)
        self.image_reader.failed.connect(self._on_image_failed)
        self.restored = False  # True when the last session's drawing was brought back
        self.predictor = Predictor(model_path)
        self.handwriting = Handwriting(samples if samples is not None else SampleStore(data_dir() / SAMPLES_FILE),
                                       self.settings, self)
        self.predictor.feature_file = self.handwriting.path.with_name(FEATURES_FILE)  # beside the samples
        self.last_outcome: Outcome | None = None
        self.selected_digit: int | None = None  # the number's symbol the answer card shows
        self.last_error: str | None = None  # the last message shown in an error box (tests read it)
        self._message_box: QMessageBox | None = None

        self.setWindowTitle("digitpad")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._build_ui()
        self._build_actions()
        self._update_title()

        geometry = self.settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            if geometry is not None:
                self.settings.problem("the saved window geometry is not valid; using the default size")
            self.resize(980, 640)
        self._show_outcome(None)
        self._state_message: str | None = None  # a status text true only while the canvas is unchanged
        self._settings_note = "  ".join(f"Settings: {p}." for p in self._settings_problems())
        self._samples_dialog = None
        self._practice_dialog = None
        self._taught: tuple[str, str] | None = None  # (status text, sample id) while Undo is offered
        self.adapter = PersonalAdapter(self.predictor, self)
        self.adapter.adapted.connect(self._on_adapted)
        samples_note = self._load_samples()  # before the autosave: a restored drawing is read adapted
        if samples_note:
            self._settings_note = "  ".join(m for m in (samples_note, self._settings_note) if m)
        restored = self._restore_autosave()
        if restored:
            self._show_state_message("  ".join(m for m in (restored, self._settings_note) if m), 15000)
        elif self._settings_note:
            self.statusBar().showMessage(self._settings_note, 15000)
        else:
            self.statusBar().showMessage("Draw with the mouse, a pen or a finger. Esc clears, Ctrl+Z undoes.", 8000)
        self.canvas.setFocus()  # digit keys teach from the start

    def _show_state_message(self, text: str, timeout: int = 0) -> None:
        """A status text describing the canvas as it is now; the next edit takes it away."""
        self._state_message = text
        self.statusBar().showMessage(text, timeout)

    def _end_state_message(self) -> None:
        """The canvas changed: a message about how it was would now mislead."""
        if self._state_message is None:
            return
        if self.statusBar().currentMessage() == self._state_message:
            if self._settings_note and self._settings_note in self._state_message:
                self.statusBar().showMessage(self._settings_note, 10000)  # still true
            else:
                self.statusBar().clearMessage()
        self._state_message = None

    def _settings_problems(self) -> list[str]:
        for problem in self.settings.problems:
            log.warning("settings: %s", problem)
        return list(self.settings.problems)

    def _restore_autosave(self) -> str:
        """Bring back the last session's drawing as an undoable step; the status text to show, or ''."""
        drawing = self.autosave.load()
        if drawing is None:
            return ""
        try:
            self.canvas.set_drawing(drawing, fit=True)  # made on this canvas: the page follows the window again
        except ValueError as exc:  # too costly to paint: kept aside, never offered again, never lost
            aside = self.autosave.set_aside(".refused", f"not restored ({exc})")
            kept = f"It is kept as {aside}." if aside is not None else f"It is still in {self.autosave.path}."
            return f"Your last drawing was not restored: {exc}. {kept}"
        self.restored = True
        n = sum(1 for s in drawing.strokes if s.points)
        log.info("restored %d strokes from %s", n, self.autosave.path)
        undo = self.undo_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        return f"Restored your drawing from last time ({n} stroke{'s' if n != 1 else ''}). Undo ({undo}) removes it."

    def _autosave_now(self) -> None:
        # An opened image is the person's own file; only drawings need keeping.
        self.autosave.submit(None if self.canvas.has_picture() else self.canvas.drawing())

    def _on_autosave_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"{message}. Use File › Save to keep this drawing.", 15000)

    # ----------------------------------------------------------------- UI

    def _build_ui(self) -> None:
        self.canvas = Canvas()
        self.canvas.set_stroke_width(self.settings.stroke_width)
        self.canvas.inkChanged.connect(self._on_ink_changed)
        self.canvas.historyChanged.connect(self._update_actions)
        self.canvas.digitTyped.connect(self.teach)

        self.width_slider = QSlider(Qt.Orientation.Horizontal)
        self.width_slider.setRange(MIN_STROKE_WIDTH, MAX_STROKE_WIDTH)
        self.width_slider.setValue(int(self.settings.stroke_width))
        self.width_slider.setToolTip("Width of the next stroke (canvas units; the canvas is 280 high)")
        self.width_slider.setAccessibleName("Pen width")
        self.width_slider.setMinimumWidth(80)
        self.width_slider.setMaximumWidth(200)
        self.width_value = QLabel()
        self.width_value.setMinimumWidth(self.width_value.fontMetrics().horizontalAdvance("48 px") + 4)
        self.width_slider.valueChanged.connect(self._on_width_changed)
        self._on_width_changed(self.width_slider.value())

        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.clear_button = QPushButton("Clear")
        for button in (self.undo_button, self.redo_button, self.clear_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumWidth(64)
        self.undo_button.clicked.connect(self.canvas.undo)
        self.redo_button.clicked.connect(self.canvas.redo)
        self.clear_button.clicked.connect(self.canvas.clear)

        pen_label = QLabel("Pen width")
        pen_label.setBuddy(self.width_slider)
        self.tools = ToolRows([pen_label, self.width_slider, self.width_value],
                              [self.undo_button, self.redo_button, self.clear_button])

        self.number_view = NumberView()
        self.number_view.symbolClicked.connect(self.select_digit)

        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.canvas, 1)
        left.addWidget(self.number_view)
        left.addSpacing(4)
        left.addWidget(self.tools)

        self.verdict = Verdict()
        self.verdict.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.chart = ProbabilityChart()
        self.chart.rowClicked.connect(self.teach)
        self.preview = ModelPreview()
        self.preview.setToolTip("What the model sees: your ink cropped, scaled to 20 px and centred "
                                "in 28 × 28 pixels, as in training")

        panel = QFrame()
        panel.setObjectName("answerPanel")
        panel.setStyleSheet(
            "QFrame#answerPanel { background: palette(base); border: 1px solid palette(mid); border-radius: 10px; }"
        )
        panel.setFixedWidth(PANEL_WIDTH)
        panel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        # The answer and what the model saw side by side, the ten bars below: the whole
        # card fits a 640x480 window, and in a taller one the bars get the extra height.
        answer = QVBoxLayout()
        answer.setSpacing(4)
        answer.addWidget(_section_title("Prediction"))
        answer.addWidget(self.verdict, 0, Qt.AlignmentFlag.AlignTop)
        answer.setAlignment(Qt.AlignmentFlag.AlignTop)
        seen = QVBoxLayout()
        seen.setSpacing(4)
        seen.addWidget(_section_title("Model sees"))
        seen.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        top = QWidget()
        top.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)  # never taller than it needs
        row = QHBoxLayout(top)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        row.addLayout(answer, 1)
        row.addLayout(seen, 0)
        right = QVBoxLayout(panel)
        right.setContentsMargins(16, 14, 16, 14)
        right.setSpacing(8)
        right.addWidget(top)
        right.addSpacing(4)
        right.addWidget(_section_title("All ten digits"))
        right.addWidget(self.chart, 1)
        right.addStretch(0)  # takes only what the bars, at their largest rows, leave

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(12)
        layout.addLayout(left, 1)
        layout.addWidget(panel)
        self.setCentralWidget(central)

        # Offered beside "Saved as a 7 for your handwriting": takes that sample back.
        self.sample_undo_button = QPushButton("Undo")
        self.sample_undo_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sample_undo_button.setToolTip("Remove the sample just saved")
        self.sample_undo_button.clicked.connect(self.undo_teach)
        self.sample_undo_button.hide()
        self.statusBar().addPermanentWidget(self.sample_undo_button)
        self.statusBar().messageChanged.connect(self._on_status_changed)
        self.latency_label = QLabel()
        self.statusBar().addPermanentWidget(self.latency_label)
        self.statusBar().setSizeGripEnabled(True)

    def _action(self, text: str, slot, shortcuts: list, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setShortcuts(unique_shortcuts(shortcuts))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        Std = QKeySequence.StandardKey
        self.open_action = self._action("&Open…", self.open_dialog, [Std.Open], "Open a drawing or an image")
        self.save_action = self._action("&Save", self.save, [Std.Save], "Save the drawing")
        self.save_as_action = self._action("Save &As…", self.save_as_dialog, [Std.SaveAs], "Save the drawing under a new name")
        self.export_action = self._action("&Export PNG…", self.export_dialog, ["Ctrl+E"], "Export the drawing as a PNG image")
        self.quit_action = self._action("&Quit", self.close, [Std.Quit, "Ctrl+Q"])
        self.undo_action = self._action("&Undo", self.canvas.undo, [Std.Undo], "Undo the last stroke")
        self.redo_action = self._action("&Redo", self.canvas.redo, ["Ctrl+Shift+Z", "Ctrl+Y"], "Redo")
        self.clear_action = self._action("&Clear", self.canvas.clear, ["Esc", "Delete"], "Clear the canvas")
        self.copy_action = self._action("&Copy", self.copy_number, [Std.Copy], "Copy the number (or the digit) read")
        self.about_action = self._action("&About digitpad", self.show_about, [], "About digitpad and its model")
        self.practice_action = self._action("&Practice…", self.show_practice, [],
                                            "Write each digit a few times so digitpad learns your handwriting")
        self.samples_action = self._action("&My samples…", self.show_samples, [],
                                           "See, delete, export or import your handwriting samples")
        self.adapt_action = self._action("&Adapt to my handwriting", self.handwriting.set_adapt, [],
                                         "Let your samples take part in every answer")
        self.adapt_action.setCheckable(True)
        self.adapt_action.setChecked(self.handwriting.adapt)

        files = self.menuBar().addMenu("&File")
        for action in (self.open_action, self.save_action, self.save_as_action, self.export_action):
            files.addAction(action)
        files.addSeparator()
        files.addAction(self.quit_action)
        edit = self.menuBar().addMenu("&Edit")
        for action in (self.undo_action, self.redo_action):
            edit.addAction(action)
        edit.addSeparator()
        edit.addAction(self.copy_action)
        edit.addSeparator()
        edit.addAction(self.clear_action)
        hand = self.menuBar().addMenu("Hand&writing")
        hand.addAction(self.practice_action)
        hand.addAction(self.samples_action)
        hand.addSeparator()
        hand.addAction(self.adapt_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.about_action)

        self.undo_button.setToolTip(f"Undo the last stroke ({self.undo_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
        self.redo_button.setToolTip("Redo (Ctrl+Shift+Z or Ctrl+Y)")
        self.clear_button.setToolTip("Clear the canvas (Esc or Delete)")
        self._update_actions()

    def _update_actions(self) -> None:
        self.undo_action.setEnabled(self.canvas.can_undo())
        self.redo_action.setEnabled(self.canvas.can_redo())
        self.undo_button.setEnabled(self.canvas.can_undo())
        self.redo_button.setEnabled(self.canvas.can_redo())
        self.clear_button.setEnabled(not self.canvas.is_empty())
        self.clear_action.setEnabled(not self.canvas.is_empty())
        self.copy_action.setEnabled(bool(self.number_text()))

    @property
    def current_path(self) -> Path | None:
        """The file Save writes to: the current undo step's document's (see gui/document.py)."""
        return self.canvas.document.path

    def _update_title(self) -> None:
        """Title and modified mark from the canvas's document, after every edit, undo and redo."""
        title = f"{self.canvas.document.name}[*] — digitpad"
        if title != self.windowTitle():
            self.setWindowTitle(title)
        self.setWindowModified(self.canvas.is_modified())

    def _on_width_changed(self, value: int) -> None:
        self.width_value.setText(f"{value} px")
        self.canvas.set_stroke_width(value)
        self.settings.stroke_width = value

    # ----------------------------------------------------------------- prediction

    def _on_ink_changed(self, final: bool) -> None:
        """Pen-up / edits (final) and the throttled live refresh while drawing."""
        self.predict_now(final)
        if final:
            self._end_state_message()
            self._update_title()
            self._update_actions()
            self._autosave_now()

    def predict_now(self, final: bool = True) -> Outcome | None:
        """Read the canvas and show it.  While a stroke is drawn (not ``final``) a single digit
        is previewed live as ever; a number keeps its last reading until the pen lifts."""
        if not final and self.last_outcome is not None and self.last_outcome.several:
            return self.last_outcome
        outcome = self.predictor.run(self.canvas.ink_array(), self.canvas.strokes_shown(), as_number=final)
        self._show_outcome(outcome)
        return outcome

    def number_text(self) -> str:
        """What Copy puts on the clipboard: the number read, or the single digit ('' when blank)."""
        outcome = self.last_outcome
        if outcome is not None and outcome.several:
            return outcome.number.text
        if outcome is None or outcome.prediction is None:
            return ""
        return str(outcome.prediction.digit)

    def copy_number(self) -> None:
        text = self.number_text()
        if not text:
            self.statusBar().showMessage("Nothing to copy: the canvas is blank.", 4000)
            return
        QApplication.clipboard().setText(text)
        self.statusBar().showMessage(f"Copied {text}", 4000)

    def select_digit(self, index: int) -> None:
        """Show one symbol of the number in the answer card (chart, verdict, preview, its box)."""
        outcome = self.last_outcome
        if outcome is None or not outcome.several or not 0 <= index < len(outcome.number.digits):
            return
        self.selected_digit = index
        self._show_number(outcome)  # the view's and the canvas's selection
        self._show_selected(outcome)

    @staticmethod
    def _default_digit(outcome: Outcome) -> int:
        """The first digit the model is not sure of (the one worth checking), else the first digit."""
        digits = outcome.number.digits
        unsure = [i for i, d in enumerate(digits) if d.not_sure]
        return unsure[0] if unsure else next((i for i, d in enumerate(digits) if d.probs is not None), 0)

    def _show_number(self, outcome: Outcome | None) -> None:
        """The number view and the digit boxes follow the reading (boxes only for several symbols)."""
        number = outcome.number if outcome is not None and (outcome.several or outcome.prediction is not None) else None
        if number is None:
            self.number_view.set_symbols(
                [Symbol(str(outcome.prediction.digit), outcome.prediction.confidence,
                        outcome.prediction.confidence < outcome.not_sure_threshold)]
                if outcome is not None and outcome.prediction is not None else [], None)
            self.canvas.set_marks([])
            return
        symbols = [Symbol(d.symbol, None if d.probs is None else d.confidence, d.not_sure) for d in number.digits]
        self.number_view.set_symbols(symbols, self.selected_digit)
        if len(number.digits) > 1:
            self.canvas.set_marks([DigitMark(d.box, i == self.selected_digit, d.not_sure)
                                   for i, d in enumerate(number.digits)])
        else:
            self.canvas.set_marks([])

    def _show_selected(self, outcome: Outcome) -> None:
        """Verdict, chart and preview for the selected symbol of a number (the number view and boxes
        are the caller's: ``_show_number``)."""
        digit = outcome.number.digits[self.selected_digit]
        self.preview.set_model_input(digit.model_input)
        if digit.probs is None:
            self.verdict.show_symbol(digit.symbol, {".": "Decimal point", "-": "Minus sign"}.get(digit.symbol, ""))
            self.chart.clear()
            return
        pred = Prediction(digit.probs)
        self.verdict.show_prediction(pred.digit, pred.confidence, pred.top2(), outcome.not_sure_threshold,
                                     outcome.personal)
        self.chart.set_probabilities(pred.probs)

    def _show_outcome(self, outcome: Outcome | None) -> None:
        self.last_outcome = outcome
        self.selected_digit = self._default_digit(outcome) if outcome is not None and outcome.several else None
        self._show_number(outcome)
        self.copy_action.setEnabled(bool(self.number_text()))
        self.preview.set_model_input(outcome.model_input if outcome is not None else None)
        error = self.predictor.error if outcome is None else outcome.error
        if error:
            self.verdict.show_error("Model unavailable")
            self.chart.clear(f"The model could not be loaded, so nothing is recognised.\n\n{error}\n\nDrawing still works.")
            self.latency_label.setText("no model")
            return
        if outcome is not None and outcome.several:
            self.latency_label.setText(f"Last prediction: {outcome.latency_ms:.1f} ms")
            self._show_selected(outcome)
            return
        if outcome is None or outcome.blank or outcome.prediction is None:
            self.verdict.show_hint(EMPTY_TEXT)
            self.chart.clear()
            if outcome is not None:
                self.latency_label.setText("")
            return
        self.latency_label.setText(f"Last prediction: {outcome.latency_ms:.1f} ms")
        pred = outcome.prediction
        self.verdict.show_prediction(pred.digit, pred.confidence, pred.top2(), outcome.not_sure_threshold,
                                     outcome.personal)
        self.chart.set_probabilities(pred.probs)

    # ----------------------------------------------------------------- handwriting

    def _load_samples(self) -> str:
        """Read the samples file and adapt to it; a status text when something went wrong, else ''."""
        self.handwriting.changed.connect(self._on_samples_changed)
        try:
            problem = self.handwriting.load()
        except OSError as exc:  # unreadable (permissions, a folder in its place): work unadapted
            problem = f"personal samples {self.handwriting.path} could not be read ({exc.strerror or exc})"
        if problem:
            log.warning("%s", problem)
            return f"Handwriting: {problem[0].upper()}{problem[1:]}."
        n = self.handwriting.count()
        if n:
            log.info("%d handwriting samples from %s", n, self.handwriting.path)
        return ""

    def _on_samples_changed(self) -> None:
        """Samples or the switch changed (here or in a dialog): adapt again, off the UI thread."""
        if self.adapt_action.isChecked() != self.handwriting.adapt:
            self.adapt_action.setChecked(self.handwriting.adapt)
        active = self.handwriting.active()
        if not active and self.predictor.personal_count == 0 and not self.adapter.busy():
            return  # nothing to adapt to and nothing to undo: no fit, no second set of models
        self.adapter.request(active)

    def _on_adapted(self, message: str | None) -> None:
        """The answers now follow the samples: read the canvas again."""
        if message:
            log.warning("%s", message)
            self.statusBar().showMessage(message + ".", 15000)
        if not self.canvas.is_empty():
            self.predict_now()

    def teach(self, digit: int) -> None:
        """Keep the drawing on the canvas as the person's own ``digit`` (chart row click, digit key)."""
        if self.canvas.has_picture():
            self.statusBar().showMessage("An opened picture has no strokes to learn from: draw the digit "
                                         "to teach digitpad your handwriting.", 8000)
            return
        shown = self.canvas.drawing()
        if shown.is_empty():
            self.statusBar().showMessage("Draw a digit first, then press its key (or click its row in the "
                                         "chart) to teach digitpad your handwriting.", 8000)
            return
        strokes, what = shown.strokes, "the drawing"
        outcome = self.last_outcome
        if outcome is not None and outcome.several and self.selected_digit is not None:
            chosen = outcome.number.digits[self.selected_digit]
            if chosen.probs is None:
                self.statusBar().showMessage("The selected mark is read by its shape, not learned: select a "
                                             "digit of the number, then press its key.", 8000)
                return
            strokes, what = [shown.strokes[i] for i in chosen.strokes if i < len(shown.strokes)], "the selected digit"
        drawing = drawing_io.Drawing(shown.width, shown.height, strokes, {})  # strokes and widths only
        try:
            sample = self.handwriting.add(drawing, digit)
        except OSError as exc:
            self.show_error("Cannot save the sample",
                            f"Your {digit} could not be saved to {self.handwriting.path}.\n\n{exc}\n\n"
                            "Your drawing is still on the canvas and no sample was lost.")
            return
        except ValueError as exc:
            self.show_error("Cannot keep the sample", f"This drawing cannot be kept as a {digit}.\n\n{exc}")
            return
        n = self.handwriting.count()
        text = (f"Saved {'as' if what == 'the drawing' else what + ' as'} a {digit} for your handwriting"
                f" — {n} sample{'s' if n != 1 else ''}")
        if not self.handwriting.adapt:
            text += " (adapting is off: Handwriting › Adapt to my handwriting)"
        self._taught = (text, sample_id(sample))
        self.statusBar().showMessage(text, 15000)
        self.sample_undo_button.show()

    def undo_teach(self) -> None:
        """Remove the sample the status bar just announced."""
        if self._taught is None:
            return
        _, sid = self._taught
        self._taught = None
        self.sample_undo_button.hide()
        try:
            removed = self.handwriting.remove([sid])
        except OSError as exc:
            self.show_error("Cannot remove the sample",
                            f"The sample could not be removed from {self.handwriting.path}.\n\n{exc}")
            return
        n = self.handwriting.count()
        if removed:
            label = removed[0].extra.get("label")
            self.statusBar().showMessage(f"Removed that {label} — {n} sample{'s' if n != 1 else ''} left", 8000)

    def _on_status_changed(self, text: str) -> None:
        """The Undo button belongs to its message: gone when the message is."""
        if self._taught is not None and text != self._taught[0]:
            self._taught = None
            self.sample_undo_button.hide()

    def show_samples(self) -> None:
        from digitpad.gui.samples_dialog import SamplesDialog

        if self._samples_dialog is None:
            self._samples_dialog = SamplesDialog(self.handwriting, self.settings, self)
        self._samples_dialog.show()
        self._samples_dialog.raise_()
        self._samples_dialog.activateWindow()

    def show_practice(self) -> None:
        from digitpad.gui.practice import PracticeDialog

        dialog = PracticeDialog(self.handwriting, self.canvas.stroke_width, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.finished.connect(self._practice_finished)
        self._practice_dialog = dialog
        dialog.open()

    def _practice_finished(self) -> None:
        dialog, self._practice_dialog = self._practice_dialog, None
        if dialog is not None and dialog.saved:
            n = self.handwriting.count()
            self.statusBar().showMessage(f"Practice kept {dialog.saved} drawing{'s' if dialog.saved != 1 else ''} — "
                                         f"{n} sample{'s' if n != 1 else ''} in all", 10000)
        self.canvas.setFocus()

    # ----------------------------------------------------------------- files

    def _start_dir(self) -> str:
        if self.current_path is not None:
            return str(self.current_path.parent)
        return self.settings.last_dir or str(Path.home())

    def show_error(self, title: str, text: str) -> None:
        """A window-modal message box that does not block the caller (nothing is lost meanwhile)."""
        self.last_error = text
        log.warning("%s: %s", title, text.replace("\n\n", " "))
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._message_box = box
        box.open()

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open drawing or image", self._start_dir(), f"{OPEN_FILTER};;{DRAWING_FILTER};;{IMAGE_FILTER};;All files (*)"
        )
        if path:
            self.open_path(path)

    def open_path(self, path: str | os.PathLike) -> bool:
        """Open a drawing (.json) or predict an image; False (and a message) on failure, canvas untouched."""
        path = Path(path)
        if _is_image(path):  # read on a worker thread: a photo takes longer than a UI step
            self.image_reader.read(path)
            self.settings.last_dir = str(path.parent)
            self._show_state_message(f"Reading the image {path.name}…")
            return True
        self.image_reader.cancel()  # an image still being read must not replace this drawing
        try:
            drawing = drawing_io.load(path, INTERACTIVE_MAX_POINTS)
            document = Document(path)
            self.canvas.set_drawing(drawing, document)
            document.saved(path, self.canvas.version)  # what the file holds
            self.statusBar().showMessage(f"Opened {path.name}", 5000)
        except (drawing_io.DrawingError, ValueError, OSError) as exc:
            self.show_error("Cannot open file", f"{path.name} could not be opened.\n\n{exc}")
            return False
        self.settings.last_dir = str(path.parent)
        self._update_title()
        self._update_actions()
        return True

    def _on_image_read(self, path: Path, ink) -> None:
        try:
            self.canvas.set_picture(ink)
        except ValueError as exc:
            self._on_image_failed(path, str(exc))
            return
        self._show_state_message(f"Showing the image {path.name} (drawing on it starts a new drawing)")
        self._update_title()
        self._update_actions()

    def _on_image_failed(self, path: Path, message: str) -> None:
        self._end_state_message()
        self.show_error("Cannot open file", f"{path.name} could not be opened.\n\n{message}")

    def save(self) -> bool:
        if self.current_path is None:
            return self.save_as_dialog()
        return self.save_to(self.current_path)

    def save_as_dialog(self) -> bool:
        start = str(Path(self._start_dir()) / (self.current_path.name if self.current_path else "digit" + DRAWING_SUFFIXES[0]))
        path, _ = QFileDialog.getSaveFileName(self, "Save drawing", start, DRAWING_FILTER)
        if not path:
            return False
        if not _is_drawing(Path(path)):
            path += DRAWING_SUFFIXES[0]
        return self.save_to(path)

    def save_to(self, path: str | os.PathLike) -> bool:
        """Save atomically (drawing.save); on failure the old file and the canvas are both intact."""
        path = Path(path)
        if self.canvas.has_picture():
            self.show_error("Nothing to save", "An opened image is not a drawing. Use File › Export PNG to save it as an image.")
            return False
        document, version = self.canvas.document, self.canvas.version
        try:
            drawing_io.save(self.canvas.drawing(), path)
        except (OSError, ValueError) as exc:
            self.show_error("Cannot save", f"The drawing could not be saved to {path}.\n\n{exc}")
            return False
        document.saved(path, version)  # Save As renames the document: its undo steps follow
        self.settings.last_dir = str(path.parent)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path.name}", 5000)
        return True

    def export_dialog(self) -> bool:
        stem = self.current_path.stem if self.current_path else "digit"
        path, _ = QFileDialog.getSaveFileName(self, "Export PNG", str(Path(self._start_dir()) / f"{stem}.png"), "PNG image (*.png)")
        if not path:
            return False
        if not path.lower().endswith(".png"):
            path += ".png"
        return self.export_png(path)

    def export_png(self, path: str | os.PathLike) -> bool:
        """Dark ink on white at canvas resolution; encoded in memory, then written atomically."""
        path = Path(path)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        encoded = self.canvas.export_image().save(buffer, "PNG")
        buffer.close()
        try:
            if not encoded:
                raise OSError("the PNG encoder failed")
            atomic_write_bytes(path, bytes(data.data()))
        except OSError as exc:
            self.show_error("Cannot export", f"The PNG could not be written to {path}.\n\n{exc}")
            return False
        self.settings.last_dir = str(path.parent)
        self.statusBar().showMessage(f"Exported {path.name}", 5000)
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            path = Path(urls[0].toLocalFile())
            if _is_image(path) or _is_drawing(path):
                event.acceptProposedAction()
                return
        event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            path = urls[0].toLocalFile()
            QTimer.singleShot(0, lambda: self.open_path(path))  # let the drag source return first

    # ----------------------------------------------------------------- about / close

    def about_text(self) -> str:
        meta = self.predictor.metadata
        lines = [f"<h3>digitpad {digitpad.__version__}</h3>", "<p>Draw a digit; a small local neural network names it live.</p>"]
        if self.predictor.recognizer is None:
            lines.append(f"<p><b>Model unavailable:</b> {self.predictor.error}</p>")
        else:
            acc = meta.get("mnist_test_accuracy")
            rows = [
                ("Model", str(self.predictor.model_path)),
                ("MNIST test accuracy", f"{acc * 100:.2f}%" if isinstance(acc, (int, float)) else "unknown"),
                ("Parameters", f"{meta['parameters']:,}" if isinstance(meta.get("parameters"), int) else "unknown"),
                ("Model version", str(meta.get("version", meta.get("sha256", "unknown")))[:16]),
                ("Stroke model", "fused with the image model" if self.predictor.models is not None
                 and self.predictor.models.fused else "none (image model alone)"),
                ("'Not sure' below", percent(self.predictor.not_sure_threshold)),
                ("Preprocessing", f"v{meta.get('preprocess_version', '?')} (app v{PREPROCESS_VERSION})"),
            ]
            lines.append("<table cellspacing='4'>" + "".join(f"<tr><td>{k}</td><td><b>{v}</b></td></tr>" for k, v in rows) + "</table>")
        lines.append(f"<p>Undo keeps the last {UNDO_LIMIT} steps. Runs fully offline.</p>")
        return "".join(lines)

    def show_about(self) -> None:
        QMessageBox.about(self, "About digitpad", self.about_text())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.geometry = QByteArray(self.saveGeometry())
        self.settings.sync()
        if not self.autosave.flush(timeout=3.0):
            log.warning("autosave still writing at quit")
        if not self.adapter.wait(timeout=10.0):  # a fit still running must not outlive the window
            log.warning("still adapting to the handwriting samples at quit")
        self.autosave.release()  # the drawing stays for the next start to offer back
        super().closeEvent(event)
