"""The `digitpad` command: the window (no arguments), predict, eval, self-test."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from digitpad import __version__

DRAWING_SUFFIXES = (".digitpad", ".json", ".jsonl", ".jsonl.gz")


def _error(message: str) -> None:
    print(f"digitpad: error: {message}", file=sys.stderr)


def _load_recognizer(path: str | None):
    """The image model at ``path`` (default: the shipped one) with the trajectory model fitted
    for it beside it, if any: the same DrawingRecognizer the window uses."""
    from digitpad.drawing_recognizer import DrawingRecognizer

    return DrawingRecognizer.load(path)


def _adapt(recognizer, path: str | None, width: float) -> int:
    """Adapt ``recognizer`` to the personal samples in ``path`` (as the window does with its
    samples; strokes without a width at ``width``, as the inputs); how many.  A bad file raises
    DrawingError naming it."""
    if not path:
        return 0
    from digitpad.personal_samples import read_labelled

    recognizer.set_personal(read_labelled(Path(path)), width)
    return recognizer.personal_count


#: Inputs predicted together: one onnxruntime call per batch; memory holds one canvas (rendered,
#: preprocessed, dropped) plus BATCH_SIZE 28x28 inputs, whatever the length of a .jsonl.
BATCH_SIZE = 64
#: Pen widths --width accepts (canvas pixels), the drawing format's own limit above.
MIN_WIDTH = 0.5


def _is_drawing_file(name: str) -> bool:
    return name.lower().endswith(DRAWING_SUFFIXES)


def _is_jsonl(name: str) -> bool:
    return name.lower().endswith((".jsonl", ".jsonl.gz"))


def _inputs_of(path: Path, width: float):
    """(name, canvas image or the error for that input, the drawing or None) for one file, lazily:
    an image, a drawing, or a .jsonl[.gz] of drawings read and rendered one line at a time.  The
    readers refuse anything that is not a regular file before opening it (a FIFO would block)."""
    from digitpad import drawing, images, render

    def rendered(where: str, loaded: drawing.Drawing):
        try:
            return where, render.render(loaded, width), loaded
        except drawing.DrawingError as exc:
            return where, drawing.DrawingError(f"{where}: {exc}"), None

    name = str(path)
    try:
        if _is_jsonl(name):
            for lineno, item in drawing.iter_jsonl_records(path):
                where = f"{name}:{lineno}"
                yield (where, item, None) if isinstance(item, Exception) else rendered(where, item)
        elif _is_drawing_file(name):
            yield rendered(name, drawing.load(path))
        else:
            yield name, images.load_image(path), None
    except (drawing.DrawingError, images.ImageError) as exc:
        yield name, exc, None
    except (ValueError, OSError) as exc:
        yield name, ValueError(f"{name}: {exc}"), None


def _model_inputs(files: list[str], width: float, with_strokes: bool = True):
    """(name, preprocessed model input or the error message, trajectory features or None) for
    every input, in order; a drawing's strokes become features at once, so no drawing is kept.
    ``with_strokes`` False (no stroke model to fuse with): no features are computed."""
    from digitpad.preprocess import preprocess
    from digitpad.trajectory import trajectory_features

    for raw in files:
        for name, canvas, source in _inputs_of(Path(raw), width):
            if isinstance(canvas, Exception):
                yield name, str(canvas), None
                continue
            x = preprocess(canvas)
            del canvas  # one canvas alive at a time (up to 8192x8192 pixels)
            features = trajectory_features(source) if with_strokes and source is not None and x is not None else None
            del source
            yield name, (x if x is not None else f"{name}: no ink found (blank image)"), features


def _batches(items, size: int):
    """Lists of (name, input or error) holding at most ``size`` model inputs (and at most
    4 * size entries, so a file of nothing but bad lines stays bounded too)."""
    batch, inputs = [], 0
    for item in items:
        batch.append(item)
        inputs += not isinstance(item[1], str)
        if inputs >= size or len(batch) >= 4 * size:
            yield batch
            batch, inputs = [], 0
    if batch:
        yield batch


def _number_sources(path: Path):
    """(name, the drawing or canvas image, or the error for that input) for one file, lazily,
    as ``_inputs_of`` reads it but unrendered: a number is rendered a candidate digit at a time."""
    from digitpad import drawing, images

    name = str(path)
    try:
        if _is_jsonl(name):
            for lineno, item in drawing.iter_jsonl_records(path):
                yield f"{name}:{lineno}", item
        elif _is_drawing_file(name):
            yield name, drawing.load(path)
        else:
            yield name, images.load_image(path)
    except (drawing.DrawingError, images.ImageError) as exc:
        yield name, exc
    except (ValueError, OSError) as exc:
        yield name, ValueError(f"{name}: {exc}")


def number_json(name: str, reading) -> dict:
    """The --json object of one number (issue 14's layout): probs null for "." and "-"."""
    return {"input": name, "text": reading.text, "confidence": round(reading.confidence, 6),
            "not_sure": reading.not_sure,
            "digits": [{"digit": d.symbol,
                        "probs": None if d.probs is None else [round(float(p), 6) for p in d.probs],
                        "strokes": list(d.strokes), "box": [round(float(v), 2) for v in d.box],
                        "not_sure": d.not_sure} for d in reading.digits]}


def cmd_predict_number(args: argparse.Namespace) -> int:
    """Read the number of every input; one bad input (file or .jsonl line) costs that input only."""
    from digitpad.drawing import Drawing, DrawingError
    from digitpad.number import NUMBER_INK_LIMIT, NumberReader, ink_area, read_number_image

    recognizer = _load_recognizer(args.model)
    personal = _adapt(recognizer, args.personal, args.width)
    extra = {"personal": personal} if args.personal else {}
    reader = NumberReader(recognizer, args.width)
    failures = 0
    for raw in args.files:
        for name, source in _number_sources(Path(raw)):
            try:
                if isinstance(source, Exception):
                    raise source
                ink = ink_area(source) if isinstance(source, Drawing) else 0.0
                if not ink <= NUMBER_INK_LIMIT:  # the window's guard (NaN: refused too)
                    raise ValueError(f"{name}: too much ink to search for a number ({ink:,.0f} painted "
                                     f"pixels, at most {NUMBER_INK_LIMIT:,}); without --number it is read as one digit")
                reading = reader.read(source) if isinstance(source, Drawing) else read_number_image(source, recognizer)
                if reading is None:
                    raise ValueError(f"{name}: no ink found (blank image)")
            except (DrawingError, ValueError, OSError) as exc:
                message = str(exc) if str(exc).startswith(name) else f"{name}: {exc}"
                failures += 1
                _error(message)
                if args.json:
                    print(json.dumps({"input": name, "error": message}), flush=True)
                continue
            if args.json:
                print(json.dumps(number_json(name, reading) | extra), flush=True)
            else:
                print(f"{name}: {reading.text}  {reading.confidence * 100:.1f} %"
                      f"{'  (not sure)' if reading.not_sure else ''}", flush=True)
    return 1 if failures else 0


def cmd_predict(args: argparse.Namespace) -> int:
    """Name the digit of every input; one bad input (file or .jsonl line) costs that input only."""
    from digitpad.recognizer import Prediction

    if args.number:
        return cmd_predict_number(args)
    recognizer = _load_recognizer(args.model)
    personal = _adapt(recognizer, args.personal, args.width)
    extra = {"personal": personal} if args.personal else {}
    failures = 0
    for batch in _batches(_model_inputs(args.files, args.width, recognizer.fused), BATCH_SIZE):
        inputs = [(v, d) for _, v, d in batch if not isinstance(v, str)]
        probs, fused = recognizer.predict_features(np.concatenate([v for v, _ in inputs]), [f for _, f in inputs]) \
            if inputs else (np.zeros((0, 10)), np.zeros(0, bool))
        answers = iter(zip(probs, fused))
        for name, value, _ in batch:
            if isinstance(value, str):
                failures += 1
                _error(value)
                if args.json:
                    print(json.dumps({"input": name, "error": value}), flush=True)
                continue
            row, was_fused = next(answers)
            pred = Prediction(row)
            not_sure = pred.confidence < recognizer.threshold(bool(was_fused))
            if args.json:
                print(json.dumps({"input": name, "digit": pred.digit, "not_sure": not_sure,
                                  "probs": [round(float(p), 6) for p in pred.probs]} | extra))
            else:
                print(f"{name}: {pred.digit}  {pred.confidence * 100:.1f} %{'  (not sure)' if not_sure else ''}")
        sys.stdout.flush()
    return 1 if failures else 0


def pen_width(text: str) -> float:
    """argparse type of --width: a finite pen width in canvas pixels, within the format's limits."""
    from digitpad.drawing import MAX_STROKE_WIDTH

    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (MIN_WIDTH <= value <= MAX_STROKE_WIDTH):  # also False for nan
        raise argparse.ArgumentTypeError(
            f"pen width must be a number from {MIN_WIDTH:g} to {MAX_STROKE_WIDTH:g} canvas pixels, got {text!r}")
    return value


def _print_matrix(matrix: np.ndarray) -> None:
    print("confusion matrix (rows = true digit, columns = predicted):")
    print("      " + "".join(f"{d:>6}" for d in range(10)))
    for d in range(10):
        print(f"{d:>6}" + "".join(f"{v:>6}" for v in matrix[d]))


def _print_report(report, title: str, show_writers: bool) -> None:
    print(f"{title}: accuracy {report.accuracy * 100:.2f} % ({int((report.predicted == report.labels).sum())}"
          f"/{len(report.labels)}), expected calibration error {report.expected_calibration_error() * 100:.2f} %")
    print("per digit: " + "  ".join(f"{d}: {a * 100:.1f} %" for d, a in report.per_digit().items()))
    _print_matrix(report.confusion())
    worst = report.worst_confusions()
    if worst:
        print("worst confusions: " + ", ".join(f"{t}->{p} x{c}" for t, p, c in worst))
    if show_writers:
        groups = sorted(report.per_group().items(), key=lambda kv: kv[1][0] / kv[1][1])
        print(f"per writer ({len(groups)} writers, worst first):")
        for g, (c, t) in groups[:10]:
            print(f"  {g}: {c}/{t} ({c / t * 100:.1f} %)")


def cmd_eval(args: argparse.Namespace) -> int:
    from digitpad import evaluate

    if not args.mnist and not args.drawings and not args.numbers:
        _error("eval needs --mnist DIR, --drawings FILE.jsonl[.gz] and/or --numbers FILE.jsonl[.gz]")
        return 2
    recognizer = _load_recognizer(args.model)
    personal = _adapt(recognizer, args.personal, args.width)
    extra = {"personal": personal} if args.personal else {}
    adapted = f", adapted to {personal} personal samples" if args.personal else ""
    summary = {}
    if args.mnist:
        from digitpad.mnist import load_mnist

        images, labels = load_mnist(args.mnist, args.split)
        if args.limit:
            images, labels = images[: args.limit], labels[: args.limit]
        started = time.perf_counter()
        # the image model alone (no strokes); adapted on the image features where --personal is given
        report = evaluate.evaluate_images(recognizer if args.personal else recognizer.image, images, labels)
        summary["mnist"] = report.to_dict() | {"seconds": time.perf_counter() - started} | extra
        summary["mnist"].pop("per_writer")
        if not args.json:
            _print_report(report, f"MNIST {args.split} ({args.mnist}){adapted}", show_writers=False)
    if args.drawings:
        from digitpad.drawing import iter_jsonl, load_any

        source = Path(args.drawings)
        drawings = list(iter_jsonl(source)) if source.suffix in (".jsonl", ".gz") else load_any(source)
        if args.writers != "all":
            from digitpad.splits import split_of

            drawings = [d for d in drawings if split_of(d.writer or "") == args.writers]
        if args.limit:
            drawings = drawings[: args.limit]
        started = time.perf_counter()
        report = evaluate.evaluate_drawings(recognizer, drawings, args.width)
        summary["drawings"] = report.to_dict() | {"seconds": time.perf_counter() - started, "width": args.width,
                                                  "fused_with_trajectory_model": recognizer.fused} | extra
        if not args.json:
            _print_report(report, f"drawings {source} ({args.writers} writers) at pen width {args.width:g}{adapted}",
                          show_writers=True)
            print(f"({len(report.labels)} drawings in {summary['drawings']['seconds']:.1f} s)")
    if args.numbers:
        summary["numbers"] = _eval_numbers(args, recognizer)
    if args.json:
        print(json.dumps(summary))
    return 0


def _eval_numbers(args: argparse.Namespace, recognizer) -> dict:
    """Exact match and digit level (digitpad.number_eval) by length, on labelled number drawings."""
    from digitpad.drawing import iter_jsonl
    from digitpad.number_eval import evaluate_numbers

    source = Path(args.numbers)
    drawings = iter_jsonl(source)
    if args.writers != "all":
        from digitpad.splits import split_of

        drawings = (d for d in drawings if split_of(d.writer or "") == args.writers)
    if args.limit:
        drawings = (d for _, d in zip(range(args.limit), drawings))
    started = time.perf_counter()
    report = evaluate_numbers(recognizer, drawings, args.width)
    seconds = time.perf_counter() - started
    if not args.json:
        print(f"numbers {source} ({args.writers} writers) at pen width {args.width:g}: exact match "
              f"{report.exact * 100:.2f} % ({round(report.exact * report.count)}/{report.count}), "
              f"digit level {report.digit_level * 100:.2f} %")
        print("digit level: per position where the reading has the label's length, else "
              "len(label) - edit distance (at least 0); summed over numbers / total label digits")
        print("by length:")
        for n, r in report.by_length().items():
            print(f"  {n:>2} digits: {r.count:>5} numbers, exact {r.exact * 100:6.2f} %, "
                  f"digit level {r.digit_level * 100:6.2f} %")
        mistakes = report.mistakes()
        if mistakes:
            print(f"mistakes ({len(mistakes)}): " + ", ".join(f"{a} -> {b or '(nothing)'}" for a, b, _ in mistakes[:20])
                  + (" ..." if len(mistakes) > 20 else ""))
        print(f"({report.count} numbers in {seconds:.1f} s)")
    return report.to_dict() | {"seconds": seconds, "width": args.width}


def build_parser() -> argparse.ArgumentParser:
    from digitpad.render import DEFAULT_STROKE_WIDTH

    ap = argparse.ArgumentParser(prog="digitpad", description="Draw a digit; a local neural network names it.")
    ap.add_argument("--version", action="version", version=f"digitpad {__version__}")
    ap.add_argument("--self-test", action="store_true", help="check the model on built-in drawings and exit")
    ap.add_argument("--model", help="ONNX model to use (default: the shipped models/digit.onnx)")
    sub = ap.add_subparsers(dest="command")

    p = sub.add_parser("predict", help="name the digit in images (PNG/JPEG/BMP) or drawings (.digitpad/.json/.jsonl)")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--number", action="store_true",
                   help="read a whole number (several digits, a decimal point, a leading minus) per input")
    p.add_argument("--width", type=pen_width, default=DEFAULT_STROKE_WIDTH,
                   help="pen width for drawing strokes that carry none (default %(default)s)")
    p.add_argument("--personal", metavar="SAMPLES.jsonl",
                   help="adapt to these labelled drawings first (the window's personal samples, or an export)")
    p.add_argument("--model", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_predict)

    e = sub.add_parser("eval", help="accuracy and confusion matrix on MNIST or labelled drawings")
    e.add_argument("--mnist", metavar="DIR", help="folder with MNIST's IDX files")
    e.add_argument("--split", choices=["test", "train"], default="test")
    e.add_argument("--drawings", metavar="FILE", help="labelled drawings, .jsonl or .jsonl.gz")
    e.add_argument("--numbers", metavar="FILE",
                   help="drawings of numbers labelled with strings (\"08967\"), .jsonl or .jsonl.gz: exact match "
                        "and digit level by length")
    e.add_argument("--width", type=pen_width, default=DEFAULT_STROKE_WIDTH,
                   help="pen width for strokes that carry none (default %(default)s)")
    e.add_argument("--writers", choices=["all", "train", "val", "test"], default="all",
                   help="only the drawings of these writers (digitpad.splits: test = held out from training)")
    e.add_argument("--limit", type=int, default=0, help="only the first N samples")
    e.add_argument("--json", action="store_true", help="machine-readable summary")
    e.add_argument("--personal", metavar="SAMPLES.jsonl", help="adapt to these labelled drawings first")
    e.add_argument("--model", default=argparse.SUPPRESS)
    e.set_defaults(func=cmd_eval)
    return ap


GUI_OPTIONS = ("--quit-after",)


COMMANDS = ("predict", "eval")


def _wants_gui(argv: list[str]) -> bool:
    """No arguments, a window option, or an existing file to open -> the window."""
    if not argv:
        return True
    first = argv[0]
    if first.startswith("-"):
        return first.split("=")[0] in GUI_OPTIONS
    return first not in COMMANDS and Path(first).exists()


def _file_for_window_problem(argv: list[str]) -> str | None:
    """Why the file named as the first argument (`digitpad FILE`) cannot be opened, if it
    looks like a file (a suffix or a folder in it) rather than a mistyped command."""
    if not argv or argv[0].startswith("-") or argv[0] in COMMANDS:
        return None
    first = argv[0]
    if not (Path(first).suffix or os.sep in first or "/" in first or Path(first).exists()):
        return None
    from digitpad.files import regular_file_problem

    problem = regular_file_problem(first)
    return f"{first}: {problem}" if problem else None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    problem = _file_for_window_problem(argv)
    if problem is not None:
        _error(problem)
        return 1
    if _wants_gui(argv):
        return _run_gui(argv)
    args = build_parser().parse_args(argv)
    from digitpad.drawing import DrawingError
    from digitpad.mnist import DatasetError
    from digitpad.recognizer import ModelError

    try:
        if args.self_test:
            from digitpad.selftest import run_self_test

            return run_self_test(args.model)
        if not args.command:
            return _run_gui([])
        return args.func(args)
    except (ModelError, DatasetError, DrawingError) as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001  (a bug: still one line, not a traceback; DIGITPAD_DEBUG=1 shows it)
        if os.environ.get("DIGITPAD_DEBUG"):
            raise
        _error(f"unexpected {type(exc).__name__}: {exc} (a bug in digitpad; run with DIGITPAD_DEBUG=1 "
               "for the traceback and please report it)")
        return 1


def _run_gui(argv: list[str]) -> int:
    try:
        import onnxruntime  # noqa: F401  (load before Qt: Qt's MSVC runtime breaks it on Windows)
        from digitpad.gui.app import main as gui_main
    except ImportError as exc:
        _error(f"the window cannot start: {exc}")
        return 1
    return gui_main(argv)
