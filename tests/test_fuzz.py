"""Fuzzed inputs for the three readers: preprocessor, drawing reader (+ renderer), image reader.

Bounded and derandomized (fixed seed) so the suite stays fast and repeatable; the long run
is ``benchmarks/fuzz.py`` (see docs/hardening.md).  Each reader must either return a valid
result or raise its own clear error (DrawingError / ImageError), never anything else.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import re
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from PIL import Image

from digitpad import drawing as dr
from digitpad import render
from digitpad.images import ImageError, load_image
from digitpad.preprocess import preprocess

FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def fuzz(n: int) -> settings:
    return settings(FUZZ, max_examples=n)


def check_model_input(x) -> None:
    if x is None:
        return
    assert isinstance(x, np.ndarray) and x.shape == (1, 1, 28, 28) and x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0


# ---------------------------------------------------------------- preprocessor

@fuzz(300)
@given(arrays(np.uint8, array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=48)))
def test_preprocess_small_arrays(image):
    check_model_input(preprocess(image))


@st.composite
def sparse_images(draw):
    """Big (up to 2000x2000) mostly-zero arrays made of a few rectangles and points: fast to build."""
    h = draw(st.integers(1, 2000))
    w = draw(st.integers(1, 2000))
    image = np.zeros((h, w), np.uint8)
    for _ in range(draw(st.integers(0, 4))):
        y, x = draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))
        rh, rw = draw(st.integers(1, h)), draw(st.integers(1, w))
        image[y : y + rh, x : x + rw] = draw(st.integers(0, 255))
    for _ in range(draw(st.integers(0, 6))):
        image[draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))] = draw(st.integers(1, 255))
    layout = draw(st.sampled_from(["c", "f", "view"]))
    if layout == "f":
        image = np.asfortranarray(image)
    elif layout == "view" and h > 1 and w > 1:
        image = image[::2, 1::2]
    return image


@fuzz(60)
@given(sparse_images())
def test_preprocess_big_sparse_arrays(image):
    check_model_input(preprocess(image))


@pytest.mark.parametrize("shape,value", [((1, 1), 1), ((1, 1), 255), ((1, 2000), 1), ((2000, 1), 3),
                                         ((2000, 2000), 1), ((2, 2000), 255)])
def test_preprocess_extremes(shape, value):
    image = np.zeros(shape, np.uint8)
    image[0, 0] = value
    image[-1, -1] = value
    check_model_input(preprocess(image))
    check_model_input(preprocess(np.full(shape, value, np.uint8)))


# ---------------------------------------------------------------- drawing reader

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-300, 300),
    st.integers(-10**6, 10**6),
    st.integers(-10**400, 10**400),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
)
JUNK = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
                    max_leaves=10)


@st.composite
def drawing_objects(draw):
    """Mostly well-formed drawing dicts with fuzzed fields (numbers, types, sizes)."""
    good = st.floats(0, 300)
    coord = st.one_of(good, good, good, NUMBERS)
    point = st.one_of(st.tuples(coord, coord).map(list), st.tuples(coord, coord, coord).map(list),
                      st.lists(coord, max_size=4), JUNK)
    stroke = st.fixed_dictionaries(
        {"points": st.one_of(st.lists(point, max_size=12), JUNK)},
        optional={"width": st.one_of(st.floats(0.1, 60), NUMBERS, st.floats(-1e9, 1e9))},
    )
    side = st.one_of(st.integers(1, 300), st.integers(-5, 20000), NUMBERS)
    obj = draw(st.fixed_dictionaries(
        {"width": side, "height": side},
        optional={"format": st.one_of(st.just(dr.FORMAT), JUNK), "version": st.one_of(st.just(1), JUNK),
                  "strokes": st.one_of(st.lists(stroke, max_size=4), JUNK), "label": JUNK, "writer": JUNK},
    ))
    return obj


def mutate(text: str, data) -> str:
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 4))):
        if not chars:
            break
        i = data.draw(st.integers(0, len(chars) - 1))
        op = data.draw(st.sampled_from(["del", "dup", "set", "insert"]))
        if op == "del":
            del chars[i]
        elif op == "dup":
            chars.insert(i, chars[i])
        else:
            c = data.draw(st.sampled_from(list('{}[],:"0123456789.eE-+ naNInfity\\u\x00\ud800é')))
            if op == "set":
                chars[i] = c
            else:
                chars.insert(i, c)
    return "".join(chars)


def check_drawing_result(make) -> dr.Drawing | None:
    """make() must return a Drawing or raise DrawingError with a message; a drawing must render or refuse."""
    try:
        drawing = make()
    except dr.DrawingError as exc:
        assert str(exc).strip()
        return None
    assert isinstance(drawing, dr.Drawing)
    assert 1 <= drawing.width <= dr.MAX_CANVAS_SIDE and 1 <= drawing.height <= dr.MAX_CANVAS_SIDE
    assert sum(len(s.points) for s in drawing.strokes) <= dr.MAX_POINTS
    for s in drawing.strokes:
        assert all(math.isfinite(v) for pt in s.points for v in pt)
        assert s.width is None or 0 < s.width <= dr.MAX_STROKE_WIDTH
    drawing.label, drawing.writer  # noqa: B018 - properties must not raise
    if drawing.width * drawing.height <= 1024 * 1024:  # keep the suite fast; benchmarks/fuzz.py goes bigger
        start = time.perf_counter()
        try:
            image = render.render(drawing)
        except render.RenderError as exc:
            assert "render" in str(exc) or "canvas" in str(exc)
        else:
            assert image.shape == (drawing.height, drawing.width) and image.dtype == np.uint8
            check_model_input(preprocess(image))
        assert time.perf_counter() - start < 10
    return drawing


@fuzz(300)
@given(drawing_objects(), st.data())
def test_drawing_loads_fuzzed_objects(obj, data):
    text = json.dumps(obj)  # NaN / Infinity written as JSON's non-standard literals, as Python reads them
    check_drawing_result(lambda: dr.loads(text))
    if data.draw(st.booleans()):
        mutated = mutate(text, data)
        check_drawing_result(lambda: dr.loads(mutated))


@fuzz(200)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                 JUNK.map(json.dumps)))
def test_drawing_loads_random_text(text):
    check_drawing_result(lambda: dr.loads(text))


@pytest.mark.parametrize("text", [
    '{"width":1' + "0" * 400 + ',"height":5}',  # float(int) overflows
    '{"width":' + "1" * 5000 + ',"height":5}',  # beyond Python's int-string limit
    '{"width":5,"height":5,"strokes":[{"points":[[1' + "0" * 400 + ',1]]}]}',
    '{"width":5,"height":5,"strokes":[{"width":-1e999,"points":[]}]}',
    '{"width":5,"height":5,"strokes":[{"points":[[Infinity,1]]}]}',
    '{"width":5,"height":5,"strokes":[{"points":[[1,-Infinity,NaN]]}]}',
    '{"format":' + "[" * 900 + "]" * 900 + ',"width":1,"height":1}',
    '{"format":"' + "x" * 100000 + '","width":1,"height":1}',
])
def test_drawing_reader_regressions(text):
    with pytest.raises(dr.DrawingError) as info:
        dr.loads(text)
    assert len(str(info.value)) < 500  # the message is short even when the value is huge


@pytest.mark.parametrize("label,expected", [("²", None), ("0" * 5000, None), ("7", 7), (7, 7), (-1, None),
                                            (True, None), ([1], None), ("3.0", None)])
def test_label_never_raises(label, expected):
    assert dr.Drawing(5, 5, extra={"label": label}).label == expected


def test_writer_of_deep_or_huge_value():
    deep = dr.loads('{"width":1,"height":1,"writer":' + "[" * 900 + "]" * 900 + "}")
    assert isinstance(deep.writer, str)


def test_one_million_points_loads_but_refuses_to_render_quickly(tmp_path):
    pts = ",".join(f"[{i % 280},{(i * 7) % 280}]" for i in range(dr.MAX_POINTS))
    path = tmp_path / "big.json"
    path.write_text('{"width":280,"height":280,"strokes":[{"points":[' + pts + "]}]}")
    drawing = dr.load(path)
    assert len(drawing.strokes[0].points) == dr.MAX_POINTS
    start = time.perf_counter()
    with pytest.raises(render.RenderError, match="too costly"):
        render.render(drawing)
    assert time.perf_counter() - start < 1
    path.write_text('{"width":280,"height":280,"strokes":[{"points":[' + pts + ",[1,1]]}]}")
    with pytest.raises(dr.DrawingError, match="too many points"):
        dr.load(path)


@pytest.mark.parametrize("drawing", [
    dr.Drawing(8192, 8192, [dr.Stroke([(0.0, 0.0, 1.0), (8192.0, 8192.0, 1.0)] * 50, 1024.0)]),
    dr.Drawing(8192, 8192, [dr.Stroke([(4096.0, 4096.0, 1.0)], 1024.0) for _ in range(2000)]),
    dr.Drawing(280, 280, [dr.Stroke([(-1e300, -1e300, 1.0), (1e300, 1e300, 1.0)] * 20000, 18.0)]),
    dr.Drawing(16384, 5, []),
])
def test_hostile_drawings_refused_fast(drawing):
    start = time.perf_counter()
    with pytest.raises(render.RenderError):
        render.render(drawing)
    assert time.perf_counter() - start < 1
    assert isinstance(render.RenderError("x"), (dr.DrawingError, ValueError))


def test_huge_coordinates_render():
    d = dr.Drawing(50, 50, [dr.Stroke([(-1e300, 25.0, 1.0), (1e300, 25.0, 1.0), (1e9, -1e9, 0.5)], 4.0)])
    assert render.render(d).shape == (50, 50)


def test_100mb_files(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: instant
    with pytest.raises(dr.DrawingError, match="big.json: file too large"):
        dr.load(big)
    bomb = tmp_path / "bomb.json.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as fh:
        chunk = b" " * (1 << 20)
        for _ in range(100):
            fh.write(chunk)
    with pytest.raises(dr.DrawingError, match="too large"):
        dr.load(bomb)
    line = tmp_path / "bomb.jsonl.gz"
    line.write_bytes(bomb.read_bytes())
    with pytest.raises(dr.DrawingError, match="bomb.jsonl.gz:1: line too long"):
        list(dr.iter_jsonl(line))


@pytest.mark.parametrize("name", ["a.json.gz", "a.jsonl.gz", "a.json", "a.jsonl"])
def test_corrupt_files(tmp_path, name):
    good = dr.dumps(dr.Drawing(10, 10, [dr.Stroke([(1.0, 2.0, 1.0)])])) + "\n"
    raw = gzip.compress(good.encode()) if name.endswith(".gz") else good.encode()
    variants = [raw[: len(raw) // 2], raw[:10] + bytes(b ^ 0x5A for b in raw[10:30]) + raw[30:],
                b"\xff\xfe\x00garbage", b""]
    for content in variants:
        path = tmp_path / name
        path.write_bytes(content)
        try:
            result = dr.load_any(path)
        except dr.DrawingError as exc:
            assert name in str(exc)
        else:
            assert all(isinstance(d, dr.Drawing) for d in result)


@fuzz(100)
@given(st.binary(max_size=300), st.sampled_from(["f.json", "f.jsonl", "f.json.gz", "f.jsonl.gz"]),
       st.booleans())
def test_drawing_files_random_bytes(tmp_path_factory, content, name, gz_wrap):
    path = tmp_path_factory.mktemp("d") / name
    path.write_bytes(gzip.compress(content) if gz_wrap and name.endswith(".gz") else content)
    try:
        dr.load_any(path)
    except dr.DrawingError as exc:
        assert name in str(exc)


# ---------------------------------------------------------------- image reader

def sample_image_bytes(fmt: str, mode: str = "L", size=(12, 9)) -> bytes:
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 256, (size[1], size[0]), dtype=np.uint8)).convert(mode)
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


FORMATS = {"PNG": ".png", "BMP": ".bmp", "GIF": ".gif", "TIFF": ".tif", "JPEG": ".jpg", "WEBP": ".webp"}
SAMPLES = {fmt: sample_image_bytes(fmt, "RGB" if fmt in ("JPEG", "WEBP") else "L") for fmt in FORMATS}


def check_image_result(path) -> None:
    try:
        out = load_image(path)
    except ImageError as exc:
        assert path.name in str(exc)
    else:
        assert isinstance(out, np.ndarray) and out.ndim == 2 and out.dtype == np.uint8 and out.size > 0


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about corrupt TIFF tags
@fuzz(250)
@given(st.sampled_from(sorted(FORMATS)), st.sampled_from(list(FORMATS.values()) + [".txt"]), st.data())
def test_image_mutated_files(tmp_path_factory, fmt, suffix, data):
    raw = bytearray(SAMPLES[fmt])
    action = data.draw(st.sampled_from(["truncate", "flip", "both", "header"]))
    if action in ("truncate", "both"):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    if action in ("flip", "both") and raw:
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    if action == "header":  # rewrite bytes in the first 32: sizes, depths, flags
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, min(31, len(raw) - 1)))
            raw[i] = data.draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF]))
    path = tmp_path_factory.mktemp("i") / f"fuzz{suffix}"
    path.write_bytes(bytes(raw))
    check_image_result(path)


@pytest.mark.filterwarnings("ignore::UserWarning")
@fuzz(100)
@given(st.binary(max_size=400), st.sampled_from([".png", ".jpg", ".bmp", ".gif", ".tif", ".webp"]))
def test_image_random_bytes(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("i") / f"random{suffix}"
    path.write_bytes(content)
    check_image_result(path)


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA", "LA", "PA", "I;16", "I", "F", "CMYK"])
@pytest.mark.parametrize("size", [(1, 1), (2, 1), (17, 5)])
def test_image_odd_modes(tmp_path, mode, size):
    rng = np.random.default_rng(1)
    base = Image.fromarray(rng.integers(0, 256, (size[1], size[0]), dtype=np.uint8))
    if mode == "F":
        img = Image.fromarray(rng.normal(0, 1e6, (size[1], size[0])).astype(np.float32), "F")
    elif mode == "I":
        img = Image.fromarray(rng.integers(-2**31, 2**31 - 1, (size[1], size[0]), dtype=np.int32), "I")
    else:
        img = base.convert(mode) if mode not in ("LA", "PA", "I;16") else base.convert("RGBA").convert(mode) \
            if mode != "I;16" else Image.fromarray(rng.integers(0, 65535, (size[1], size[0]), dtype=np.uint16))
    path = tmp_path / "odd.tif" if mode in ("I;16", "I", "F", "CMYK", "PA") else tmp_path / "odd.png"
    img.save(path)
    check_image_result(path)


@pytest.mark.parametrize("fmt,name", [("JPEG", "photo.png"), ("PNG", "pic.jpg"), ("GIF", "x.bmp")])
def test_image_wrong_extension(tmp_path, fmt, name):
    path = tmp_path / name
    path.write_bytes(SAMPLES[fmt])
    assert load_image(path).shape == (9, 12)


def test_text_named_bmp(tmp_path):
    path = tmp_path / "notes.bmp"
    path.write_text("BM this is a text file, not a bitmap\n" * 20)
    with pytest.raises(ImageError, match="notes.bmp"):
        load_image(path)


@pytest.mark.parametrize("fmt,size", [("GIF", (60000, 60000)), ("BMP", (20000, 20000)), ("PNG", (9000, 9000))])
def test_image_bombs(tmp_path, fmt, size):
    """A header claiming a huge canvas is refused before any pixel is decoded."""
    img = Image.new("1" if fmt != "GIF" else "P", (4, 4))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    raw = bytearray(buf.getvalue())
    w, h = size
    if fmt == "GIF":
        raw[6:10] = w.to_bytes(2, "little") + h.to_bytes(2, "little")
        raw[raw.index(b",") + 5 : raw.index(b",") + 9] = w.to_bytes(2, "little") + h.to_bytes(2, "little")
    elif fmt == "BMP":
        raw[18:26] = w.to_bytes(4, "little") + h.to_bytes(4, "little")
    else:
        raw[16:24] = w.to_bytes(4, "big") + h.to_bytes(4, "big")  # (bad CRC: refused either way)
    path = tmp_path / f"bomb.{fmt.lower()}"
    path.write_bytes(bytes(raw))
    start = time.perf_counter()
    with pytest.raises(ImageError, match=f"bomb.{fmt.lower()}"):
        load_image(path)
    assert time.perf_counter() - start < 2


POINT = st.one_of(st.lists(NUMBERS, min_size=2, max_size=3), st.tuples(NUMBERS, NUMBERS), JUNK,
                  st.lists(st.floats(allow_nan=False), min_size=2, max_size=3))


@fuzz(300)
@given(st.lists(POINT, max_size=6))
def test_fast_point_path_matches_the_checked_one(raw):
    """drawing._points (fast path) gives exactly what the point-by-point validation gives."""
    try:
        slow = [dr._point(pt, 0, j) for j, pt in enumerate(raw)]
    except dr.DrawingError as exc:
        with pytest.raises(dr.DrawingError, match=re.escape(str(exc))):
            dr._points(raw, 0)
    else:
        fast = dr._points(raw, 0)
        assert [tuple(map(repr, p)) for p in fast] == [tuple(map(repr, p)) for p in slow]


@fuzz(60)
@given(st.lists(drawing_objects(), min_size=1, max_size=2), st.data())
def test_incremental_dumps_equals_dumps(objs, data):
    """The autosave's stroke-by-stroke serializer writes exactly what dumps writes, whatever the edit."""
    drawings = []
    for obj in objs:
        try:
            drawings.append(dr.loads(json.dumps(obj)))
        except dr.DrawingError:
            pass
    if drawings:  # and the edits a canvas makes: a stroke added, the last one undone, a clear
        base = drawings[-1]
        extra = dr.Stroke([(float(x), 2.5, 1.0) for x in range(data.draw(st.integers(0, 5)))],
                          data.draw(st.none() | st.floats(0.5, 60)))
        drawings += [dr.Drawing(base.width, base.height, base.strokes + [extra], base.extra),
                     dr.Drawing(base.width, base.height, base.strokes[:-1], base.extra),
                     dr.Drawing(base.width, base.height, [], base.extra), base]
    incremental = dr.IncrementalDumps()
    for d in drawings:
        assert incremental(d) == dr.dumps(d)


def test_fuzz_benchmark_new_targets_smoke(tmp_path):
    """benchmarks/fuzz.py's model, .jsonl-stream and special-file targets run clean (a few
    inputs each; the long run is the benchmark itself)."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz.py"
    r = subprocess.run([sys.executable, str(script), "--examples", "40", "--only", "model", "jsonl", "special-files",
                        "--save", str(tmp_path / "failures")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    rows = {line.split()[0]: line.split() for line in r.stdout.splitlines() if line.split()}
    for target in ("model", "jsonl", "special-files"):
        assert rows[target][2:4] == ["0", "0"], r.stdout  # no crashes, no hangs
    assert "worst MB" in r.stdout
