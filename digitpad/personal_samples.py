"""The user's personal samples: labelled drawings kept in one .jsonl file in the app-data folder.

One digitpad drawing per line (the format the CLI reads), each with ``label`` (0-9) and ``id``
(uuid4 hex).  Every change re-reads the file, applies itself and writes the whole file
atomically (:func:`digitpad.drawing.atomic_write_text`), so two windows on one file do not
lose each other's samples and a crash leaves the old file or the new one, never half of one.
A damaged file is moved aside (``NAME.corrupt-<time>``), never deleted: the samples are the
user's data.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable

import numbers
import os
import time
import uuid
from pathlib import Path

from digitpad.drawing import (
    Drawing, DrawingError, atomic_write_bytes, atomic_write_text, dumps, iter_jsonl_records, load, loads,
)
from digitpad.render import DEFAULT_STROKE_WIDTH, INTERACTIVE_RENDER_COST, check_renderable

SAMPLES_FILE = "personal-samples.jsonl"
#: A practice session gives tens of samples; thousands keep the start-up fit well under a second.
MAX_SAMPLES = 5000
DIGITS = range(10)


def samples_path() -> Path:
    """Where the window keeps the samples: ``SAMPLES_FILE`` in digitpad's app-data folder."""
    from digitpad.logs import data_dir

    return data_dir() / SAMPLES_FILE


def sample_id_of(drawing: Drawing) -> str | None:
    """The store's id of a sample (None for a drawing that is not one)."""
    value = drawing.extra.get("id")
    return value if isinstance(value, str) and value else None


def _is_digit(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in DIGITS


def _digit(value: object) -> int:
    """An integer label 0-9 (numpy integers too) as int; ValueError otherwise."""
    if not isinstance(value, bool) and isinstance(value, numbers.Integral) and int(value) in DIGITS:
        return int(value)
    raise ValueError(f"a sample's label must be a digit 0-9, got {value!r}")


def check_sample(drawing: Drawing, label: object) -> None:
    """Raise ValueError (DrawingError for the drawing) if ``drawing`` cannot be a sample labelled ``label``:
    the window's cost guard applies, since every sample is rendered at each start."""
    _digit(label)
    if drawing.is_empty():
        raise DrawingError("an empty drawing cannot be a sample")
    check_renderable(drawing, DEFAULT_STROKE_WIDTH, INTERACTIVE_RENDER_COST)


def read_samples(path: Path) -> list[Drawing]:
    """The samples of ``path`` ([] if it does not exist); DrawingError naming the file (and line)
    if any line is not a labelled sample with an id."""
    if not os.path.lexists(path):
        return []
    samples = []
    for lineno, item in iter_jsonl_records(path):
        if isinstance(item, DrawingError):
            raise item
        if not _is_digit(item.extra.get("label")) or sample_id_of(item) is None:
            raise DrawingError(f"{path}:{lineno}: not a personal sample (needs an integer label 0-9 and an id)")
        samples.append(item)
    return samples


def read_labelled(path: Path) -> list[Drawing]:
    """Every drawing of a .json or .jsonl[.gz] file of personal samples (``digitpad predict
    --personal``); each must carry a label 0-9 and pass the window's cost guard.  DrawingError
    naming the file (and line) otherwise, or if it holds no drawing."""
    found = [drawing for drawing, _ in _labelled(Path(path), unlabelled="refuse")]
    if not found:
        raise DrawingError(f"{path}: no personal samples in it")
    return found


def _labelled(path: Path, unlabelled: str) -> list[tuple[Drawing, int]]:
    """(drawing, label) of each drawing of ``path`` labelled 0-9 that passes the cost guard; one
    without such a label is refused (DrawingError naming it) or, with ``unlabelled="skip"``, left out."""
    found = []
    for where, drawing in _drawings_of(path):
        label = drawing.label  # "7" counts as 7, as everywhere labels are read
        if label is None or label not in DIGITS:
            if unlabelled == "skip":
                continue
            raise DrawingError(f"{where}: a personal sample needs a label 0-9, got {_shown(drawing.extra.get('label'))}")
        try:
            check_sample(drawing, label)
        except ValueError as exc:
            raise DrawingError(f"{where}: {exc}") from None
        found.append((drawing, label))
    return found


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _drawings_of(path: Path) -> list[tuple[str, Drawing]]:
    """(where, drawing) for a .json file or each line of a .jsonl[.gz]; the first bad one raises."""
    if str(path).lower().endswith((".jsonl", ".jsonl.gz")):
        found = []
        for lineno, item in iter_jsonl_records(path):
            if isinstance(item, DrawingError):
                raise item
            found.append((f"{path}:{lineno}", item))
        return found
    return [(str(path), load(path))]


class SampleStore:
    """The user's labelled drawings (see the module docstring).  Raises OSError on a failed
    write; memory and file then stay as they were."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._samples: list[Drawing] = []
        self._seen: tuple[int, int, int] | None = None  # the file as last read or written (see _fresh)
        self._lines: dict[str, str] = {}  # sample id -> its JSON line, so a change re-encodes one sample

    # --- reading -------------------------------------------------------------------------
    def load(self) -> str | None:
        """Read the file.  None: fine (a missing file is no samples).  A damaged file is moved
        aside and a one-line message naming both files is returned; the store is then empty."""
        seen = self._signature()  # before reading: a write meanwhile then makes the next change re-read
        try:
            self._samples = read_samples(self.path)
            self._seen = seen
            return None
        except DrawingError as exc:
            self._samples = []
            return self._move_aside(exc)

    def _signature(self) -> tuple[int, int, int] | None:
        """Identity of the file now (inode, size, mtime): every write replaces it by a new file, so
        an unchanged signature means nobody wrote since this store last read or wrote it."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _move_aside(self, problem: DrawingError) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while os.path.lexists(target):
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            os.replace(self.path, target)
        except OSError as exc:
            return (f"personal samples {self.path} are damaged ({problem}) and could not be moved aside "
                    f"({exc.strerror or exc}); adapting without them")
        return f"personal samples {self.path} were damaged ({problem}); moved aside to {target}"

    def _fresh(self) -> list[Drawing]:
        """The file's samples now (another window may have changed it).  A file damaged since
        is moved aside and the samples in memory, the last good ones, are the base."""
        if self._seen is not None and self._signature() == self._seen:
            return list(self._samples)  # unchanged since read or written here: no re-parse (1,000 samples ~0.2 s)
        try:
            return read_samples(self.path)
        except DrawingError as exc:
            self._move_aside(exc)
            return list(self._samples)

    def _stored(self, drawing: Drawing, label: int, sample_id: str) -> Drawing:
        """The sample exactly as it reads back from the file (points rounded as the format writes
        them), its line kept for the next write (encoded once)."""
        copy = Drawing(drawing.width, drawing.height, drawing.strokes, dict(drawing.extra) | {"label": label, "id": sample_id})
        text = dumps(copy)
        self._lines[sample_id] = text + "\n"
        return loads(text)

    def _line(self, sample: Drawing) -> str:
        sid = sample_id_of(sample)
        line = self._lines.get(sid) if sid is not None else None
        if line is None:
            line = dumps(sample) + "\n"
            if sid is not None:
                self._lines[sid] = line
        return line

    def _write(self, samples: list[Drawing]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, "".join(self._line(s) for s in samples))
        self._samples = samples
        self._seen = self._signature()
        kept = {sample_id_of(s) for s in samples}
        self._lines = {k: v for k, v in self._lines.items() if k in kept}

    @property
    def samples(self) -> list[Drawing]:
        """In insertion order (a copy of the list)."""
        return list(self._samples)

    def counts(self) -> list[int]:
        """Samples per digit 0-9."""
        counts = [0] * 10
        for s in self._samples:
            counts[s.extra["label"]] += 1
        return counts

    # --- changes -------------------------------------------------------------------------
    def add(self, drawing: Drawing, label: int) -> Drawing:
        """Store ``drawing`` labelled ``label`` under a new id; the stored sample."""
        check_sample(drawing, label)
        sample = self._stored(drawing, _digit(label), uuid.uuid4().hex)
        samples = self._fresh()
        self._check_room(len(samples) + 1)
        self._write(samples + [sample])
        return sample

    def remove(self, sample_id: str) -> Drawing | None:
        """Delete one sample; the removed sample (for Undo) or None if there is none with that id."""
        samples = self._fresh()
        for i, s in enumerate(samples):
            if sample_id_of(s) == sample_id:
                self._write(samples[:i] + samples[i + 1:])
                return s
        self._samples = samples
        return None

    def remove_many(self, sample_ids: Iterable[str]) -> list[Drawing]:
        """Delete these samples in one write, all or none (OSError: none removed); those removed,
        in store order (for Undo)."""
        wanted = set(sample_ids)
        samples = self._fresh()
        removed = [s for s in samples if sample_id_of(s) in wanted]
        if removed:
            self._write([s for s in samples if sample_id_of(s) not in wanted])
        else:
            self._samples = samples
        return removed

    def restore_many(self, removed: Iterable[Drawing]) -> int:
        """Put removed samples back with their ids in one write, all or none (Undo of a delete);
        those already stored are skipped.  How many were put back."""
        samples = self._fresh()
        present = {sample_id_of(s) for s in samples}
        back = []
        for sample in removed:
            label, sample_id = sample.extra.get("label"), sample_id_of(sample)
            if sample_id is None:
                raise ValueError("a sample to restore needs its id")
            if sample_id in present:
                continue
            check_sample(sample, label)
            back.append(self._stored(sample, label, sample_id))
            present.add(sample_id)
        if back:
            self._check_room(len(samples) + len(back))
            self._write(samples + back)
        else:
            self._samples = samples
        return len(back)

    def restore(self, sample: Drawing) -> None:
        """Put a removed sample back with its id (Undo); nothing if that id is stored already."""
        label, sample_id = sample.extra.get("label"), sample_id_of(sample)
        if sample_id is None:
            raise ValueError("a sample to restore needs its id")
        check_sample(sample, label)
        samples = self._fresh()
        if any(sample_id_of(s) == sample_id for s in samples):
            self._samples = samples
            return
        self._check_room(len(samples) + 1)
        self._write(samples + [self._stored(sample, label, sample_id)])

    def clear(self) -> list[Drawing]:
        """Delete every sample; all of them, for Undo."""
        samples = self._fresh()
        self._write([])
        return samples

    def export(self, path: Path) -> int:
        """Write all samples (another window's too) to a .jsonl, gzipped for .jsonl.gz (the format
        the store, Import and ``--personal`` read); how many."""
        samples = self._fresh()
        text = "".join(self._line(s) for s in samples)
        if str(path).lower().endswith(".gz"):
            atomic_write_bytes(path, gzip.compress(text.encode("utf-8")))
        else:
            atomic_write_text(path, text)
        return len(samples)

    def import_file(self, path: Path) -> int:
        """Add every labelled (0-9) drawing of a .json or .jsonl[.gz] file under new ids; how many.
        All or nothing: DrawingError naming the file (and line) on bad input, ValueError beyond
        MAX_SAMPLES."""
        new = [self._stored(drawing, label, uuid.uuid4().hex) for drawing, label in _labelled(Path(path), "skip")]
        samples = self._fresh()
        self._check_room(len(samples) + len(new))
        if new:
            self._write(samples + new)
        else:
            self._samples = samples
        return len(new)

    def _check_room(self, total: int) -> None:
        if total > MAX_SAMPLES:
            raise ValueError(f"at most {MAX_SAMPLES} personal samples can be kept ({total} asked); "
                             "delete some in My samples first")
