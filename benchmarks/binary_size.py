"""Size and start-up time of the frozen digitpad binaries.

    build_spec/build.sh both                 # builds dist/onedir/digitpad/ and dist/onefile/digitpad
    python benchmarks/binary_size.py         # prints a table (see docs/binary.md)
    python benchmarks/binary_size.py --runs 7 --json
    python benchmarks/binary_size.py --installed /usr/bin/digitpad --platform xcb   # the installed .deb

Measures, for each build that exists:
  * size: the one-file executable; the one-folder app (all files, symlinks not followed);
    the .deb in dist/ (compressed) and its Installed-Size field;
  * `--self-test` time: the first run (cold-ish: whatever the OS has not cached yet;
    the one-file build also unpacks itself to a temp dir on every run) and the
    median of the following runs (warm).  With --drop-caches (Linux, root) the
    page cache is dropped before each first run, so "1st" is a real cold start;
  * window time: `digitpad --quit-after Q` wall time minus Q.  The GUI starts its
    quit timer right after window.show(), so this is launch -> window shown,
    plus the shutdown (for the one-file build that includes deleting its unpacked
    copy);
  * under X11 (--platform xcb, with xdotool installed), also "mapped": launch ->
    the window is mapped on the X server (xdotool search --onlyvisible), polled every
    50 ms from outside the app, so no shutdown is included.
Xvfb on the development machine closes about 1 in 20 new X connections right after
accepting them (any client, xdpyinfo too); Qt then says "could not connect to display".
Such runs are repeated (up to 3 times) and counted as window_retries / mapped_retries.

Uses QT_QPA_PLATFORM=offscreen unless --platform says otherwise (e.g. xcb under Xvfb).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = ".exe" if sys.platform == "win32" else ""


def tree_size(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            p = Path(dirpath) / name
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def timed(cmd: list[str], env: dict[str, str], timeout: float = 120) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - t0, proc.returncode, proc.stdout + proc.stderr


def drop_caches() -> bool:
    """Linux, root only: write back and drop the page cache, so the next start reads from disk."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def time_to_mapped(binary: Path, env: dict[str, str], timeout: float = 60) -> float | str:
    """Seconds from launch until a new X window of class digitpad is viewable, or why it never was."""

    def visible() -> set[str]:
        probe = subprocess.run(["xdotool", "search", "--onlyvisible", "--classname", "^digitpad$"],
                               env=env, capture_output=True, text=True)
        return set(probe.stdout.split())

    before = visible()  # windows of other digitpad processes on this display do not count
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(binary), "--quit-after", "4000"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found: float | str = "not mapped within the time limit"
    try:
        while time.perf_counter() - t0 < timeout and proc.poll() is None:
            if visible() - before:
                found = time.perf_counter() - t0
                break
            time.sleep(0.05)
    finally:
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    if not isinstance(found, float):
        lines = (err or "").strip().splitlines() or [""]
        reason = next((line for line in lines if "could not connect to display" in line), lines[-1])
        found = f"rc {proc.returncode}, never mapped: {reason}"
    return found


def measure(binary: Path, runs: int, quit_after: int, env: dict[str, str], cold: bool = False) -> dict:
    result: dict = {}
    times = []
    if cold and not drop_caches():
        raise SystemExit("--drop-caches: cannot write /proc/sys/vm/drop_caches (needs Linux and root)")
    for _ in range(runs):
        seconds, rc, output = timed([str(binary), "--self-test"], env)
        if rc != 0:
            raise SystemExit(f"{binary} --self-test failed (rc {rc}):\n{output}")
        times.append(seconds)
    result["self_test_first_s"] = round(times[0], 3)
    result["self_test_warm_median_s"] = round(statistics.median(times[1:] or times), 3)
    window = []
    if cold:
        drop_caches()
    window_retries = 0
    for _ in range(runs):
        for _attempt in range(3):
            seconds, rc, output = timed([str(binary), "--quit-after", str(quit_after)], env)
            if rc == 0 or "could not connect to display" not in output:
                break
            window_retries += 1  # see time_to_mapped: Xvfb refused the connection
        if rc != 0:
            lines = output.strip().splitlines()
            result["window_error"] = [next((x for x in lines if "could not connect" in x), lines[-1] if lines else f"rc {rc}")]
            break
        window.append(seconds - quit_after / 1000)
    if window_retries:
        result["window_retries"] = window_retries
    if window:
        result["window_first_s"] = round(window[0], 3)
        result["window_warm_median_s"] = round(statistics.median(window[1:] or window), 3)
    if env.get("QT_QPA_PLATFORM") == "xcb" and env.get("DISPLAY") and shutil.which("xdotool"):
        if cold:
            drop_caches()
        mapped, retries = [], 0
        for _ in range(runs):
            for _attempt in range(3):
                m = time_to_mapped(binary, env)
                if not (isinstance(m, str) and "could not connect to display" in m):
                    break
                retries += 1
            mapped.append(m)
        if retries:
            result["mapped_retries"] = retries
        errors = [m for m in mapped if isinstance(m, str)]
        if errors:
            result["mapped_error"] = f"{len(errors)} of {runs} runs: {errors[0]}"
        else:
            result["mapped_first_s"] = round(mapped[0], 3)
            result["mapped_warm_median_s"] = round(statistics.median(mapped[1:] or mapped), 3)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "dist", help="folder with onedir/ and onefile/ (default dist/)")
    ap.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("--quit-after", type=int, default=1500, help="ms the window stays up (default 1500)")
    ap.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM (default offscreen)")
    ap.add_argument("--drop-caches", action="store_true",
                    help="drop the page cache before each first run (Linux, root): real cold starts")
    ap.add_argument("--installed", type=Path, help="also time an installed binary, e.g. /usr/bin/digitpad of the .deb")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    env = dict(os.environ, QT_QPA_PLATFORM=args.platform)
    builds = {
        "onefile": args.dist / "onefile" / f"digitpad{EXE}",
        "onedir": args.dist / "onedir" / "digitpad" / f"digitpad{EXE}",
    }
    if args.installed:
        builds["installed"] = args.installed
    report: dict = {
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "platform_plugin": args.platform,
        "runs": args.runs,
        "first_run": "cold (page cache dropped)" if args.drop_caches else "first (page cache as found)",
    }
    for mode, binary in builds.items():
        if not binary.is_file():
            report[mode] = {"missing": str(binary)}
            continue
        folder = binary.resolve().parent  # /usr/bin/digitpad is a link into /opt/digitpad
        size = binary.stat().st_size if mode == "onefile" else tree_size(folder)
        report[mode] = {"path": str(binary), "size_mb": round(size / 2**20, 1), **measure(binary, args.runs, args.quit_after, env, args.drop_caches)}

    debs = sorted(args.dist.glob("digitpad_*.deb"))
    if debs and shutil.which("dpkg-deb"):
        field = subprocess.run(["dpkg-deb", "-f", str(debs[-1]), "Installed-Size"], capture_output=True, text=True)
        report["deb"] = {"path": str(debs[-1]), "size_mb": round(debs[-1].stat().st_size / 2**20, 1),
                         "installed_size_mb": round(int(field.stdout.strip() or 0) / 1024, 1)}

    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['machine']}, QT_QPA_PLATFORM={args.platform}, {args.runs} runs each, 1st = {report['first_run']}")
    mapped = any("mapped_first_s" in report[m] for m in builds if isinstance(report[m], dict))
    print(f"{'build':<8} {'size':>9} {'self-test 1st':>14} {'warm':>7} {'window 1st':>11} {'warm':>7}"
          + (f" {'mapped 1st':>11} {'warm':>7}" if mapped else ""))
    for mode in builds:
        r = report[mode]
        if "missing" in r:
            print(f"{mode:<8} not built ({r['missing']})")
            continue
        window = (f"{r['window_first_s']:>10.2f}s {r['window_warm_median_s']:>6.2f}s" if "window_first_s" in r
                  else f"  window failed: {r.get('window_error')}")
        if "mapped_first_s" in r:
            window += f" {r['mapped_first_s']:>10.2f}s {r['mapped_warm_median_s']:>6.2f}s"
        elif "mapped_error" in r:
            window += f"  {r['mapped_error']}"
        print(f"{mode:<8} {r['size_mb']:>6.1f} MB {r['self_test_first_s']:>13.2f}s {r['self_test_warm_median_s']:>6.2f}s {window}")
    retries = [f"{mode} {key.split('_')[0]} {report[mode][key]}" for mode in builds
               for key in ("window_retries", "mapped_retries") if key in report[mode]]
    if retries:
        print("runs repeated because Xvfb refused the X connection:", ", ".join(retries))
    if "deb" in report:
        d = report["deb"]
        print(f"deb      {d['size_mb']:>6.1f} MB compressed, Installed-Size {d['installed_size_mb']:.1f} MB ({d['path']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
