"""Glue between the canvas and the models: ink image (+ strokes) -> preprocess -> DrawingRecognizer, timed.

The drawing is read as a number (digitpad.number) by a NumberReader kept across
calls: its cache of scored stroke groups makes a pen-up cost one batched call per
model for the new candidates only.  A drawing that is one digit is answered from
that same call (the core guarantees its probabilities are the whole-drawing
answer), so one digit costs what it did and reads exactly as before.

Holds no numerics of its own (the core's ``preprocess`` and ``DrawingRecognizer``
do the work: image model, trajectory model and their fusion, the same object the
CLI uses) and no Qt, so the same call is easy to test and benchmark.  A
missing or broken model does not raise here: it becomes ``Outcome.error`` so
the window can still open and let the user draw.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from digitpad import resources
from digitpad.drawing import Drawing, Stroke
from digitpad.drawing_recognizer import DrawingRecognizer
from digitpad.number import (
    NUMBER_INK_LIMIT,
    NumberReader,
    NumberReading,
    ink_area,
    read_number_image,
)
from digitpad.preprocess import preprocess
from digitpad.recognizer import DEFAULT_NOT_SURE_THRESHOLD, ModelError, Prediction, Recognizer

#: Ink and strokes of the start-up run (a line), so both models' buffers are allocated before the first stroke.
_WARM_UP = (np.pad(np.eye(20, dtype=np.uint8) * 255, 4),
            Drawing(28, 28, [Stroke([(4.0, 4.0, 1.0), (23.0, 23.0, 1.0)])]))


#: Pictures with more ink blobs than this (noise, a photo of a page) are read as one digit only:
#: each blob is cut out of the whole image several times.
NUMBER_MAX_BLOBS = 24


@dataclass
class Outcome:
    """What one prediction produced; every field the widgets need, nothing more."""

    model_input: np.ndarray | None  # (1, 1, 28, 28) float32, None when the canvas is blank
    prediction: Prediction | None  # the whole drawing as one digit; None when blank, without a model, or for a number
    latency_ms: float  # preprocess + model(s)
    error: str | None = None
    not_sure_threshold: float = DEFAULT_NOT_SURE_THRESHOLD  # the rule of the model(s) that answered
    fused: bool = False  # image and trajectory models together (strokes were given)
    personal: bool = False  # the user's own samples took part (DrawingRecognizer.set_personal)
    number: NumberReading | None = None  # the drawing read as a number (one digit: the same answer as prediction)

    @property
    def blank(self) -> bool:
        return self.model_input is None

    @property
    def several(self) -> bool:
        """True when the drawing reads as more than one symbol (a number, not a digit)."""
        return self.number is not None and len(self.number.digits) > 1


def _single_digit(number: NumberReading | None) -> np.ndarray | None:
    """The probabilities of a reading that is exactly one digit (the whole drawing's answer), else None."""
    if number is not None and len(number.digits) == 1 and number.digits[0].probs is not None:
        return number.digits[0].probs
    return None


class Predictor:
    """Loads the model once; ``run`` never raises for model problems."""

    def __init__(self, model_path: str | os.PathLike | None = None) -> None:
        self.model_path = Path(model_path) if model_path is not None else resources.model_path()
        self.models: DrawingRecognizer | None = None
        self.recognizer: Recognizer | None = None
        self.error: str | None = None
        self.reader: NumberReader | None = None
        #: Where the samples' features are kept between starts (None: not kept); set by the window.
        self.feature_file: Path | None = None
        try:
            self.models = DrawingRecognizer.load(self.model_path)
            self.recognizer = self.models.image
            self.reader = NumberReader(self.models)
        except ModelError as exc:
            self.models = self.recognizer = None
            self.error = str(exc)
        else:
            # The first run allocates onnxruntime's buffers (~10 ms); pay it at start-up, not on the first stroke.
            self.run(*_WARM_UP)

    @property
    def not_sure_threshold(self) -> float:
        """The 'not sure' threshold of drawn digits (fused when a trajectory model is fitted), or the
        core default without a model; each Outcome carries the threshold of its own answer."""
        if self.models is not None:
            return self.models.threshold(fused=True)
        return DEFAULT_NOT_SURE_THRESHOLD

    @property
    def personal_count(self) -> int:
        """Samples the answers are adapted with (0: not adapting)."""
        return int(getattr(self.models, "personal_count", 0) or 0) if self.models is not None else 0

    def set_personal(self, samples: Sequence[Drawing]) -> str | None:
        """Adapt the answers to these labelled drawings ([] stops adapting), here and now; never
        raises.  None when done; otherwise a one-line message, and the answers are left unadapted.
        (The window fits off the UI thread instead: gui/adapter.py.)"""
        if self.models is None:
            return None  # no model: nothing to adapt, the model's own error is already shown
        problem = self.fit(self.models, samples, self.feature_file)
        self.reader = NumberReader(self.models)  # its cached digit scores were made with the old fit
        return problem

    @staticmethod
    def fit(models: DrawingRecognizer, samples: Sequence[Drawing], feature_file: Path | None = None) -> str | None:
        """``models.set_personal(samples)``, never raising: a sample the core refuses must not cost
        the person their window; on failure the models are left unadapted and the reason returned."""
        try:
            models.set_personal(list(samples), feature_file=feature_file)
        except Exception as exc:  # noqa: BLE001  (any failure: keep predicting, unadapted)
            try:
                models.set_personal([])
            except Exception:  # noqa: BLE001
                pass
            return f"Could not adapt to your handwriting ({type(exc).__name__}: {exc}); reading without it"
        return None

    def use_models(self, models: DrawingRecognizer) -> DrawingRecognizer | None:
        """Answer with ``models`` (the same model files, fitted elsewhere) from now on; the ones
        replaced are returned."""
        old, self.models, self.recognizer = self.models, models, models.image
        self.reader = NumberReader(models)  # scores cached with the old models' fit would be stale
        return old

    @property
    def metadata(self) -> dict:
        return dict(self.recognizer.metadata) if self.recognizer is not None else {}

    def run(self, ink: np.ndarray, drawing: Drawing | None = None, as_number: bool = True) -> Outcome:
        """Canvas ink (2-D uint8, ink bright) and the strokes it was painted from (None for a
        picture) -> Outcome: ``number`` is the drawing read as a number; ``prediction`` the
        whole drawing read as one digit, left out (None) when it reads as several symbols, so
        a pen-up on a number costs only the reader's one call per model.  ``as_number=False``:
        the whole drawing as one digit only (the live preview while a stroke is drawn: the
        number search renders the changing stroke in every group, too costly 20 times a second)."""
        start = time.perf_counter()
        model_input = preprocess(ink)
        if model_input is None:
            return Outcome(None, None, (time.perf_counter() - start) * 1000.0, self.error)
        if self.models is None or self.reader is None:
            return Outcome(model_input, None, (time.perf_counter() - start) * 1000.0, self.error)
        try:
            number = self._read_number(ink, drawing) if as_number else None
            fused = drawing is not None and self.models.fused  # strokes are read by both models when fitted
            if number is not None and len(number.digits) > 1:
                prediction = None
            elif (probs := _single_digit(number)) is not None:  # the reader's call gave the whole-drawing answer
                prediction = Prediction(probs)
            else:  # nothing read as a number (too much ink, a lone dot or dash): the whole drawing, as ever
                batch, fused_rows = self.models.predict_batch(model_input, [drawing])
                prediction, fused, number = Prediction(batch[0]), bool(fused_rows[0]), None
        except ModelError as exc:
            return Outcome(model_input, None, (time.perf_counter() - start) * 1000.0, str(exc))
        return Outcome(model_input, prediction, (time.perf_counter() - start) * 1000.0, None,
                       self.models.threshold(fused), fused, self.personal_count > 0, number)

    def _read_number(self, ink: np.ndarray, drawing: Drawing | None) -> NumberReading | None:
        """The number in the strokes (or, for a picture, in its ink blobs); None when it cannot be
        read (a drawing too costly to render piecewise): the whole-drawing answer still stands."""
        try:
            if drawing is not None:
                if sum(1 for s in drawing.strokes if s.points) < 2:
                    return None  # one stroke is one digit (the reader groups whole strokes): today's call is exact and cheaper
                if not ink_area(drawing) <= NUMBER_INK_LIMIT:  # (NaN: not read either)
                    return None
                return self.reader.read(drawing, ink)  # the canvas ink is render(drawing): no second render
            return read_number_image(ink, self.models, NUMBER_MAX_BLOBS)
        except ValueError:
            return None
