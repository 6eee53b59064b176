"""Personal adaptation: the samples store (digitpad.personal_samples) and the adapted answers of
DrawingRecognizer (digitpad.personal).  Real onnxruntime sessions, real pen data where present."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from digitpad.drawing import Drawing, DrawingError, Stroke, dumps
from digitpad.drawing_recognizer import DrawingRecognizer
from digitpad.evaluate import model_inputs
from digitpad.personal import fit, adapt
from digitpad.personal_samples import MAX_SAMPLES, SAMPLES_FILE, SampleStore

PEN = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pen-digits" / "unipen-dev.jsonl.gz"

# Simple strokes on a 280x280 canvas, as (x, y) in 0..1.
SHAPES = {
    0: [[(0.5, 0.15), (0.3, 0.3), (0.3, 0.7), (0.5, 0.85), (0.7, 0.7), (0.7, 0.3), (0.5, 0.15)]],
    1: [[(0.5, 0.15), (0.5, 0.85)]],
    7: [[(0.25, 0.2), (0.75, 0.2), (0.4, 0.85)]],
}


def drawing_of(digit: int, width: float | None = 16.0, shift: float = 0.0) -> Drawing:
    strokes = [Stroke([(280 * (x + shift), 280 * y, 1.0) for x, y in s], width) for s in SHAPES[digit]]
    return Drawing(280, 280, strokes)


# --- SampleStore ------------------------------------------------------------------------------

def test_samples_round_trip_through_the_file(tmp_path):
    path = tmp_path / SAMPLES_FILE
    store = SampleStore(path)
    assert store.load() is None and store.samples == [] and store.counts() == [0] * 10
    one = store.add(drawing_of(1), 1)
    seven = store.add(drawing_of(7), np.int64(7))
    assert one.label == 1 and isinstance(one.extra["id"], str) and len(one.extra["id"]) == 32
    assert one.extra["id"] != seven.extra["id"]
    again = SampleStore(path)
    assert again.load() is None
    assert [dumps(s) for s in again.samples] == [dumps(one), dumps(seven)]
    assert again.counts() == [0, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    removed = again.remove(one.extra["id"])
    assert removed is not None and dumps(removed) == dumps(one)
    assert again.remove("no such id") is None
    again.restore(removed)
    again.restore(removed)  # twice: stored once
    assert sorted(s.extra["id"] for s in again.samples) == sorted([one.extra["id"], seven.extra["id"]])
    cleared = again.clear()
    assert len(cleared) == 2 and again.samples == []
    third = SampleStore(path)
    assert third.load() is None and third.samples == []


def test_the_samples_live_in_the_app_data_folder(data_dir):
    from digitpad.personal_samples import samples_path

    assert samples_path() == data_dir / SAMPLES_FILE


def test_bad_samples_are_refused_and_change_nothing(tmp_path):
    store = SampleStore(tmp_path / SAMPLES_FILE)
    store.add(drawing_of(0), 0)
    for label in (10, -1, True, "3", 2.0):
        with pytest.raises(ValueError):
            store.add(drawing_of(1), label)
    with pytest.raises(DrawingError):
        store.add(Drawing(280, 280, []), 1)
    huge = Drawing(280, 280, [Stroke([(float(i % 280), float(i // 280 % 280), 1.0) for i in range(20000)], 40.0)])
    with pytest.raises(DrawingError, match="costly"):
        store.add(huge, 1)
    assert len(store.samples) == 1 and len(SampleStore(store.path).samples) == 0
    again = SampleStore(store.path)
    again.load()
    assert len(again.samples) == 1


def test_at_most_max_samples(tmp_path):
    path = tmp_path / SAMPLES_FILE
    line = dumps(Drawing(280, 280, drawing_of(1).strokes, {"label": 1, "id": "x"}))
    path.write_text("".join(line.replace('"x"', f'"{i:032x}"') + "\n" for i in range(MAX_SAMPLES)))
    store = SampleStore(path)
    assert store.load() is None and len(store.samples) == MAX_SAMPLES
    with pytest.raises(ValueError, match=str(MAX_SAMPLES)):
        store.add(drawing_of(7), 7)
    assert len(SampleStore(path).samples) == 0 and sum(1 for _ in open(path)) == MAX_SAMPLES


@pytest.mark.parametrize("content", [
    "{not json\n",
    json.dumps({"format": "digitpad-drawing", "version": 1, "width": 280, "height": 280, "strokes": []}) + "\n",
    b"\x1f\x8b garbage \xff\xfe",
])
def test_a_damaged_file_is_moved_aside_with_a_message(tmp_path, content):
    path = tmp_path / SAMPLES_FILE
    good = SampleStore(path)
    good.add(drawing_of(1), 1)
    with open(path, "ab") as fh:
        fh.write(content if isinstance(content, bytes) else content.encode())
    damaged = path.read_bytes()
    store = SampleStore(path)
    message = store.load()
    assert message is not None and "\n" not in message and str(path) in message
    [aside] = list(tmp_path.glob(SAMPLES_FILE + ".corrupt-*"))
    assert str(aside) in message and aside.read_bytes() == damaged
    assert store.samples == [] and not path.exists()
    store.add(drawing_of(7), 7)  # usable again
    assert SampleStore(path).load() is None


def test_two_stores_on_one_file_keep_each_others_samples(tmp_path):
    path = tmp_path / SAMPLES_FILE
    a, b = SampleStore(path), SampleStore(path)
    a.load(), b.load()
    x = a.add(drawing_of(1), 1)
    y = b.add(drawing_of(7), 7)
    a.add(drawing_of(0), 0)
    b.remove(x.extra["id"])
    fresh = SampleStore(path)
    fresh.load()
    assert sorted(s.label for s in fresh.samples) == [0, 7]
    assert y.extra["id"] in {s.extra["id"] for s in fresh.samples}


def test_a_failed_write_keeps_memory_and_file(tmp_path, monkeypatch):
    """A full disk at the final rename: OSError, and the store and its file are as they were."""
    path = tmp_path / SAMPLES_FILE
    store = SampleStore(path)
    store.add(drawing_of(1), 1)
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", disk_full)
        with pytest.raises(OSError):
            store.add(drawing_of(7), 7)
        with pytest.raises(OSError):
            store.clear()
    assert len(store.samples) == 1 and path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [SAMPLES_FILE]


def test_deleting_several_samples_is_one_write_all_or_none(tmp_path, monkeypatch):
    """My samples deletes a selection: a failed write removes none (so nothing is lost without
    Undo); a good one removes all, and Undo puts them all back with their ids."""
    path = tmp_path / SAMPLES_FILE
    store = SampleStore(path)
    ids = [store.add(drawing_of(d), d).extra["id"] for d in (0, 1, 7, 1)]
    writes = []
    real = os.replace

    def failing_second(*args, **kwargs):
        writes.append(args)
        if len(writes) >= 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, "replace", failing_second)
        removed = store.remove_many(ids[:2])  # the first write succeeds
        assert [s.extra["id"] for s in removed] == ids[:2] and len(writes) == 1
        with pytest.raises(OSError):
            store.remove_many(ids[2:])
    fresh = SampleStore(path)
    fresh.load()
    assert [s.extra["id"] for s in fresh.samples] == ids[2:]  # the failed delete removed nothing
    assert store.restore_many(removed) == 2 and store.restore_many(removed) == 0
    assert sorted(s.extra["id"] for s in store.samples) == sorted(ids)


def test_a_killed_writer_never_leaves_a_partial_file(tmp_path):
    """A process killed (-9) while adding samples leaves the old file or a newer whole one."""
    path = tmp_path / SAMPLES_FILE
    script = (
        "import sys\nfrom pathlib import Path\nfrom tests.test_personal import drawing_of\n"
        "from digitpad.personal_samples import SampleStore\n"
        "s = SampleStore(Path(sys.argv[1]))\nprint('ready', flush=True)\n"
        "while True:\n    s.add(drawing_of(1, shift=0.01), 1)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parents[1])
    assert proc.stdout.readline().strip() == b"ready"
    deadline = time.monotonic() + 20
    while (not path.exists() or path.stat().st_size < 20000) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    store = SampleStore(path)
    assert store.load() is None and len(store.samples) > 0
    assert all(s.label == 1 for s in store.samples)


def test_export_and_import(tmp_path):
    store = SampleStore(tmp_path / SAMPLES_FILE)
    store.add(drawing_of(1), 1)
    store.add(drawing_of(7), 7)
    out = tmp_path / "mine.jsonl"
    assert store.export(out) == 2
    other = SampleStore(tmp_path / "other.jsonl")
    assert other.import_file(out) == 2
    assert [s.label for s in other.samples] == [1, 7]
    assert {s.extra["id"] for s in other.samples}.isdisjoint(s.extra["id"] for s in store.samples)
    # a .json drawing, a .jsonl.gz with an unlabelled drawing (skipped)
    single = tmp_path / "zero.json"
    single.write_text(dumps(Drawing(280, 280, drawing_of(0).strokes, {"label": 0})))
    assert other.import_file(single) == 1
    packed = tmp_path / "more.jsonl.gz"
    with gzip.open(packed, "wt") as fh:
        fh.write(dumps(drawing_of(1)) + "\n" + dumps(Drawing(280, 280, drawing_of(7).strokes, {"label": "7"})) + "\n")
    assert other.import_file(packed) == 1
    assert other.counts()[7] == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(dumps(Drawing(280, 280, drawing_of(0).strokes, {"label": 0})) + "\n{oops\n")
    with pytest.raises(DrawingError, match=f"{bad}:2"):
        other.import_file(bad)
    assert len(other.samples) == 4 and len(SampleStore(other.path).samples) == 0


# --- adaptation ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def models() -> DrawingRecognizer:
    return DrawingRecognizer.load()


def _inputs(drawings):
    return model_inputs(drawings, 16.0)


def test_without_samples_the_answer_is_bit_identical(models):
    drawings = [drawing_of(d, shift=s) for d in SHAPES for s in (-0.05, 0.0, 0.05)]
    before = models.predict_batch(_inputs(drawings), drawings)
    models.set_personal([Drawing(280, 280, drawing_of(1).strokes, {"label": 1})])
    assert models.personal_count == 1
    models.set_personal([])
    assert models.personal_count == 0
    after = models.predict_batch(_inputs(drawings), drawings)
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])
    reference = DrawingRecognizer.load()
    np.testing.assert_array_equal(reference.predict_batch(_inputs(drawings), drawings)[0], before[0])


def test_samples_move_a_misread_drawing_to_the_users_digit(models):
    """The user's 1 drawn as a 7's shape: after a few samples labelled 1, that shape reads as 1,
    in the fused path and for a picture (image model alone)."""
    sevens = [drawing_of(7, shift=s) for s in (-0.06, -0.03, 0.0, 0.03, 0.06)]
    probs, fused = models.predict_batch(_inputs(sevens), sevens)
    assert fused.all() and (probs.argmax(1) == 7).all()
    pictures, _ = models.predict_batch(_inputs(sevens), None)
    assert (pictures.argmax(1) == 7).all()
    ones = [Drawing(280, 280, d.strokes, {"label": 1}) for d in sevens[:3]]
    try:
        models.set_personal(ones + [Drawing(280, 280, drawing_of(0).strokes, {"label": 0})])
        assert models.personal_count == 4
        probs, fused = models.predict_batch(_inputs(sevens[3:]), sevens[3:])
        assert fused.all() and (probs.argmax(1) == 1).all(), probs.round(3)
        pictures, fused = models.predict_batch(_inputs(sevens[3:]), None)
        assert not fused.any() and (pictures.argmax(1) == 1).all(), pictures.round(3)
    finally:
        models.set_personal([])


def test_unlabelled_and_blank_samples_are_skipped(models):
    try:
        models.set_personal([drawing_of(1), Drawing(280, 280, [], {"label": 3}),
                             Drawing(280, 280, drawing_of(0).strokes, {"label": 0})])
        assert models.personal_count == 1
    finally:
        models.set_personal([])


def test_fit_rejects_bad_labels(models):
    space = models.personal_stats.image
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        fit(rng.random((2, 96)), np.array([1, 10]), space)
    with pytest.raises(ValueError):
        fit(rng.random((2, 5)), np.array([1, 2]), space)


def test_far_inputs_keep_the_base_probabilities(models):
    """An input far from every prototype keeps the base answer's values exactly."""
    rng = np.random.default_rng(0)
    model = fit(rng.random((20, 96)), np.arange(20) % 10, models.personal_stats.image)
    base = rng.dirichlet(np.ones(10), 5).astype(np.float32)
    far = -rng.random((5, 96)) * 100
    np.testing.assert_array_equal(adapt(base, far, model), base)


def test_fit_is_fast(models):
    rng = np.random.default_rng(0)
    features, labels = rng.random((1000, 352), np.float32), rng.integers(0, 10, 1000)
    started = time.perf_counter()
    fit(features, labels, models.personal_stats.fused)
    assert time.perf_counter() - started < 1.0  # generous sanity bound; benchmarks/personal.py measures


def test_a_model_without_matching_statistics_refuses_to_adapt(tmp_path):
    """Statistics computed for other models are not used: set_personal says so (ModelError)."""
    import shutil

    from digitpad.recognizer import ModelError

    for name in ("digit.onnx", "digit.json", "trajectory.onnx", "trajectory.json"):
        shutil.copy(Path(models_dir()) / name, tmp_path / name)
    stats = dict(np.load(Path(models_dir()) / "personal.npz"))
    stats["image_model_sha256"] = np.array("0" * 64)
    np.savez(tmp_path / "personal.npz", **stats)
    other = DrawingRecognizer.load(tmp_path / "digit.onnx")
    assert other.fused and other.personal_stats is None
    with pytest.raises(ModelError, match="personal.npz"):
        other.set_personal([Drawing(280, 280, drawing_of(1).strokes, {"label": 1})])
    other.set_personal([])  # switching off always works
    assert other.personal_count == 0


def models_dir() -> Path:
    from digitpad.resources import model_path

    return model_path().parent


def test_kept_features_give_the_same_answer_as_a_fresh_fit(models, tmp_path):
    """set_personal keeps the features of samples it has seen: adding one sample to a set gives
    exactly what a recognizer fitting the whole set from scratch gives."""
    store = SampleStore(tmp_path / SAMPLES_FILE)
    for digit, shift in ((1, 0.0), (7, 0.0), (0, 0.02), (1, 0.05)):
        store.add(drawing_of(digit, shift=shift), digit)
    probe = [drawing_of(7, shift=0.03), drawing_of(1, width=30.0)]
    try:
        models.set_personal(store.samples[:3])
        models.set_personal(store.samples)
        kept = models.predict_batch(_inputs(probe), probe)[0]
        fresh = DrawingRecognizer.load()
        fresh.set_personal(store.samples)
        np.testing.assert_array_equal(kept, fresh.predict_batch(_inputs(probe), probe)[0])
        assert models.personal_count == fresh.personal_count == 4
    finally:
        models.set_personal([])


NONDIGITS = PEN.parent.parent / "pen-nondigits" / "unipen-nondigits-dev.jsonl.gz"


@pytest.mark.skipif(not (PEN.exists() and NONDIGITS.exists()), reason="pen data not beside the repo")
def test_real_non_digits_stay_not_sure_after_adapting(models):
    """Letters and symbols of writers never trained on: adapting to a writer's digits (two of each)
    leaves their "not sure" rate where it was."""
    import itertools

    from digitpad.drawing import iter_jsonl
    from digitpad.splits import split_of

    digits = [d for d in iter_jsonl(PEN) if split_of(d.writer or "") == "test"]
    writer = max({d.writer for d in digits}, key=lambda w: sum(d.writer == w for d in digits))
    samples = [d for digit in range(10) for d in [x for x in digits if x.writer == writer and x.label == digit][:2]]
    others = list(itertools.islice((d for d in iter_jsonl(NONDIGITS) if split_of(d.writer or "") == "test"), 200))
    x = _inputs(others)

    def not_sure_rate():
        probs, fused = models.predict_batch(x, others)
        return float((probs.max(1) < models.threshold(True)).mean()), fused.all()

    before, _ = not_sure_rate()
    try:
        models.set_personal(samples)
        assert models.personal_count == len(samples) >= 18
        after, all_fused = not_sure_rate()
    finally:
        models.set_personal([])
    assert all_fused and before > 0.85 and after >= before - 0.02, (before, after)


def test_features_kept_on_disk_let_the_next_start_render_nothing(tmp_path, monkeypatch):
    """A fit with a feature file writes the samples' features; a recognizer loaded afresh (the next
    start) fits from the file without rendering a sample and answers exactly as a fresh fit."""
    from digitpad.personal_features import FEATURES_FILE, load_features

    store = SampleStore(tmp_path / SAMPLES_FILE)
    for digit, shift in ((1, 0.0), (7, 0.0), (0, 0.02), (1, 0.05)):
        store.add(drawing_of(digit, shift=shift), digit)
    file = tmp_path / FEATURES_FILE
    probe = [drawing_of(7, shift=0.03), drawing_of(1, width=30.0)]
    first = DrawingRecognizer.load()
    first.set_personal(store.samples, feature_file=file)
    assert len(load_features(file, first.models_id)) == 4
    expected = first.predict_batch(_inputs(probe), probe)[0]

    rendered = []
    original = DrawingRecognizer._features_of
    monkeypatch.setattr(DrawingRecognizer, "_features_of",
                        lambda self, samples, width: rendered.extend(samples) or original(self, samples, width))
    second = DrawingRecognizer.load()
    second.set_personal(store.samples, feature_file=file)
    assert rendered == [] and second.personal_count == 4
    np.testing.assert_array_equal(second.predict_batch(_inputs(probe), probe)[0], expected)

    added = store.add(drawing_of(0, shift=-0.03), 0)
    second.set_personal(store.samples, feature_file=file)
    assert rendered == [added]  # the one new sample only
    assert len(load_features(file, second.models_id)) == 4  # one missing sample is not worth a rewrite
    monkeypatch.setattr("digitpad.drawing_recognizer.SAVE_FEATURES_AFTER", 1)
    store.add(drawing_of(7, shift=-0.02), 7)
    second.set_personal(store.samples, feature_file=file)
    assert len(load_features(file, second.models_id)) == 6

    assert load_features(file, "other models") == {}  # made for other model files: not used
    file.write_bytes(b"PK\x03\x04 not a zip")  # a damaged cache is no cache: the samples are rendered
    rendered.clear()
    third = DrawingRecognizer.load()
    third.set_personal(store.samples, feature_file=file)
    assert len(rendered) == 6
    np.testing.assert_array_equal(third.predict_batch(_inputs(probe), probe)[0],
                                  second.predict_batch(_inputs(probe), probe)[0])
