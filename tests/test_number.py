"""Reading whole numbers (digitpad.number): segmentation, the single-digit guarantee, the cache,
image input, the CLI's --number and eval --numbers.  Real onnxruntime sessions throughout."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import deque

import numpy as np
import pytest
from PIL import Image

from digitpad import drawing as dr
from digitpad.drawing_recognizer import DrawingRecognizer
from digitpad.evaluate import model_inputs
from digitpad.number import NumberReader, label_components, read_number, read_number_image
from digitpad.number_eval import digits_right, edit_distance, label_of
from digitpad.preprocess import preprocess
from digitpad.render import render

from number_shapes import number_drawing


@pytest.fixture(scope="module")
def models() -> DrawingRecognizer:
    return DrawingRecognizer.load()


def today(models: DrawingRecognizer, drawing: dr.Drawing, width: float = 16.0) -> np.ndarray:
    """The whole drawing's answer as a single digit is read today."""
    return models.predict_batch(model_inputs([drawing], width), [drawing])[0][0]


@pytest.mark.parametrize("symbols, gaps, text", [
    (["1", "0"], 0.0, "10"),                    # touching: the 1's ink meets the 0's
    (["2", "3"], -0.08, "23"),                  # overlapping x-extents
    (["4", "1"], 0.25, "41"),                   # a two-stroke 4 next to a 1
    (["1", "4"], 0.12, "14"),
    (["7x", "3"], 0.2, "73"),                   # a 7 with a crossbar (two strokes)
    (["1", "7x"], 0.2, "17"),
    (["2", "0", "2", "4"], [0.15, 0.05, 0.3, 0.3], "2024"),  # uneven spacing
    (["3", ".", "1", "4"], [0.1, 0.1, 0.3, 0.3], "3.14"),    # a decimal point
    (["0", ".", "7"], [0.1, 0.1, 0.3], "0.7"),
    (["-", "7"], 0.2, "-7"),                    # a leading minus
    (["-", "1", "0"], 0.2, "-10"),
])
def test_hand_made_numbers(models, symbols, gaps, text):
    drawing = number_drawing(symbols, gaps)
    reading = read_number(drawing, models, 16.0)
    assert reading.text == text
    assert [d.symbol for d in reading.digits] == list(text)
    strokes = sorted(i for d in reading.digits for i in d.strokes)
    assert strokes == list(range(len(drawing.strokes)))  # every stroke in exactly one symbol
    for d in reading.digits:
        if d.symbol in ".-":
            assert d.probs is None and d.model_input is None and d.confidence == 1.0 and not d.not_sure
        else:
            assert d.probs.shape == (10,) and abs(float(d.probs.sum()) - 1) < 1e-3
            assert d.model_input.shape == (1, 1, 28, 28) and not d.not_sure
    xs = [d.box[0] for d in reading.digits]
    assert xs == sorted(xs)  # left to right
    assert reading.confidence == pytest.approx(float(np.prod([d.confidence for d in reading.digits])))


def test_two_stroke_four_keeps_its_strokes_and_box(models):
    reading = read_number(number_drawing(["4", "1"], 0.25), models, 16.0)
    four, one = reading.digits
    assert four.strokes == (0, 1) and one.strokes == (2,)
    x, y, w, h = four.box
    assert x < 40 and x + w > 40 + 0.6 * 120 * 0.95 and y < 80 and y + h > 200  # covers the ink + half the pen
    assert four.box[0] + four.box[2] <= one.box[0] + 8  # the pen's half width at most


@pytest.mark.parametrize("symbols", [["0"], ["1"], ["4"], ["7x"], ["3"]])
def test_single_digit_is_exactly_todays_answer(models, symbols):
    drawing = number_drawing(symbols)
    reading = read_number(drawing, models, 16.0)
    assert len(reading.digits) == 1
    digit = reading.digits[0]
    assert np.array_equal(digit.probs, today(models, drawing))
    assert np.array_equal(digit.model_input, preprocess(render(drawing, 16.0)))
    assert digit.strokes == tuple(range(len(drawing.strokes)))
    assert digit.not_sure == (digit.confidence < models.threshold(True))


def test_single_real_looking_digits_with_default_width(models):
    """Strokes without a width are rendered at the reader's width, as the window renders them."""
    drawing = number_drawing(["7x"])
    for s in drawing.strokes:
        s.width = None
    reading = NumberReader(models, 22.0).read(drawing)
    assert np.array_equal(reading.digits[0].probs, today(models, drawing, 22.0))


@pytest.mark.parametrize("symbols", [["7x"], ["4"], ["1", "2"]])
def test_ink_given_for_the_whole_drawing_reads_as_rendering_it(models, symbols, monkeypatch):
    """The window passes its canvas ink (render(drawing) pixel for pixel): same reading, and the
    page is not rendered a second time."""
    drawing = number_drawing(symbols)
    for s in drawing.strokes:
        s.width = 16.0
    expected = read_number(drawing, models, 16.0)
    ink = render(drawing, 16.0)
    import digitpad.number as number

    sizes = []
    monkeypatch.setattr(number, "render", lambda d, w: sizes.append((d.width, d.height)) or render(d, w))
    got = NumberReader(models, 16.0).read(drawing, ink)
    assert (drawing.width, drawing.height) not in sizes
    assert got.text == expected.text
    for a, b in zip(got.digits, expected.digits):
        assert np.array_equal(a.probs, b.probs) and np.array_equal(a.model_input, b.model_input)


def test_blank_and_symbol_only_drawings_read_nothing(models):
    assert read_number(dr.Drawing(280, 280, []), models) is None
    assert read_number(dr.Drawing(280, 280, [dr.Stroke([], 10.0)]), models) is None


def test_cache_scores_only_candidates_with_the_new_stroke(models):
    drawing = number_drawing(["2", "0", "2", "4", "1", "7x", "3", "0", "1", "4"], 0.2)
    n = len(drawing.strokes)
    reader = NumberReader(models, 16.0)
    first = reader.read(dr.Drawing(drawing.width, drawing.height, drawing.strokes[:-1]))  # the 4 lacks its stem
    assert first.text.startswith("202417301")
    assert reader.scored_last > 20
    again = reader.read(drawing)
    assert again.text == "2024173014"
    assert 1 <= reader.scored_last <= 4  # runs that end at the new (rightmost) stroke
    fresh = read_number(drawing, models, 16.0)
    assert again.text == fresh.text
    for a, b in zip(again.digits, fresh.digits):
        assert np.array_equal(a.probs, b.probs) and a.strokes == b.strokes and a.box == b.box
    reader.read(drawing)
    assert reader.scored_last == 0  # nothing new: all from the cache
    assert n == 13


def test_reader_calls_each_model_once_per_reading(models, monkeypatch):
    calls = []
    real_image, real_traj = models.image.predict_batch, models.trajectory.predict_batch
    monkeypatch.setattr(models.image, "predict_batch", lambda x: calls.append(("image", len(x))) or real_image(x))
    monkeypatch.setattr(models.trajectory, "predict_batch", lambda x: calls.append(("traj", len(x))) or real_traj(x))
    read_number(number_drawing(["2", "0", "2", "4"], 0.2), models, 16.0)
    assert [c[0] for c in calls] == ["image", "traj"] and calls[0][1] == calls[1][1] > 5


def _bfs_components(mask: np.ndarray) -> int:
    seen = np.zeros_like(mask, bool)
    count = 0
    for y, x in zip(*np.nonzero(mask)):
        if seen[y, x]:
            continue
        count += 1
        queue = deque([(y, x)])
        seen[y, x] = True
        while queue:
            cy, cx = queue.popleft()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = cy + dy, cx + dx
                    if 0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1] and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        queue.append((ny, nx))
    return count


def test_label_components_matches_a_plain_flood_fill():
    rng = np.random.default_rng(3)
    for density in (0.2, 0.4, 0.55):
        mask = rng.random((40, 60)) < density
        labels, n = label_components(mask)
        assert n == _bfs_components(mask)
        assert set(np.unique(labels[mask])) == set(range(1, n + 1)) and not labels[~mask].any()
        for k in range(1, n + 1):  # each label is one 8-connected piece
            assert _bfs_components(labels == k) == 1
    assert label_components(np.zeros((5, 5), bool))[1] == 0


def test_image_of_a_number_is_read_by_components(models):
    ink = render(number_drawing(["2", "0", "7"], 0.3), 16.0)
    reading = read_number_image(ink, models)
    assert reading.text == "207"
    assert [d.strokes for d in reading.digits] == [(0,), (1,), (2,)]  # components, left to right


def test_image_of_one_digit_is_exactly_todays_image_answer(models):
    ink = render(number_drawing(["4"]), 16.0)
    reading = read_number_image(ink, models)
    assert len(reading.digits) == 1
    assert np.array_equal(reading.digits[0].probs, models.predict_batch(preprocess(ink))[0][0])
    assert read_number_image(np.zeros((50, 50), np.uint8), models) is None


def test_digit_level_metric():
    assert edit_distance("2025", "2025") == 0 and edit_distance("2025", "205") == 1
    assert edit_distance("", "12") == 2 and edit_distance("123", "321") == 2
    assert digits_right("2025", "2035") == 3  # same length: per position
    assert digits_right("2025", "205") == 3 and digits_right("12", "") == 0 and digits_right("1", "2345") == 0
    assert label_of(dr.Drawing(1, 1, [], {"label": "08967"})) == "08967"
    assert label_of(dr.Drawing(1, 1, [], {"label": 42})) == "42"
    assert label_of(dr.Drawing(1, 1, [], {"label": "4x"})) is None


# ---------------------------------------------------------------- CLI

def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitpad", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture()
def number_files(tmp_path):
    paths = {}
    paths["n.json"] = tmp_path / "n.json"
    dr.save(number_drawing(["3", ".", "1", "4"], [0.1, 0.1, 0.3, 0.3]), paths["n.json"])
    paths["n.png"] = tmp_path / "n.png"
    Image.fromarray(255 - render(number_drawing(["2", "0", "7"], 0.3), 16.0)).save(paths["n.png"])
    paths["set.jsonl"] = tmp_path / "set.jsonl"
    rows = []
    for symbols, gaps, label, writer in [(["4", "1"], 0.25, "41", "a"), (["1", "0"], 0.1, "10", "a"),
                                         (["2", "0", "2", "4"], 0.2, "2024", "b"), (["7"], 0.2, "7", "b"),
                                         (["0", "7"], 0.2, "08", "c")]:  # the last one is read "07": wrong
        d = number_drawing(symbols, gaps)
        d.extra = {"label": label, "writer": writer}
        rows.append(dr.dumps(d))
    paths["set.jsonl"].write_text("\n".join(rows) + "\n")
    return paths


def test_predict_number_json_shape(number_files):
    r = run("predict", "--number", "--json", str(number_files["n.json"]), str(number_files["n.png"]), "missing.json")
    assert r.returncode == 1  # the missing file, reported, the others still read
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    first, image, missing = lines
    assert set(first) == {"input", "text", "confidence", "not_sure", "digits"}
    assert first["input"] == str(number_files["n.json"]) and first["text"] == "3.14"
    assert isinstance(first["confidence"], float) and first["not_sure"] is False
    assert [d["digit"] for d in first["digits"]] == ["3", ".", "1", "4"]
    for d in first["digits"]:
        assert set(d) == {"digit", "probs", "strokes", "box", "not_sure"}
        assert len(d["box"]) == 4 and all(isinstance(v, float) for v in d["box"])
        assert (d["probs"] is None) == (d["digit"] == ".")
    assert first["digits"][3]["strokes"] == [3, 4] and len(first["digits"][0]["probs"]) == 10
    assert image["text"] == "207"
    assert missing["input"] == "missing.json" and "error" in missing
    assert "missing.json" in r.stderr


def test_predict_number_plain_text(number_files):
    r = run("predict", "--number", str(number_files["n.json"]))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{number_files['n.json']}: 3.14  ")


def test_eval_numbers_on_a_tiny_jsonl(number_files):
    r = run("eval", "--numbers", str(number_files["set.jsonl"]), "--width", "16")
    assert r.returncode == 0, r.stderr
    assert "exact match 80.00 % (4/5)" in r.stdout
    assert "digit level 90.91 %" in r.stdout  # 10 of 11 label digits
    assert " 2 digits:     3 numbers, exact  66.67 %" in r.stdout and "08 -> 07" in r.stdout
    r = run("eval", "--numbers", str(number_files["set.jsonl"]), "--json")
    summary = json.loads(r.stdout)["numbers"]
    assert summary["count"] == 5 and summary["exact"] == 0.8
    assert summary["by_length"]["4"] == {"count": 1, "exact": 1.0, "digit_level": 1.0}


def test_a_drawing_too_costly_to_render_is_refused_before_any_candidate(models):
    from digitpad.render import MAX_RENDER_POINTS, RenderError

    zigzag = [(float(i % 200), float(100 + (i % 7)), 1.0) for i in range(MAX_RENDER_POINTS // 40 + 1)]
    drawing = dr.Drawing(400, 280, [dr.Stroke(zigzag, 16.0) for _ in range(41)])
    reader = NumberReader(models, 16.0)
    with pytest.raises(RenderError, match="too costly"):
        reader.read(drawing)
    assert reader.scored_last == 0


def test_image_with_touching_digits_is_cut_at_the_thinnest_column(models, monkeypatch):
    from digitpad import number

    ink = render(number_drawing(["7", "2", "7"], [0.3, -0.03, 0.0]), 16.0)
    assert label_components(ink >= number.IMAGE_INK_LEVEL)[1] == 2  # the 2 and the last 7 are one blob
    reading = read_number_image(ink, models)
    assert reading.text == "727" and len(reading.digits) == 3
    monkeypatch.setattr(number, "CUT_WIDE", 99.0)  # not cut: the blob is one candidate at best
    assert read_number_image(ink, models).text != "727"


def test_a_new_personal_fit_makes_the_readers_cached_scores_stale():
    """Scores cached before the user taught a digit were made with the old fit: the next reading
    of the same strokes must equal a fresh reader's, not the cache's."""
    models = DrawingRecognizer.load()
    drawing = number_drawing(["1", "4"])
    reader = NumberReader(models)
    reader.read(drawing)
    four = drawing.strokes[1:]
    samples = [dr.Drawing(drawing.width, drawing.height, four, {"label": 9, "id": f"s{i}"}) for i in range(3)]
    models.set_personal(samples)
    again = reader.read(drawing)
    assert reader.scored_last > 0
    fresh = NumberReader(models).read(drawing)
    assert again.text == fresh.text
    for a, b in zip(again.digits, fresh.digits):
        assert (a.probs is None and b.probs is None) or np.array_equal(a.probs, b.probs)
    models.set_personal([])
    assert reader.read(drawing).text == NumberReader(models).read(drawing).text and reader.scored_last > 0


def test_faint_ink_at_one_edge_is_not_given_to_a_component_at_the_other():
    """Antialiased ink is given to the nearest component within reach, never across the image's edge."""
    from digitpad.number import _nearest_owner

    ink = np.zeros((5, 8), np.uint8)
    ink[2, 0] = 255  # a component at the left edge
    ink[2, 7] = 40  # faint ink at the right edge, 1 px from it only if the image wrapped
    labels = np.zeros((5, 8), np.int32)
    labels[2, 0] = 1
    owner = _nearest_owner(ink, labels)
    assert owner[2, 7] == 0 and owner[2, 0] == 1 and owner.shape == labels.shape


def test_cli_refuses_a_number_search_over_too_much_ink_naming_the_file(tmp_path):
    """The window reads such a drawing as one digit; the CLI says why it will not search it."""
    zigzag = [[float(x % 2) * 2000 + 20, float(y) * 4 + 20, 1.0] for x, y in zip(range(300), range(300))]
    heavy = {"format": "digitpad-drawing", "version": 1, "width": 2100, "height": 1300,
             "strokes": [{"width": 40.0, "points": zigzag}, {"points": [[10.0, 10.0], [50.0, 50.0]]}]}
    path = tmp_path / "heavy.json"
    path.write_text(json.dumps(heavy))
    r = run("predict", "--number", str(path))
    assert r.returncode == 1
    assert f"{path}: too much ink to search for a number" in r.stderr
    assert run("predict", str(path)).returncode == 0  # read as one digit without --number
