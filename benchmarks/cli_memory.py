"""Peak memory of `digitpad predict` on a long .jsonl of large canvases (issue 11, item 6).

    .venv/bin/python benchmarks/cli_memory.py                    # 10 and 100 lines, 8192x8192
    .venv/bin/python benchmarks/cli_memory.py --lines 10 400 --side 8192

Each run is a fresh process (`python -c 'digitpad.cli.main(...)'`) that reports its own
peak RSS (getrusage ru_maxrss).  The predict command renders, preprocesses and predicts one
line at a time in batches of cli.BATCH_SIZE, so the peak should not grow with the line count;
rendering the whole file first needed about side*side bytes per line (27 GB for 400 lines).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from digitpad import drawing as dr

CODE = ("import resource, sys\nfrom digitpad.cli import main\nrc = main(sys.argv[1:])\n"
        "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(rc)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--side", type=int, default=8192, help="canvas side of every drawing (pixels)")
    args = ap.parse_args(argv)
    s = args.side
    line = dr.dumps(dr.Drawing(s, s, [dr.Stroke([(s * 0.5, s * 0.1, 1.0), (s * 0.52, s * 0.9, 1.0)],
                                                width=min(1024.0, s / 16))]))
    print(f"digitpad predict, {s}x{s} canvases ({s * s / 2**20:.0f} MB each as an 8-bit image)")
    print(f"{'lines':>7}{'peak RSS MB':>13}{'seconds':>9}")
    with tempfile.TemporaryDirectory(prefix="digitpad-climem-") as tmp:
        for n in args.lines:
            path = Path(tmp) / f"{n}.jsonl"
            path.write_text((line + "\n") * n)
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-c", CODE, "predict", str(path)], capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            if r.returncode != 0 or len(r.stdout.splitlines()) != n:
                print(r.stdout[-2000:], r.stderr[-2000:], file=sys.stderr)
                return 1
            kb = int([x for x in r.stderr.splitlines() if x.startswith("PEAK_RSS_KB")][-1].split()[1])
            print(f"{n:>7}{kb / 1024:>13.0f}{seconds:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
