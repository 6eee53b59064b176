"""What reads a drawing with strokes: the image model and the trajectory model, fused.

One place decides how an answer is made, so the window, ``digitpad predict`` and
``digitpad eval --drawings`` give the same probabilities for the same drawing: the
image goes through :mod:`digitpad.preprocess` and :class:`~digitpad.recognizer.Recognizer`,
the strokes through :func:`digitpad.trajectory.trajectory_batch` and
:class:`~digitpad.trajectory_recognizer.TrajectoryRecognizer`, and the two are
combined by :func:`digitpad.fusion.fuse` with the weights fitted for exactly this
image model.  Where there are no strokes (a PNG, a picture on the canvas) or no
fitted trajectory model, the image model answers alone with its own threshold.
With personal samples set (:meth:`DrawingRecognizer.set_personal`), the answer is
adapted to the user's hand by :mod:`digitpad.personal` on the models' pooled features:
fused answers on image + trajectory features, image-only answers on image features.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

import digitpad
from digitpad.drawing import Drawing
from digitpad.files import sha256_file
from digitpad.fusion import FusionParams, fuse
from digitpad.personal import STATS_FILE, PersonalModel, PersonalStats, adapt, fit, load_stats
from digitpad.personal_features import load_features, sample_digest, save_features
from digitpad.personal_samples import sample_id_of
from digitpad.preprocess import PREPROCESS_VERSION, preprocess
from digitpad.recognizer import ModelError, Recognizer
from digitpad.render import DEFAULT_STROKE_WIDTH, render
from digitpad.trajectory import TRAJECTORY_VERSION, trajectory_features
from digitpad.trajectory_recognizer import TrajectoryRecognizer


#: The feature file is rewritten by a fit that rendered several samples (a start, an import), and
#: by single corrections only once this many were rendered since the last write: a sample missing
#: from the file costs one render at the next start (~2 ms), a write ~10 ms of a correction.
SAVE_FEATURES_AFTER = 16


class DrawingRecognizer:
    """The image recognizer plus, where one fitted for it is present, the trajectory recognizer."""

    def __init__(self, image: Recognizer, trajectory: TrajectoryRecognizer | None = None,
                 personal_stats: PersonalStats | None = None) -> None:
        self.image = image
        self.trajectory: TrajectoryRecognizer | None = None
        self.fusion: FusionParams | None = None
        image_sha = sha256_file(image.path) if trajectory is not None or personal_stats is not None else ""
        if trajectory is not None:
            params = FusionParams.from_metadata(trajectory.metadata)
            if params is not None and params.image_model_sha256 == image_sha:  # fits one image model only
                self.trajectory, self.fusion = trajectory, params
        #: The whitening personal adaptation measures in, if computed for exactly these models.
        self.personal_stats: PersonalStats | None = None
        if personal_stats is not None and personal_stats.image_model_sha256 == image_sha:
            if self.trajectory is not None and personal_stats.trajectory_model_sha256 != sha256_file(self.trajectory.path):
                personal_stats = PersonalStats(personal_stats.image, None, image_sha, "")
            self.personal_stats = personal_stats
        #: Personal adaptation for image-only answers and for fused answers (None: not adapting).
        #: (image-space model, fused-space model or None), or None when not adapting: one
        #: attribute, replaced whole, so a reading on another thread never mixes two fits.
        self._personal: tuple[PersonalModel, PersonalModel | None] | None = None
        self._sample_cache: dict[tuple, tuple[np.ndarray, np.ndarray | None] | None] = {}
        self._models_id: str | None = None
        self._feature_file_read: Path | None = None  # the feature file already merged into _sample_cache
        self._digests: dict[tuple, str] = {}  # sample key -> its name in the feature file
        self._unsaved = 0  # samples rendered since the feature file was last written

    @classmethod
    def load(cls, image_path: str | Path | None = None, threads: int = 1) -> DrawingRecognizer:
        """The image model (ModelError if it cannot be used) and models/trajectory.onnx beside it,
        if present and loadable; a missing or broken trajectory model leaves the image model alone."""
        image = Recognizer(image_path, threads)
        try:
            trajectory = TrajectoryRecognizer(image.path.with_name("trajectory.onnx"), threads)
        except ModelError:
            trajectory = None
        return cls(image, trajectory, load_stats(image.path.with_name(STATS_FILE)))

    @property
    def fused(self) -> bool:
        return self.fusion is not None

    def threshold(self, fused: bool) -> float:
        """The "not sure" threshold of fused answers, or of the image model's own."""
        return self.fusion.not_sure_threshold if fused and self.fusion is not None else self.image.not_sure_threshold

    @property
    def personal_count(self) -> int:
        """Samples in use for personal adaptation (0: not adapting)."""
        personal = self._personal
        return personal[0].count if personal is not None else 0

    @property
    def personal_fit(self) -> object | None:
        """The fit in use, as an identity: a new object after every ``set_personal``, so a cache of
        answers (NumberReader's) can tell that its scores were made with another fit."""
        return self._personal

    @property
    def models_id(self) -> str:
        """What a cache of sample features was made with: the model files' sha256 and the
        versions of the code that turns a sample into model inputs."""
        if self._models_id is None:
            parts = [f"preprocess {PREPROCESS_VERSION}", f"trajectory {TRAJECTORY_VERSION}",
                     f"digitpad {digitpad.__version__}", sha256_file(self.image.path)]
            if self.trajectory is not None:
                parts.append(sha256_file(self.trajectory.path))
            self._models_id = ":".join(parts)
        return self._models_id

    def _digest(self, key: tuple) -> str:
        digest = self._digests.get(key)
        if digest is None:
            digest = self._digests[key] = sample_digest(key)
        return digest

    def set_personal(self, samples: Sequence[Drawing], width: float = DEFAULT_STROKE_WIDTH,
                     feature_file: Path | None = None) -> None:
        """Adapt to these labelled drawings (label 0-9; others are skipped); [] switches adaptation
        off.  Each sample is rendered with its own stroke widths, as the canvas draws it (``width``
        where a stroke carries none, as ``digitpad predict --width`` renders its inputs).  A sample's
        features are kept while it stays among the samples, so adding one to a thousand renders
        and runs the models on that one only; with ``feature_file`` they are also kept on disk
        (:mod:`digitpad.personal_features`), so the next start renders none of them."""
        labelled = [s for s in samples if s.label is not None and s.label < 10 and not s.is_empty()]
        if not labelled:
            self._personal = None
            self._sample_cache, self._digests, self._feature_file_read = {}, {}, None  # a later fit reads the file again
            return
        stats = self.personal_stats
        if stats is None or self.image.feature_dim != len(stats.image.center):
            raise ModelError(f"personal adaptation is not available for model {self.image.path} "
                             f"(needs its 'features' output and a matching {STATS_FILE} beside it)")
        keys = [(width, *_sample_key(s)) for s in labelled]
        wanted = set(keys)
        cache = {k: v for k, v in self._sample_cache.items() if k in wanted}
        new = [i for i, k in enumerate(keys) if k not in cache]
        if new and feature_file is not None and feature_file != self._feature_file_read:
            stored = load_features(feature_file, self.models_id)  # once: later it holds nothing the memory lacks
            self._feature_file_read = feature_file
            for i in new:
                found = stored.get(self._digest(keys[i]))
                if found is not None and len(found[0]) == self.image.feature_dim:
                    cache[keys[i]] = found
            computed = [i for i in new if keys[i] not in cache]
        else:
            computed = new
        cache.update(zip([keys[i] for i in computed], self._features_of([labelled[i] for i in computed], width)))
        self._unsaved += len(computed)
        if feature_file is not None and (len(computed) > 1 or self._unsaved >= SAVE_FEATURES_AFTER):
            self._unsaved = 0
            try:
                save_features(feature_file, self.models_id, {self._digest(k): v for k, v in cache.items()})
            except OSError:
                pass  # only a cache: the next start renders the samples again
        rows = [(s.label, cache[k]) for s, k in zip(labelled, keys) if cache[k] is not None]
        self._sample_cache = cache
        if len(self._digests) > 2 * len(cache):
            self._digests = {k: v for k, v in self._digests.items() if k in cache}
        if not rows:
            self._personal = None
            return
        labels = np.array([label for label, _ in rows])
        image_features = np.stack([f[0] for _, f in rows])
        personal_image = fit(image_features, labels, stats.image)
        personal_fused = None
        with_strokes = [j for j, (_, f) in enumerate(rows) if f[1] is not None]
        if with_strokes and stats.fused is not None:
            fused_features = np.stack([np.concatenate(rows[j][1]) for j in with_strokes])
            personal_fused = fit(fused_features, labels[with_strokes], stats.fused)
        self._personal = (personal_image, personal_fused)

    def _features_of(self, samples: Sequence[Drawing],
                     width: float) -> list[tuple[np.ndarray, np.ndarray | None] | None]:
        """Per sample: (image features, trajectory features or None), or None if it has no ink."""
        images = [preprocess(render(s, width)) for s in samples]
        keep = [i for i, x in enumerate(images) if x is not None]
        out: list[tuple[np.ndarray, np.ndarray | None] | None] = [None] * len(samples)
        if not keep:
            return out
        _, image_features = self.image.predict_with_features(np.concatenate([images[i] for i in keep]))
        traj_features: list[np.ndarray | None] = [None] * len(keep)
        if self.fusion is not None:
            trajectories = [trajectory_features(samples[i]) for i in keep]
            rows = [j for j, t in enumerate(trajectories) if t is not None]
            if rows:
                _, found = self.trajectory.predict_batch(np.stack([trajectories[j] for j in rows]))
                for j, f in zip(rows, found):
                    traj_features[j] = f
        for j, i in enumerate(keep):
            out[i] = (image_features[j], traj_features[j])
        return out

    def predict_batch(self, images: np.ndarray,
                      drawings: Sequence[Drawing | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(N, 1, 28, 28) preprocessed images and, per row, the drawing they were rendered from
        (None for a picture) -> ((N, 10) probabilities, (N,) bool: fused)."""
        if drawings is None or self.fusion is None:
            return self.predict_features(images, None)
        return self.predict_features(images, [trajectory_features(d) if d is not None else None for d in drawings])

    def predict_features(self, images: np.ndarray,
                         trajectories: Sequence[np.ndarray | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """As ``predict_batch`` with each drawing already turned into ``trajectory_features``
        (None: no strokes), for callers that must not keep drawings in memory."""
        personal = self._personal  # read once: set_personal may replace it meanwhile
        if personal is None:
            probs, image_features = self.image.predict_batch(images), None
        else:
            probs, image_features = self.image.predict_with_features(images)
        fused = np.zeros(len(probs), bool)
        if trajectories is not None and len(trajectories) != len(probs):
            raise ValueError(f"{len(trajectories)} trajectories for {len(probs)} images")
        rows = [] if self.fusion is None or trajectories is None else \
            [i for i, f in enumerate(trajectories) if f is not None]
        if rows:
            traj, traj_features = self.trajectory.predict_batch(np.stack([trajectories[i] for i in rows]))
            probs[rows] = fuse(probs[rows], traj, self.fusion)
            fused[rows] = True
            if personal is not None and personal[1] is not None:
                probs[rows] = adapt(probs[rows], np.hstack([image_features[rows], traj_features]), personal[1])
        if personal is not None:
            alone = ~fused if personal[1] is not None else np.ones(len(probs), bool)
            if alone.any():
                probs[alone] = adapt(probs[alone], image_features[alone], personal[0])
        return probs, fused


def _sample_key(sample: Drawing) -> tuple:
    """What identifies a sample's rendering: its id (the store's uuid), its size, each stroke's
    width and length and its first and last points, so an edited drawing under an old id is not
    mistaken for the old one.  Cheap: a thousand keys in a few milliseconds."""
    strokes = sample.strokes
    return (sample_id_of(sample), sample.width, sample.height,
            tuple((s.width, len(s.points)) for s in strokes),
            tuple(strokes[0].points[:1]) if strokes else None, tuple(strokes[-1].points[-1:]) if strokes else None)
