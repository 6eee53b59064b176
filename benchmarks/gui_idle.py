"""Idle CPU of the running window: a person reading the chart should not hear the fan.

    python benchmarks/gui_idle.py [--seconds 10] [--platform offscreen]

Starts the real app (``python -m digitpad --quit-after MS``: throwaway settings and
autosave, so the user's are untouched), lets it settle for 3 s, then reads the
process's CPU time over the measuring window with psutil.  Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import psutil


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = ap.parse_args()

    env = dict(os.environ, QT_QPA_PLATFORM=args.platform)
    quit_after = int((args.settle + args.seconds + 5) * 1000)
    proc = subprocess.Popen([sys.executable, "-m", "digitpad", "--quit-after", str(quit_after)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ps = psutil.Process(proc.pid)
        time.sleep(args.settle)
        before = ps.cpu_times()
        t0 = time.perf_counter()
        time.sleep(args.seconds)
        after = ps.cpu_times()
        wall = time.perf_counter() - t0
        rss = ps.memory_info().rss / 2**20
    finally:
        proc.wait(timeout=60)
    used = (after.user - before.user) + (after.system - before.system)
    print(f"digitpad window idle ({args.platform}): CPU {used / wall * 100:.2f} % of one core over {wall:.1f} s "
          f"({used * 1000:.0f} ms CPU), RSS {rss:.0f} MB; exit status {proc.returncode}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
