"""Long fuzz run of what users can feed digitpad: a table of targets (TARGETS).

    .venv/bin/python benchmarks/fuzz.py                 # 100,000 inputs in total (default)
    .venv/bin/python benchmarks/fuzz.py --examples 3000 --seed 1
    .venv/bin/python benchmarks/fuzz.py --only model jsonl special-files --tracemalloc

Targets: the preprocessor, the drawing reader (+ renderer), the image reader, model files
(random and mutated ONNX bytes -> ModelError only), whole .jsonl streams through the CLI's
streaming predict path, and special files (FIFO, folder, /dev/zero, symlink loops).  Two companions run afterwards in child
processes (COMPANIONS): the settings reader (benchmarks/fuzz_settings.py, 10 % of --examples
as settings values) and the window's open path (benchmarks/fuzz_open.py, 1 %: the real window
with its UI-step times); ``--only`` names them too.
Each input's memory is recorded: the growth of the process's peak RSS it caused, and with
--tracemalloc the peak of Python/numpy allocations during it; the worst input is printed.

Each reader first gets its special inputs, once per run and counted with the rest: 2000x2000
and 1xN arrays; a 1,000,000-point drawing, a 100 MB file, a gzip bomb, 1,000,000-deep nesting,
+-1e300 coordinates, huge canvases; image headers claiming 60000x60000, a real 144 Mpx PNG of a
few kB, a truncated JPEG, a PNG named .jpg.  Each prints its time and outcome.

Inputs come from a seeded ``random.Random`` (fast, repeatable); the bounded, shrinking
version of the same ideas is tests/test_fuzz.py (hypothesis).  An input is a *crash* when
the reader raises anything but its own error (DrawingError / ImageError) or returns a
result that breaks the contract; a *hang* when it takes longer than --limit seconds (it is
also interrupted then by SIGALRM).  Failing inputs are written to --save (default
fuzz-failures/) for replay.  Exit status 1 if there was any crash or hang, or a companion failed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from digitpad import drawing as dr  # noqa: E402
from digitpad import render  # noqa: E402
from digitpad.images import ImageError, load_image  # noqa: E402
from digitpad.recognizer import ModelError, Recognizer  # noqa: E402
from digitpad.preprocess import preprocess  # noqa: E402


class Hang(BaseException):
    """SIGALRM's exception: a BaseException, so no reader's or the CLI's catch-all swallows it."""


def _alarm(signum, frame):
    raise Hang()


# ------------------------------------------------------------------ checks

def check_model_input(x) -> None:
    if x is None:
        return
    assert isinstance(x, np.ndarray) and x.shape == (1, 1, 28, 28) and x.dtype == np.float32, "bad output"
    assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0, "output out of range"


def check_drawing(drawing: dr.Drawing) -> None:
    assert isinstance(drawing, dr.Drawing)
    assert 1 <= drawing.width <= dr.MAX_CANVAS_SIDE and 1 <= drawing.height <= dr.MAX_CANVAS_SIDE
    assert sum(len(s.points) for s in drawing.strokes) <= dr.MAX_POINTS
    for s in drawing.strokes:
        assert not s.points or np.isfinite(np.asarray(s.points, dtype=np.float64)).all()
        assert s.width is None or 0 < s.width <= dr.MAX_STROKE_WIDTH
    drawing.label, drawing.writer  # noqa: B018
    try:
        image = render.render(drawing)
    except render.RenderError as exc:
        assert str(exc)
        return
    assert image.shape == (drawing.height, drawing.width) and image.dtype == np.uint8
    check_model_input(preprocess(image))


# ------------------------------------------------------------------ preprocessor inputs

def gen_array(rng: random.Random) -> np.ndarray:
    if rng.random() < 0.8:  # small, dense random content
        h, w = rng.randint(1, 64), rng.randint(1, 64)
        kind = rng.random()
        if kind < 0.3:
            return np.frombuffer(rng.randbytes(h * w), np.uint8).reshape(h, w).copy()
        image = np.zeros((h, w), np.uint8)
        for _ in range(rng.randint(0, 5)):
            image[rng.randrange(h), rng.randrange(w)] = rng.choice([1, 2, 127, 255, rng.randint(1, 255)])
        if kind > 0.7:
            y, x = rng.randrange(h), rng.randrange(w)
            image[y : y + rng.randint(1, h), x : x + rng.randint(1, w)] = rng.randint(0, 255)
        return image
    # big and sparse: a few rectangles and points, up to 2000x2000
    h, w = rng.choice([rng.randint(1, 2000), 2000, 1]), rng.choice([rng.randint(1, 2000), 2000, 1])
    image = np.zeros((h, w), np.uint8)
    for _ in range(rng.randint(0, 4)):
        y, x = rng.randrange(h), rng.randrange(w)
        image[y : y + rng.randint(1, h), x : x + rng.randint(1, w)] = rng.randint(0, 255)
    for _ in range(rng.randint(0, 6)):
        image[rng.randrange(h), rng.randrange(w)] = rng.randint(1, 255)
    r = rng.random()
    if r < 0.1:
        image = np.asfortranarray(image)
    elif r < 0.2 and h > 1 and w > 1:
        image = image[::2, ::3]
    return image


#: The input being tried, so that the driver can save it for replay when it crashes or hangs.
LAST: dict = {}


def run_preprocess(rng: random.Random, save) -> None:
    image = gen_array(rng)
    LAST["save"] = ("preprocess.npy", lambda p: np.save(p, image))
    check_model_input(preprocess(image))


# ------------------------------------------------------------------ drawing inputs

SPECIAL_NUMBERS = [float("nan"), float("inf"), -float("inf"), 0, -0.0, -1, 1e308, -1e308, 5e-324, 10**400,
                   -(10**30), True, None, "1", [], {}, 16384, 16385, 1024, 1024.0001, 2**53 + 1]


def rnum(rng: random.Random, lo: float = 0, hi: float = 300):
    r = rng.random()
    if r < 0.85:
        return round(rng.uniform(lo, hi), rng.choice([0, 1, 3]))
    if r < 0.95:
        return rng.choice(SPECIAL_NUMBERS)
    return rng.uniform(-1e12, 1e12)


def junk(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth > 3 or r < 0.5:
        return rng.choice([None, True, 0, -1, 1.5, "x", "", "7", float("nan"), 10**20])
    if r < 0.75:
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["a", "points", "width", "x"]): junk(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def gen_drawing_obj(rng: random.Random):
    side = lambda: rng.randint(1, 300) if rng.random() < 0.85 else rng.choice(  # noqa: E731
        [rng.randint(-5, 20000), rnum(rng), 8192, 8193, 16384, 16385])
    obj = {"width": side(), "height": side()}
    if rng.random() < 0.9:
        obj["format"] = dr.FORMAT if rng.random() < 0.95 else junk(rng)
    if rng.random() < 0.9:
        obj["version"] = 1 if rng.random() < 0.95 else junk(rng)
    strokes = []
    for _ in range(rng.randint(0, 5)):
        stroke = {}
        if rng.random() < 0.7:
            stroke["width"] = rng.uniform(0.5, 60) if rng.random() < 0.8 else rnum(rng, -1e4, 2000)
        pts = []
        for _ in range(rng.choice([0, 1, 2, rng.randint(1, 40), rng.randint(1, 400)])):
            r = rng.random()
            if r < 0.9:
                pts.append([rnum(rng, -20, 320), rnum(rng, -20, 320)] + ([rng.random()] if rng.random() < 0.5 else []))
            elif r < 0.95:
                pts.append([rnum(rng, -20, 320), rnum(rng, -20, 320), rnum(rng, -2, 2)])
            else:
                pts.append(junk(rng))
        stroke["points"] = pts if rng.random() < 0.97 else junk(rng)
        strokes.append(stroke if rng.random() < 0.98 else junk(rng))
    obj["strokes"] = strokes if rng.random() < 0.97 else junk(rng)
    if rng.random() < 0.3:
        obj["label"] = rng.choice([rng.randint(0, 9), str(rng.randint(0, 9)), "²", "0" * 5000, -3, junk(rng)])
    if rng.random() < 0.2:
        obj["writer"] = rng.choice(["w1", 12, junk(rng)])
    return obj


MUTATION_CHARS = list('{}[],:"0123456789.eE-+ naNInfity\\u\x00\ud800é') + ["1" * 500, "[" * 2000, "9" * 5000]


def mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        if not chars:
            break
        i = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.3:
            del chars[i]
        elif op < 0.5:
            chars.insert(i, chars[i])
        elif op < 0.75:
            chars[i] = rng.choice(MUTATION_CHARS)
        else:
            chars.insert(i, rng.choice(MUTATION_CHARS))
    return "".join(chars)


def gen_drawing_text(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return json.dumps(gen_drawing_obj(rng))
    if r < 0.85:
        return mutate(rng, json.dumps(gen_drawing_obj(rng)))
    if r < 0.92:
        return rng.randbytes(rng.randint(0, 200)).decode("latin-1")
    return json.dumps(junk(rng))


def run_drawing(rng: random.Random, tmp: Path, save) -> None:
    text = gen_drawing_text(rng)
    LAST["save"] = ("drawing.txt", lambda p: p.write_text(text, encoding="utf-8", errors="surrogatepass"))
    try:
        via = rng.random()
        if via < 0.9:
            result = [dr.loads(text)]
        else:  # through the file readers: .json, .jsonl, .json.gz, .jsonl.gz, sometimes cut short
            name = rng.choice(["f.json", "f.jsonl", "f.json.gz", "f.jsonl.gz"])
            raw = (text + "\n" + text).encode("utf-8", "surrogatepass") if "jsonl" in name else \
                text.encode("utf-8", "surrogatepass")
            if name.endswith(".gz"):
                raw = gzip.compress(raw)
            if rng.random() < 0.3:
                raw = raw[: rng.randint(0, len(raw))]
            (tmp / name).write_bytes(raw)
            result = dr.load_any(tmp / name)
    except dr.DrawingError as exc:
        assert str(exc).strip(), "empty DrawingError message"
        return
    for d in result:
        check_drawing(d)


def special_drawing_inputs(tmp: Path):
    """The big cases, once per run: files are prepared here (not timed); each returned callable
    must raise DrawingError or return drawings, and is timed and checked like any input."""
    pts = ",".join(f"[{i % 280},{(i * 7) % 280}]" for i in range(dr.MAX_POINTS))
    (tmp / "million.json").write_text('{"width":280,"height":280,"strokes":[{"points":[' + pts + "]}]}")
    pts = ",".join(f"[{(i * 13) % 8192}.5,{(i * 7) % 8192},1]" for i in range(dr.MAX_POINTS))
    wide = '{"width":8192,"height":8192,"strokes":[{"width":1024,"points":[' + pts + "]}]}"
    with open(tmp / "big.json", "wb") as fh:
        fh.write(b'{"width":5,"height":5,"strokes":[' + b" " * (100 * 1024 * 1024) + b"]}")
    with gzip.open(tmp / "bomb.jsonl.gz", "wb", compresslevel=1) as fh:
        for _ in range(100):
            fh.write(b" " * (1 << 20))
    deep = "[" * 1_000_000 + "]" * 1_000_000
    huge_coords = json.dumps({"width": 280, "height": 280, "strokes": [
        {"width": 1024, "points": [[-1e300, -1e300], [1e300, 1e300], [1e15, -1e15]] * 30000}]})
    return {
        "1,000,000-point file": lambda: [dr.load(tmp / "million.json")],  # loads, refuses to render
        "1,000,000 points, width 1024, 8192x8192": lambda: [dr.loads(wide)],
        "100 MB file": lambda: [dr.load(tmp / "big.json")],
        "gzip bomb (100 MB line)": lambda: dr.load_any(tmp / "bomb.jsonl.gz"),
        "1,000,000-deep nesting": lambda: [dr.loads(deep)],
        "+-1e300 coordinates": lambda: [dr.loads(huge_coords)],
        "16384x16384 canvas": lambda: [dr.Drawing(16384, 16384, [dr.Stroke(
            [(0.0, 0.0, 1.0), (16384.0, 16384.0, 1.0)] * 10, 1024.0)])],
        "8192x8192 width-1024 diagonals": lambda: [dr.Drawing(8192, 8192, [dr.Stroke(
            [(0.0, 0.0, 1.0), (8192.0, 8192.0, 1.0)] * 4, 1024.0)])],
    }


# ------------------------------------------------------------------ image inputs

def _encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def image_seeds() -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(0)
    base = Image.fromarray(rng.integers(0, 256, (9, 12), dtype=np.uint8))
    seeds = []
    for fmt, modes in {"PNG": ["1", "L", "P", "RGB", "RGBA", "LA", "I;16", "I"], "BMP": ["1", "L", "P", "RGB"],
                       "GIF": ["L", "P"], "TIFF": ["1", "L", "RGB", "RGBA", "CMYK", "I;16", "I", "F"],
                       "JPEG": ["L", "RGB", "CMYK"], "WEBP": ["RGB", "RGBA"]}.items():
        for mode in modes:
            if mode == "I;16":
                img = Image.fromarray(rng.integers(0, 65535, (9, 12), dtype=np.uint16))
            elif mode == "F":
                img = Image.fromarray(rng.normal(0, 1e3, (9, 12)).astype(np.float32), "F")
            else:
                img = base.convert(mode)
            try:
                seeds.append((fmt, _encode(img, fmt)))
            except OSError:  # this Pillow cannot write that mode in that format
                pass
        seeds.append((fmt, _encode(Image.new("L", (1, 1), 3), fmt)))
    return seeds


SUFFIXES = [".png", ".jpg", ".bmp", ".gif", ".tif", ".webp", ".jpeg", ".txt"]


def gen_image_bytes(rng: random.Random, seeds) -> bytes:
    fmt, data = rng.choice(seeds)
    raw = bytearray(data)
    r = rng.random()
    if r < 0.1:
        return data  # valid, maybe under a wrong extension
    if r < 0.15:
        return rng.randbytes(rng.randint(0, 600))
    if r < 0.2:
        return b"BM this is text, not a bitmap\n" * rng.randint(0, 20)
    if r < 0.45 or rng.random() < 0.3:
        raw = raw[: rng.randint(0, len(raw))]
    if r >= 0.45 and raw:
        span = 40 if rng.random() < 0.5 else len(raw)  # headers are where the interesting fields are
        for _ in range(rng.randint(1, 8)):
            raw[rng.randrange(min(span, len(raw)))] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
    return bytes(raw)


def run_image(rng: random.Random, tmp: Path, seeds, save) -> None:
    raw = gen_image_bytes(rng, seeds)
    path = tmp / f"fuzz{rng.choice(SUFFIXES)}"
    path.write_bytes(raw)
    LAST["save"] = ("image" + path.suffix, lambda p: p.write_bytes(raw))
    try:
        out = load_image(path)
    except ImageError as exc:
        assert path.name in str(exc), "ImageError does not name the file"
        return
    assert isinstance(out, np.ndarray) and out.ndim == 2 and out.dtype == np.uint8 and out.size > 0


def special_image_inputs(tmp: Path):
    """Decompression bombs and other big or lying files, once per run (prepared here, not timed).
    Each callable returns canvas images or raises ImageError naming the file."""
    def patched(fmt: str, w: int, h: int) -> bytes:
        raw = bytearray(_encode(Image.new("P" if fmt == "GIF" else "1", (4, 4)), fmt))
        if fmt == "GIF":
            raw[6:10] = w.to_bytes(2, "little") + h.to_bytes(2, "little")
            i = raw.index(b",")
            raw[i + 5 : i + 9] = w.to_bytes(2, "little") + h.to_bytes(2, "little")
        elif fmt == "BMP":
            raw[18:26] = w.to_bytes(4, "little") + h.to_bytes(4, "little")
        else:
            raw[16:24] = w.to_bytes(4, "big") + h.to_bytes(4, "big")
        return bytes(raw)

    files = {
        "PNG header claiming 9000x9000": ("claims.png", patched("PNG", 9000, 9000)),
        "GIF header claiming 60000x60000": ("claims.gif", patched("GIF", 60000, 60000)),
        "BMP header claiming 20000x20000": ("claims.bmp", patched("BMP", 20000, 20000)),
        "real 12000x12000 PNG (144 Mpx in a few kB)": ("bomb.png", _encode(Image.new("1", (12000, 12000), 1), "PNG")),
        "real 6000x6000 PNG (36 Mpx, under the limit)": ("big.png", _encode(Image.new("L", (6000, 6000), 255), "PNG")),
        "truncated 3000x3000 JPEG": ("cut.jpg", _encode(Image.new("L", (3000, 3000), 200), "JPEG")[:5000]),
        "PNG named .jpg": ("png.jpg", _encode(Image.new("L", (40, 40), 0), "PNG")),
        "empty file": ("empty.png", b""),
    }
    out = {}
    for label, (name, raw) in files.items():
        (tmp / name).write_bytes(raw)
        out[label] = lambda p=tmp / name: [load_image(p)]
    return out


def special_preprocess_inputs():
    full = np.full((2000, 2000), 255, np.uint8)
    checker = np.zeros((2000, 2000), np.uint8)
    checker[::2, ::2] = 255
    return {
        "2000x2000 all ink": lambda: [full],
        "2000x2000 checkerboard": lambda: [checker],
        "1x2000 ink": lambda: [np.full((1, 2000), 255, np.uint8)],
        "2000x1 ink": lambda: [np.full((2000, 1), 255, np.uint8)],
        "1x1 ink": lambda: [np.full((1, 1), 255, np.uint8)],
        "1x1 paper": lambda: [np.zeros((1, 1), np.uint8)],
    }


def check_image(path_name: str, out) -> None:
    assert isinstance(out, np.ndarray) and out.ndim == 2 and out.dtype == np.uint8 and out.size > 0


# ------------------------------------------------------------------ model files

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "digit.onnx"


def gen_model_bytes(rng: random.Random, seed: bytes) -> bytes:
    """Mutated shipped model (header bytes more often: that is where the graph's structure is),
    cut short, random bytes, or empty."""
    r = rng.random()
    if r < 0.05:
        return b""
    if r < 0.15:
        return rng.randbytes(rng.randint(1, 4096))
    raw = bytearray(seed)
    if rng.random() < 0.3:
        raw = raw[: rng.randint(0, len(raw))]
    span = 256 if rng.random() < 0.6 else len(raw)
    for _ in range(rng.randint(1, 8)):
        if raw:
            raw[rng.randrange(min(span, len(raw)))] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
    return bytes(raw)


def check_model(path: Path) -> None:
    """Recognizer(path) and a prediction: valid probabilities or ModelError, nothing else."""
    rec = Recognizer(path)
    probs = rec.predict_batch(np.zeros((2, 1, 28, 28), np.float32))
    assert probs.shape == (2, 10) and np.isfinite(probs).all(), "invalid probabilities passed the checks"


def run_model(rng: random.Random, tmp: Path, seed: bytes, save) -> None:
    raw = gen_model_bytes(rng, seed)
    path = tmp / "fuzz.onnx"
    path.write_bytes(raw)
    LAST["save"] = ("model.onnx", lambda p: p.write_bytes(raw))
    try:
        check_model(path)
    except ModelError as exc:
        assert str(path) in str(exc), "ModelError does not name the file"


def special_model_inputs(tmp: Path):
    (tmp / "empty.onnx").write_bytes(b"")
    (tmp / "text.onnx").write_text("not a model\n")
    (tmp / "half.onnx").write_bytes(MODEL.read_bytes()[: MODEL.stat().st_size // 2])
    return {label: (lambda p=tmp / name: check_model(p)) for label, name in
            {"empty model file": "empty.onnx", "text as model": "text.onnx", "half a model": "half.onnx"}.items()}


# ------------------------------------------------------------------ .jsonl streams (the CLI's path)

_RECOGNIZER: list = []


def predict_stream(path: Path) -> list[dict]:
    """``digitpad predict --json FILE`` in-process with the model loaded once; the JSON records."""
    import contextlib

    from digitpad import cli

    if not _RECOGNIZER:
        from digitpad.drawing_recognizer import DrawingRecognizer

        _RECOGNIZER.append(DrawingRecognizer.load())
    out, err = io.StringIO(), io.StringIO()
    original = cli._load_recognizer
    cli._load_recognizer = lambda _path: _RECOGNIZER[0]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cli.main(["predict", "--json", str(path)])
    finally:
        cli._load_recognizer = original
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rc in (0, 1), f"exit status {rc}: {err.getvalue()[-300:]}"
    assert (rc == 1) == any("error" in r for r in records), "exit status does not match the error records"
    for r in records:
        assert set(r) in ({"input", "error"}, {"input", "digit", "not_sure", "probs"}), f"bad record {r}"
        assert "error" not in r or str(path) in r["error"], "error record does not name the file"
    return records


def run_jsonl(rng: random.Random, tmp: Path, save) -> None:
    lines = [gen_drawing_text(rng).replace("\n", " ") for _ in range(rng.choice([0, 1, 2, rng.randint(1, 12)]))]
    if rng.random() < 0.2:
        lines.insert(rng.randint(0, len(lines)), "")
    raw = ("\n".join(lines) + ("\n" if rng.random() < 0.8 else "")).encode("utf-8", "surrogatepass")
    name = "s.jsonl"
    if rng.random() < 0.2:
        raw, name = gzip.compress(raw), "s.jsonl.gz"
        if rng.random() < 0.3:
            raw = raw[: rng.randint(0, len(raw))]
    path = tmp / name
    path.write_bytes(raw)
    LAST["save"] = (name, lambda p: p.write_bytes(raw))
    predict_stream(path)


def special_jsonl_inputs(tmp: Path):
    good = json.dumps({"width": 280, "height": 280, "strokes": [{"points": [[140, 40], [145, 240]]}]})
    (tmp / "long.jsonl").write_text((good + "\n") * 2000)
    (tmp / "bad.jsonl").write_text(("{oops\n" + good + "\n") * 500)
    big = json.dumps({"width": 8192, "height": 8192, "strokes": [{"width": 400, "points": [[4000, 500], [4100, 7600]]}]})
    (tmp / "big.jsonl").write_text((big + "\n") * 6)
    return {
        "2,000 good lines": lambda: len(predict_stream(tmp / "long.jsonl")),
        "1,000 lines, every other one bad": lambda: len(predict_stream(tmp / "bad.jsonl")),
        "6 lines of 8192x8192 canvases": lambda: len(predict_stream(tmp / "big.jsonl")),
    }


# ------------------------------------------------------------------ special files

def special_file_inputs(tmp: Path):
    """Things that are not regular files, through every reader and the CLI: each must be
    refused at once, by name (a FIFO opened for reading would block for ever)."""
    os.mkfifo(tmp / "fifo.jsonl")
    os.mkfifo(tmp / "fifo.png")
    os.mkfifo(tmp / "fifo.json")
    (tmp / "folder.json").mkdir()
    (tmp / "loop.png").symlink_to(tmp / "loop.png")
    (tmp / "a.jsonl").symlink_to(tmp / "b.jsonl")
    (tmp / "b.jsonl").symlink_to(tmp / "a.jsonl")
    paths = [tmp / "fifo.jsonl", tmp / "fifo.png", tmp / "fifo.json", tmp / "folder.json", Path("/dev/zero"),
             tmp / "loop.png", tmp / "a.jsonl"]

    def refused_everywhere(path: Path) -> None:
        for reader, error in ((load_image, ImageError), (dr.load, dr.DrawingError), (dr.load_any, dr.DrawingError)):
            try:
                reader(path)
            except error as exc:
                assert path.name in str(exc), f"{reader.__name__}: error does not name {path}"
            else:
                raise AssertionError(f"{reader.__name__} accepted {path}")
        records = predict_stream(path)
        assert len(records) == 1 and "error" in records[0], records

    return {f"{p.name} ({'device' if p.parent == Path('/dev') else p.suffix})": (lambda p=p: refused_everywhere(p))
            for p in paths}


# ------------------------------------------------------------------ the table of targets

@dataclass
class Target:
    """One thing users can feed digitpad.  ``run(rng, ctx)`` tries one generated input and
    raises only on a failure; ``specials(ctx)`` gives {label: callable} run once per run
    (a callable may raise one of ``expected``); ``share`` is its part of --examples."""

    name: str
    run: Callable[[random.Random, "Context"], None]
    specials: Callable[["Context"], dict[str, Callable[[], object]]] = lambda ctx: {}
    expected: tuple[type[BaseException], ...] = ()
    share: float = 1.0


@dataclass
class Context:
    tmp: Path
    save: Callable[[str, Callable[[Path], None]], None]
    image_seeds: list = field(default_factory=list)
    model_seed: bytes = b""


def _special_checked(specials: dict, check) -> dict:
    return {k: (lambda f=f: [check(a) for a in f()]) for k, f in specials.items()}


TARGETS: list[Target] = [
    Target("preprocess", lambda rng, ctx: run_preprocess(rng, ctx.save),
           lambda ctx: _special_checked(special_preprocess_inputs(), lambda a: check_model_input(preprocess(a))),
           share=1.0),
    Target("drawing", lambda rng, ctx: run_drawing(rng, ctx.tmp, ctx.save),
           lambda ctx: _special_checked(special_drawing_inputs(ctx.tmp), check_drawing), (dr.DrawingError,), 1.0),
    Target("image", lambda rng, ctx: run_image(rng, ctx.tmp, ctx.image_seeds, ctx.save),
           lambda ctx: _special_checked(special_image_inputs(ctx.tmp), lambda a: check_image("", a)), (ImageError,), 1.0),
    Target("model", lambda rng, ctx: run_model(rng, ctx.tmp, ctx.model_seed, ctx.save),
           lambda ctx: special_model_inputs(ctx.tmp), (ModelError,), 0.03),
    Target("jsonl", lambda rng, ctx: run_jsonl(rng, ctx.tmp, ctx.save),
           lambda ctx: special_jsonl_inputs(ctx.tmp), (), 0.1),
    Target("special-files", lambda rng, ctx: None, lambda ctx: special_file_inputs(ctx.tmp), (), 0.0),
]


#: Readers that need their own processes: the settings reader (a damaged value used to abort
#: inside Qt, so each batch runs in a child that may die) and the window's open path (a real
#: MainWindow with its event loop).  (script, its count option, share of --examples)
COMPANIONS: dict[str, tuple[str, str, float]] = {
    "settings": ("fuzz_settings.py", "--values", 0.1),
    "window-open": ("fuzz_open.py", "--examples", 0.01),
}


def run_companions(names: list[str], examples: int, seed: int) -> int:
    """Run the companion benchmarks as child processes; how many of them failed."""
    failed = 0
    here = Path(__file__).resolve().parent
    for name in names:
        script, option, share = COMPANIONS[name]
        count = max(1, int(examples * share))
        print(f"== {name}: {script} {option} {count} --seed {seed}", flush=True)
        code = subprocess.call([sys.executable, str(here / script), option, str(count), "--seed", str(seed)])
        print(f"== {name}: {'ok' if code == 0 else f'FAILED (exit status {code})'}", flush=True)
        failed += code != 0
    return failed


# ------------------------------------------------------------------ memory per input

class Memory:
    """Per input: how much it raised the process's peak RSS (cheap, always on) and, with
    tracemalloc, the peak of Python and numpy allocations while it ran."""

    def __init__(self, use_tracemalloc: bool) -> None:
        self.tracemalloc = use_tracemalloc
        if use_tracemalloc:
            tracemalloc.start()
        self.worst: dict[str, tuple[float, str]] = {}

    @staticmethod
    def _peak_rss() -> int:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb * 1024 if sys.platform != "darwin" else kb

    def start(self) -> None:
        self._rss0 = self._peak_rss()
        if self.tracemalloc:
            tracemalloc.reset_peak()

    def stop(self, target: str, label: str) -> float:
        """Bytes attributed to the input just run; the worst per target is kept."""
        used = float(self._peak_rss() - self._rss0)
        if self.tracemalloc:
            used = max(used, float(tracemalloc.get_traced_memory()[1]))
        if used > self.worst.get(target, (-1.0, ""))[0]:
            self.worst[target] = (used, label)
        return used


# ------------------------------------------------------------------ driver

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=100_000, help="generated inputs in total, split over the targets")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=float, default=5.0, help="seconds after which one input counts as a hang")
    ap.add_argument("--save", type=Path, default=Path("fuzz-failures"), help="folder for failing inputs")
    ap.add_argument("--only", nargs="+", metavar="TARGET", help="run only these targets: "
                    + ", ".join([t.name for t in TARGETS] + list(COMPANIONS)))
    ap.add_argument("--tracemalloc", action="store_true", help="also trace Python/numpy allocations per input (slower)")
    args = ap.parse_args(argv)

    import warnings
    warnings.simplefilter("ignore")  # Pillow warns on corrupt TIFF tags; not failures
    signal.signal(signal.SIGALRM, _alarm)
    rng = random.Random(args.seed)
    targets = [t for t in TARGETS if not args.only or t.name in args.only]
    companions = [c for c in COMPANIONS if not args.only or c in args.only]
    unknown = set(args.only or ()) - {t.name for t in TARGETS} - set(COMPANIONS)
    if unknown:
        ap.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    total_share = sum(t.share for t in targets) or 1.0
    per = {t.name: int(args.examples * t.share / total_share) for t in targets}
    stats = {t.name: {"inputs": 0, "crashes": 0, "hangs": 0, "seconds": 0.0, "slowest": 0.0} for t in targets}
    memory = Memory(args.tracemalloc)
    examples_shown = 0

    with tempfile.TemporaryDirectory(prefix="digitpad-fuzz-") as tmpdir:
        tmp = Path(tmpdir)
        failure_no = [0]

        def save(kind, writer):
            args.save.mkdir(parents=True, exist_ok=True)
            failure_no[0] += 1
            writer(args.save / f"{failure_no[0]:04d}-{kind}")

        ctx = Context(tmp, save, image_seeds(), MODEL.read_bytes())
        start_all = time.perf_counter()
        for target in targets:
            name, st = target.name, stats[target.name]
            specials = list(target.specials(ctx).items())
            todo = specials + [(None, target.run)] * max(0, per[name] - len(specials))
            for label, job in todo:
                LAST.clear()
                outcome = "crash or hang"
                t0 = time.perf_counter()
                memory.start()
                signal.setitimer(signal.ITIMER_REAL, args.limit)
                hung = False
                try:
                    if label is not None:
                        try:
                            result = job()
                            outcome = f"{len(result)} result(s), valid" if isinstance(result, list) else \
                                f"ok ({result})" if result is not None else "ok"
                        except target.expected as exc:
                            assert str(exc).strip(), "empty error message"
                            outcome = f"{type(exc).__name__}: {str(exc).replace(str(tmp), '')[-90:]}"
                    else:
                        job(rng, ctx)
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    hung = time.perf_counter() - t0 > args.limit
                except Hang:
                    hung = True
                except Exception:  # noqa: BLE001
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    st["crashes"] += 1
                    if "save" in LAST:
                        save(*LAST["save"])
                    if examples_shown < 5:
                        examples_shown += 1
                        print(f"--- {name} crash ({label or 'generated input'}):", file=sys.stderr)
                        traceback.print_exc(limit=4)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                elapsed = time.perf_counter() - t0
                used = memory.stop(name, label or f"generated input #{st['inputs'] + 1}")
                if label is not None:
                    print(f"  {name} special: {label}: {elapsed:.2f} s, {used / 2**20:.0f} MB -> {outcome}",
                          file=sys.stderr)
                if hung:
                    st["hangs"] += 1
                    print(f"--- {name} hang ({elapsed:.2f} s): {label or 'generated input'}", file=sys.stderr)
                    if "save" in LAST:
                        save(*LAST["save"])
                st["inputs"] += 1
                st["seconds"] += elapsed
                st["slowest"] = max(st["slowest"], elapsed)
        total = time.perf_counter() - start_all

    print(f"fuzz: seed {args.seed}, hang limit {args.limit:g} s per input, memory per input as "
          f"{'max(peak RSS growth, tracemalloc peak)' if args.tracemalloc else 'peak RSS growth'}")
    print(f"{'target':<14}{'inputs':>10}{'crashes':>9}{'hangs':>7}{'seconds':>10}{'slowest s':>11}"
          f"{'worst MB':>10}  worst input")
    for name, st in stats.items():
        used, label = memory.worst.get(name, (0.0, ""))
        print(f"{name:<14}{st['inputs']:>10,}{st['crashes']:>9}{st['hangs']:>7}{st['seconds']:>10.1f}"
              f"{st['slowest']:>11.2f}{used / 2**20:>10.1f}  {label}")
    n = sum(s["inputs"] for s in stats.values())
    crashes = sum(s["crashes"] for s in stats.values())
    hangs = sum(s["hangs"] for s in stats.values())
    print(f"{'total':<14}{n:>10,}{crashes:>9}{hangs:>7}{total:>10.1f}")
    print(f"peak RSS of the whole run: {Memory._peak_rss() / 2**20:.0f} MB")
    failed = run_companions(companions, args.examples, args.seed)
    return 1 if crashes or hangs or failed else 0


if __name__ == "__main__":
    sys.exit(main())
