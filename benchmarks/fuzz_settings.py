"""Fuzz the settings reader: random values must never abort the process.

    .venv/bin/python benchmarks/fuzz_settings.py                   # 10,000 values (default)
    .venv/bin/python benchmarks/fuzz_settings.py --values 2000 --seed 3 --batch 250

A damaged value used to kill digitpad inside Qt (``@Variant(...)`` payloads made
QSettings.value() throw std::bad_alloc, a C++ abort no Python code can catch), so
each batch of values runs in its own subprocess: an abort is seen as the worker's
exit status, counted, and the run goes on after the value that caused it.

Each value is written as one key of a settings file (pen width, geometry, last
folder, or an unknown key), or as a whole random file; the worker reads it with
digitpad.gui.settings.Settings exactly as the window does, restores the geometry
into a real (offscreen) widget, writes the file back with ``sync()`` and reads it
again: the second read must report no problem.  Values: random ``@Variant``
payloads (every type id 0-0x7f and 0x400-0x40f, random lengths, 0x7fffffff sizes),
random bytes (invalid UTF-8, NUL, control characters), huge and odd numbers,
random ``@ByteArray``/base64 geometry, quotes and escapes, very long lines.

``main()`` prints the figures: values, aborts, other failures, values per second.
Exit status 1 on any abort or failure.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEYS = (("canvas", "stroke_width"), ("window", "geometry"), ("files", "last_dir"), ("other", "thing"))


def _escaped_bytes(data: bytes) -> str:
    return "".join(f"\\x{b:x}" for b in data)


def random_variant(rng: random.Random) -> str:
    """A ``@Variant(...)`` as Qt writes one: a QDataStream of a type id and a payload."""
    type_id = rng.choice([*range(0, 0x80), *range(0x400, 0x410), 0x3F, 0x9, 0x7FFFFFFF, 0xFFFFFFFF])
    head = type_id.to_bytes(4, "big") + (b"\x00" if rng.random() < 0.5 else b"")
    kind = rng.random()
    if kind < 0.3:
        payload = b"\x7f\xff\xff\xff"  # a huge length
    elif kind < 0.6:
        payload = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 24)))
    elif kind < 0.8:
        payload = rng.randrange(2**32).to_bytes(4, "big") * rng.randrange(1, 4)
    else:
        payload = b""
    return "@Variant(" + _escaped_bytes(head + payload) + ")"


def random_value(rng: random.Random) -> bytes:
    """One value's bytes (not necessarily UTF-8)."""
    kind = rng.randrange(10)
    if kind <= 2:
        return random_variant(rng).encode()
    if kind == 3:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64))).replace(b"\n", b"").replace(b"\r", b"")
    if kind == 4:
        return rng.choice([
            "1e308", "-1e308", "1e999", "nan", "-inf", "inf", "0", "-0", "4", "48", "48.0000001", "3.9999",
            "9" * rng.randrange(20, 5000), "0x12", "1_0", " 18 ", '"18"', "18;", "18,19", "١٨", "１８",
        ]).encode()
    if kind == 5:
        return ("@ByteArray(" + _escaped_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 80)))) + ")").encode()
    if kind == 6:
        import base64

        return b"base64:" + base64.b64encode(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 120))))
    if kind == 7:
        parts = ['"', "\\", "\\x", "\\0", "\\777", "\\xffffffff", ";", ",", "@", "(", ")", "é", "\\u", "=", "[", "]", " "]
        return "".join(rng.choice(parts) for _ in range(rng.randrange(1, 30))).encode()
    if kind == 8:
        return ("x" * rng.choice([5000, 9000, 70000])).encode()
    return rng.choice([b"@Invalid()", b"@Rect(1 2 3 4)", b"@Size(1 2)", b"@Point(1 2)", b"@DateTime(\\x0\\x0)", b"@ByteArray("])


def random_file(rng: random.Random) -> bytes:
    """A whole settings file: usually sections with one fuzzed value, sometimes random bytes."""
    if rng.random() < 0.08:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 400)))
    lines = []
    for _ in range(rng.randrange(1, 4)):
        section, key = rng.choice(KEYS)
        lines.append(f"[{section}]\n".encode() + key.encode() + b"=" + random_value(rng) + b"\n")
    return b"".join(lines)


def cases(seed: int, start: int, count: int) -> list[bytes]:
    """The files start..start+count of a seeded run (each from its own seed, so any one replays alone)."""
    return [random_file(random.Random(f"{seed}:{i}")) for i in range(start, start + count)]


def check_one(path: Path, content: bytes, widget) -> str | None:
    """Read ``content`` as the app does; an error text when a contract is broken, else None."""
    from digitpad.gui.settings import Settings

    path.write_bytes(content)
    for leftover in path.parent.glob("*.corrupt"):
        leftover.unlink()
    settings = Settings(path)
    width = settings.stroke_width
    geometry = settings.geometry
    if geometry is not None:
        widget.restoreGeometry(geometry)
    last = settings.last_dir
    if not (4 <= width <= 48) or not isinstance(last, str):
        return f"bad value read: width={width!r} last_dir={last!r}"
    settings.stroke_width = width
    if not settings.sync():
        return "sync failed"
    again = Settings(path)
    _ = again.stroke_width, again.geometry, again.last_dir
    if again.problems:
        return f"problems after a rewrite: {again.problems}"
    return None


def worker(seed: int, start: int, count: int) -> int:
    """Runs in a subprocess: prints 'ok I' or 'fail I text' per value (flushed, so an abort's index is known)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication.instance() or QApplication([])  # noqa: F841
    widget = QWidget()
    with tempfile.TemporaryDirectory(prefix="digitpad-fuzz-settings-") as tmp:
        path = Path(tmp) / "digitpad.ini"
        for offset, content in enumerate(cases(seed, start, count)):
            index = start + offset
            try:
                error = check_one(path, content, widget)
            except Exception as exc:  # noqa: BLE001 - any exception is a finding
                error = f"{type(exc).__name__}: {exc}"
            print(f"ok {index}" if error is None else f"fail {index} {error[:300]!r}", flush=True)
    return 0


def run(values: int, seed: int = 0, batch: int = 500, timeout: float = 300.0) -> dict:
    """Fuzz ``values`` files in subprocess batches; returns counts and the failing indices."""
    aborts: list[tuple[int, int]] = []  # (index, exit status)
    failures: list[str] = []
    done = 0
    start = 0
    t0 = time.perf_counter()
    while start < values:
        count = min(batch, values - start)
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(seed), str(start), str(count)],
            capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        seen = [line for line in proc.stdout.splitlines() if line.startswith(("ok ", "fail "))]
        failures += [line for line in seen if line.startswith("fail ")]
        done += len(seen)
        if proc.returncode != 0:
            crashed = start + len(seen)
            aborts.append((crashed, proc.returncode))
            done += 1
            start = crashed + 1  # go on after the value that killed the worker
        else:
            start += count
    seconds = time.perf_counter() - t0
    return {"values": done, "aborts": aborts, "failures": failures, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--worker", nargs=3, type=int, metavar=("SEED", "START", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(*args.worker)
    result = run(args.values, args.seed, args.batch)
    print(f"settings fuzz: {result['values']} values (seed {args.seed}, batches of {args.batch}) "
          f"in {result['seconds']:.1f} s ({result['values'] / result['seconds']:.0f} values/s)")
    print(f"  aborts (worker killed): {len(result['aborts'])}")
    for index, code in result["aborts"][:20]:
        print(f"    value {index}: exit status {code}; replay: cases({args.seed}, {index}, 1)")
    print(f"  other failures: {len(result['failures'])}")
    for line in result["failures"][:20]:
        print(f"    {line}")
    return 1 if result["aborts"] or result["failures"] else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
