"""Handwriting › My samples: the person's samples as thumbnails, to look over, prune and move.

A grid of thumbnails (rendered from each sample's strokes) labelled with their digit,
grouped by digit; the count per digit and in all; Delete (Del key) and Clear all (asked
first), each undoable here; Export… / Import… of a ``.jsonl`` of labelled drawings (the
format ``digitpad predict --personal`` reads); and the "Adapt to my handwriting" switch.
The dialog is modeless and follows :class:`~digitpad.gui.handwriting.Handwriting`'s
``changed``, so a correction made in the window meanwhile shows up here at once.
Thumbnails are drawn a batch per event-loop turn: 1,000 samples never stall the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QKeySequence, QPalette, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from digitpad.drawing import Drawing, DrawingError
from digitpad.gui.handwriting import THUMBNAIL_SIDE, Handwriting, sample_id
from digitpad.gui.settings import Settings

#: Thumbnails drawn per event-loop turn (~0.8 ms each).
THUMBNAILS_PER_TURN = 24
SAMPLES_FILTER = "Labelled drawings (*.jsonl *.jsonl.gz *.json)"
EXPORT_FILTER = "Labelled drawings, one a line (*.jsonl *.jsonl.gz)"
ID_ROLE = Qt.ItemDataRole.UserRole


def counts_text(counts: list[int], muted: str = "#888") -> str:
    """'12 samples  0 ×2 · 1 ×3 …' as rich text, digits without samples in the ``muted`` colour."""
    total = sum(counts)
    if not total:
        return ("<b>No samples yet.</b> Correct a reading (click the right digit in the chart or type it "
                "on the canvas) or use Handwriting › Practice.")
    parts = [f"<span style='color:{muted}'>{d}&nbsp;×0</span>" if n == 0 else f"{d}&nbsp;×{n}"
             for d, n in enumerate(counts)]
    return f"<b>{total} sample{'s' if total != 1 else ''}</b> &nbsp; " + " &nbsp;·&nbsp; ".join(parts)


class SamplesDialog(QDialog):
    """See the class docstring of the module; ``last_error`` and ``confirm_box`` are for tests."""

    def __init__(self, handwriting: Handwriting, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handwriting = handwriting
        self.settings = settings
        self.last_error: str | None = None
        self.confirm_box: QMessageBox | None = None
        self._undo: list[Drawing] = []  # the last deletion or clear, for Undo
        self._pending: list[QListWidgetItem] = []  # items still waiting for their thumbnail
        self.setWindowTitle("My samples — digitpad")
        self.setSizeGripEnabled(True)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)

        self.grid = QListWidget()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        self.grid.setGridSize(QSize(THUMBNAIL_SIDE + 18, THUMBNAIL_SIDE + 26))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setAccessibleName("Your handwriting samples")
        self.grid.itemSelectionChanged.connect(self._update_buttons)
        self.grid.setMinimumSize(10 * (THUMBNAIL_SIDE + 18) // 2, 3 * (THUMBNAIL_SIDE + 26))

        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected samples (Del)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Bring back what was just deleted")
        self.undo_button.clicked.connect(self.undo)
        self.clear_button = QPushButton("Clear all…")
        self.clear_button.clicked.connect(self.ask_clear)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write your samples to a .jsonl file (digitpad predict --personal reads it)")
        self.export_button.clicked.connect(self.export_dialog)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Add the labelled drawings of a .jsonl or .json file")
        self.import_button.clicked.connect(self.import_dialog)
        for button in (self.delete_button, self.undo_button, self.clear_button, self.export_button, self.import_button):
            button.setAutoDefault(False)
        self.adapt_box = QCheckBox("Adapt to my handwriting")
        self.adapt_box.setToolTip("Let these samples take part in every answer")
        self.adapt_box.toggled.connect(self.handwriting.set_adapt)
        self.note = QLabel()  # what the last action did
        self.note.setWordWrap(True)

        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.grid)
        delete_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        delete_key.activated.connect(self.delete_selected)

        edit_row = QHBoxLayout()
        for button in (self.delete_button, self.undo_button, self.clear_button):
            edit_row.addWidget(button)
        edit_row.addStretch(1)
        edit_row.addWidget(self.import_button)
        edit_row.addWidget(self.export_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.adapt_box)
        bottom.addStretch(1)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.grid, 1)
        layout.addLayout(edit_row)
        layout.addWidget(self.note)
        layout.addLayout(bottom)
        self.resize(640, 480)

        self._thumbs = QTimer(self)
        self._thumbs.setInterval(0)
        self._thumbs.timeout.connect(self._draw_some)
        handwriting.changed.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ contents

    def sample_ids(self) -> list[str]:
        """The ids shown, in grid order (tests)."""
        return [self.grid.item(i).data(ID_ROLE) for i in range(self.grid.count())]

    def thumbnails_pending(self) -> bool:
        return bool(self._pending)

    def refresh(self) -> None:
        """Show the store as it is now, keeping the selection of samples still there (hidden: on
        the next show, so a correction in the window does not rebuild an unseen grid)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        selected = {item.data(ID_ROLE) for item in self.grid.selectedItems()}
        samples = self.handwriting.samples
        order = sorted(range(len(samples)), key=lambda i: (samples[i].extra.get("label", 0), i))
        self.grid.setUpdatesEnabled(False)
        self.grid.clear()
        blank = QPixmap(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
        blank.fill(Qt.GlobalColor.white)
        placeholder = QIcon(blank)
        self._pending = []
        for i in order:
            sample = samples[i]
            item = QListWidgetItem(placeholder, str(sample.extra.get("label", "?")))
            item.setData(ID_ROLE, sample_id(sample))
            item.setData(Qt.ItemDataRole.UserRole + 1, sample)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.setToolTip(f"A {sample.extra.get('label')} ({len(sample.strokes)} stroke"
                            f"{'s' if len(sample.strokes) != 1 else ''})")
            self.grid.addItem(item)
            if item.data(ID_ROLE) in selected:
                item.setSelected(True)
            self._pending.append(item)
        self.grid.setUpdatesEnabled(True)
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        self.summary.setText(counts_text(self.handwriting.counts(), muted))
        self.adapt_box.blockSignals(True)
        self.adapt_box.setChecked(self.handwriting.adapt)
        self.adapt_box.blockSignals(False)
        self._update_buttons()
        self._pending.reverse()  # popped from the end: first items first
        if self._pending:
            self._thumbs.start()

    def _draw_some(self) -> None:
        ratio = self.devicePixelRatioF()
        for _ in range(THUMBNAILS_PER_TURN):
            if not self._pending:
                self._thumbs.stop()
                return
            item = self._pending.pop()
            sample = item.data(Qt.ItemDataRole.UserRole + 1)
            item.setIcon(QIcon(QPixmap.fromImage(self.handwriting.thumbnail(sample, ratio))))
            item.setData(Qt.ItemDataRole.UserRole + 1, None)

    def _update_buttons(self) -> None:
        has = self.grid.count() > 0
        self.delete_button.setEnabled(bool(self.grid.selectedItems()))
        self.clear_button.setEnabled(has)
        self.export_button.setEnabled(has)
        self.undo_button.setEnabled(bool(self._undo))

    # ------------------------------------------------------------------ editing

    def _error(self, title: str, text: str) -> None:
        """A window-modal box over this dialog; nothing is lost meanwhile."""
        self.last_error = text
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.open()

    def _say(self, text: str) -> None:
        self.note.setText(text)

    def delete_selected(self) -> None:
        ids = [item.data(ID_ROLE) for item in self.grid.selectedItems()]
        if not ids:
            return
        try:
            removed = self.handwriting.remove(ids)
        except OSError as exc:
            self._error("Cannot delete", f"The samples could not be removed from {self.handwriting.path}.\n\n{exc}")
            return
        self._undo = removed
        self._say(f"Deleted {len(removed)} sample{'s' if len(removed) != 1 else ''}. Undo brings "
                  f"{'them' if len(removed) != 1 else 'it'} back.")
        self._update_buttons()

    def undo(self) -> None:
        removed, self._undo = self._undo, []
        if not removed:
            return
        try:
            n = self.handwriting.restore(removed)
        except (OSError, ValueError) as exc:
            self._undo = removed
            self._error("Cannot undo", f"The samples could not be written back to {self.handwriting.path}.\n\n{exc}")
            return
        self._say(f"Brought back {n} sample{'s' if n != 1 else ''}.")
        self._update_buttons()

    def ask_clear(self) -> None:
        """Clear all, after a question (non-blocking: the answer arrives in _clear_answered)."""
        n = self.handwriting.count()
        box = QMessageBox(QMessageBox.Icon.Question, "Clear all samples",
                          f"Delete all {n} of your handwriting samples?\n\nUndo in this dialog brings them back "
                          "until it is closed; exporting them first keeps a copy.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete all")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.finished.connect(lambda result: self._clear_answered(box.clickedButton() is box.button(
            QMessageBox.StandardButton.Yes)))
        self.confirm_box = box
        box.open()

    def _clear_answered(self, yes: bool) -> None:
        self.confirm_box = None
        if not yes:
            return
        try:
            removed = self.handwriting.clear()
        except OSError as exc:
            self._error("Cannot clear", f"The samples in {self.handwriting.path} could not be deleted.\n\n{exc}")
            return
        self._undo = removed
        self._say(f"Deleted all {len(removed)} samples. Undo brings them back.")
        self._update_buttons()

    # ------------------------------------------------------------------ files

    def _start_dir(self) -> str:
        return self.settings.last_dir or str(Path.home())

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export samples", str(Path(self._start_dir()) / "my-handwriting.jsonl"),
                                              EXPORT_FILTER)
        if path:
            if not path.lower().endswith((".jsonl", ".jsonl.gz")):  # one drawing a line: what Import reads back
                path += ".jsonl"
            self.export_to(Path(path))

    def export_to(self, path: Path) -> bool:
        try:
            n = self.handwriting.export(path)
        except OSError as exc:
            self._error("Cannot export", f"Your samples could not be written to {path}.\n\n{exc}")
            return False
        self.settings.last_dir = str(path.parent)
        self._say(f"Exported {n} sample{'s' if n != 1 else ''} to {path.name}.")
        return True

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import samples", self._start_dir(), f"{SAMPLES_FILTER};;All files (*)")
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> bool:
        try:
            n = self.handwriting.import_file(path)
        except (DrawingError, ValueError, OSError) as exc:
            self._error("Cannot import", f"{path.name} could not be imported; no sample was added.\n\n{exc}")
            return False
        self.settings.last_dir = str(path.parent)
        self._say(f"Imported {n} sample{'s' if n != 1 else ''} from {path.name}." if n else
                  f"{path.name} holds no drawing labelled 0-9; nothing was added.")
        return True

    def hideEvent(self, event) -> None:
        self._undo = []  # Undo is offered only while the dialog shows what it would bring back
        self._update_buttons()
        self._thumbs.stop()
        super().hideEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._say("")
        if getattr(self, "_stale", True):
            self.refresh()
        if self._pending:
            self._thumbs.start()
