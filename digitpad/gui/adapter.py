"""Adapting to the person's samples without stopping the window.

``DrawingRecognizer.set_personal`` keeps each sample's features, so one new sample costs
one render and a refit (tens of ms), but a fit to samples the models have not seen (at
start, after Import, after switching adaptation back on) renders and runs the models on
all of them: seconds for 1,000 samples on a slow machine.  So:

* a change of at most ``SYNC_NEW`` samples to models already fitted is fitted at once,
  on the UI thread (a correction reads adapted in the same step);
* anything larger is fitted on a worker thread on a second set of models (a back buffer,
  loaded there once) which the window never predicts with; when it is done the two are
  swapped on the UI thread.  The worker never touches the models in use, so no lock is
  needed, and until the swap the answers stay as they were (and say so:
  ``Outcome.personal`` follows the models in use).  Requests that arrive meanwhile are
  merged: only the newest samples are fitted next.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from digitpad.drawing import Drawing
from digitpad.drawing_recognizer import DrawingRecognizer
from digitpad.gui.handwriting import sample_id
from digitpad.gui.predictor import Predictor

#: At most this many samples new to the models in use are fitted on the UI thread.
SYNC_NEW = 4


class PersonalAdapter(QObject):
    """Fits ``predictor``'s models to samples off the UI thread; ``adapted(message)`` after each swap
    (message: None, or why the answers are not adapted)."""

    adapted = Signal(object)
    _fitted = Signal(object, object)  # (models, message), worker -> UI thread

    def __init__(self, predictor: Predictor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.predictor = predictor
        self._back: DrawingRecognizer | None = None
        self._front: set[str] | None = None  # ids the models in use were fitted with (None: none, or cold)
        self._fitting: set[str] = set()  # ids of the fit running on the worker
        self._pending: list[Drawing] | None = None
        self._busy = False
        self._idle = threading.Event()
        self._idle.set()
        self._fitted.connect(self._swap)

    def busy(self) -> bool:
        """True from a request until its answer is in use (tests and benchmarks wait on it)."""
        return self._busy or self._pending is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker is idle (tests, shutdown); False on timeout.  The swap itself
        still needs the event loop."""
        return self._idle.wait(timeout)

    def request(self, samples: Sequence[Drawing]) -> None:
        """Adapt to these samples ([]: stop adapting) as soon as possible."""
        if self.predictor.models is None:
            return  # no model: nothing to adapt
        samples = list(samples)
        ids = {sample_id(s) for s in samples}
        unavailable = self.predictor.models.personal_stats is None  # refused at once: say so before anything else
        if not self._busy and (not samples or unavailable
                               or (self._front is not None and len(ids - self._front) <= SYNC_NEW)):
            message = self.predictor.set_personal(samples)  # cheap: at most a few renders; a fresh number reader
            self._front = ids if samples and message is None else None  # [] empties the core's cache
            self.adapted.emit(message)
            return
        self._pending = samples
        if not self._busy:
            self._start()

    def _start(self) -> None:
        samples, self._pending = self._pending or [], None
        self._busy = True
        self._idle.clear()
        self._fitting = {sample_id(s) for s in samples}
        thread = threading.Thread(target=self._fit, args=(self._back, samples), name="digitpad-adapt", daemon=True)
        thread.start()

    def _fit(self, back: DrawingRecognizer | None, samples: list[Drawing]) -> None:
        """Worker thread: fit the back buffer (loading it the first time)."""
        message = None
        try:
            if back is None:
                back = DrawingRecognizer.load(self.predictor.model_path)
            message = Predictor.fit(back, samples, self.predictor.feature_file)
        except Exception as exc:  # noqa: BLE001  (a model that will not load again: stay as we are)
            back, message = None, f"Could not adapt to your handwriting ({type(exc).__name__}: {exc})"
        try:
            self._fitted.emit(back, message)
        except RuntimeError:  # the window is gone
            pass
        finally:
            self._idle.set()

    def _swap(self, back: DrawingRecognizer | None, message: str | None) -> None:
        """UI thread: the fitted models answer from now on; the old ones are the next back buffer."""
        self._busy = False
        if back is not None:
            self._back = self.predictor.use_models(back)
            self._front = self._fitting if self._fitting and message is None else None
        if self._pending is not None:
            self._start()  # newer samples arrived meanwhile: the answer they make is the one to show
            return
        self.adapted.emit(message)
