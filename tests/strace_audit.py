"""Run a command under strace and list what it did outside its own folders.

Used by tests/test_offline.py and .ci/build_binary.sh (the frozen app) to prove that
digitpad opens no internet socket and writes no file outside its config and data folders:

    python tests/strace_audit.py --home DIR [--allow DIR ...] [--seconds N] -- COMMAND ARGS...

HOME is set to DIR (its digitpad config and data folders are allowed), DIGITPAD_DATA_DIR and
XDG_* are removed so the real default folders are used, TMPDIR is a scratch folder under DIR.
The command runs under ``strace -f -ff -y``; with --seconds it is stopped (SIGTERM) after N
seconds.  Prints each violation and exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SYSCALLS = ("socket,connect,sendto,open,openat,openat2,creat,rename,renameat,renameat2,mkdir,mkdirat,"
            "link,linkat,symlink,symlinkat,unlink,unlinkat,rmdir,truncate")
#: Paths that are not files a user keeps: devices, process information.
SYSTEM_ROOTS = ("/dev", "/proc", "/sys")
_CALL = re.compile(r"^(?:\[pid\s+\d+\]\s+)?(\w+)\((.*)\)\s+=\s+(-?\d+|\?)")
_STRING = re.compile(r'(-?\d+|AT_FDCWD)(?:<([^>]*)>)?,\s*"((?:[^"\\]|\\.)*)"|"((?:[^"\\]|\\.)*)"')
_WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC")


def strace_available() -> bool:
    """True if strace exists and may trace a child here (ptrace can be forbidden in containers)."""
    exe = shutil.which("strace")
    if exe is None:
        return False
    try:
        return subprocess.run([exe, "-o", os.devnull, "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def digitpad_folders(home: Path) -> list[Path]:
    """digitpad's own folders under HOME on Linux: QSettings' ~/.config/digitpad and the
    AppDataLocation ~/.local/share/digitpad (autosave, log)."""
    return [home / ".config" / "digitpad", home / ".local" / "share" / "digitpad"]


@dataclass
class Audit:
    inet: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[str]:
        return [f"internet socket: {line}" for line in self.inet] + [f"outside: {p}" for p in self.outside]


def _unescape(text: str) -> str:
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape", "replace")


def _paths(args: str, cwd: Path) -> list[str]:
    """The path arguments of a call, made absolute (a dirfd's path comes from strace -y)."""
    out = []
    for m in _STRING.finditer(args):
        dirfd, dirpath, rel, plain = m.groups()
        name = _unescape(rel if rel is not None else plain)
        if rel is not None and dirfd != "AT_FDCWD" and dirpath and not name.startswith("/"):
            base = Path(dirpath)
        else:
            base = cwd
        out.append(os.path.normpath(base / name))
    return out


def _within(path: str, roots: list[Path]) -> bool:
    return any(path == str(r) or path.startswith(str(r).rstrip("/") + "/") for r in roots)


def audit_lines(lines, allowed: list[Path], cwd: Path) -> Audit:
    """Violations in strace output lines: AF_INET/AF_INET6 sockets or connects, and successful
    creations, writes, renames, links and deletions outside ``allowed`` (plus /dev, /proc,
    /sys, Python's __pycache__ and the parents of allowed folders, which must be made)."""
    result = Audit()
    roots = [Path(r) for r in allowed] + [Path(r) for r in SYSTEM_ROOTS]
    parents = {str(p) for r in allowed for p in Path(r).parents}
    for line in lines:
        m = _CALL.match(line.strip())
        if not m:
            continue
        name, args, ret = m.groups()
        if name in ("socket", "connect", "sendto"):
            if re.search(r"\b(?:AF|PF)_INET6?\b", args):
                result.inet.append(line.strip())
            continue
        if ret == "?" or int(ret) < 0:
            continue
        if name in ("open", "openat", "openat2") and not any(f in args for f in _WRITE_FLAGS):
            continue
        paths = _paths(args, cwd)
        if name in ("rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat"):
            paths = paths[-1:]  # the new name; the old one was already accounted for
        for path in paths:
            result.written.append(path)
            if _within(path, roots) or "/__pycache__/" in path:
                continue
            if name in ("mkdir", "mkdirat") and path in parents:
                continue
            result.outside.append(f"{name}: {path}")
    return result


#: onnxruntime 1.29+ keeps its telemetry quiet when one of these says it runs on a CI machine
#: (names read from its library), so an audit on CI would prove nothing unless they are removed.
CI_VARIABLES = ("CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "TRAVIS", "JENKINS_URL",
                "CODEBUILD_BUILD_ID", "BUILDKITE", "TEAMCITY_VERSION", "APPVEYOR", "BITBUCKET_BUILD_NUMBER")


def clean_env(home: Path, scratch: Path) -> dict[str, str]:
    """The caller's environment with HOME moved, no DIGITPAD_DATA_DIR / XDG_* folders, the
    offscreen Qt platform, TMPDIR in the scratch folder, and no CI markers (see CI_VARIABLES):
    the program is audited as it runs on a user's desktop."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("XDG_") and k not in ("DIGITPAD_DATA_DIR", "DISPLAY", "WAYLAND_DISPLAY",
                                                      "ORT_DISABLE_TELEMETRY", "DIGITPAD_MODEL", *CI_VARIABLES)}
    # a user who set 0 must not turn the telemetry on: digitpad forces it off
    env.update(HOME=str(home), TMPDIR=str(scratch), QT_QPA_PLATFORM="offscreen", ORT_DISABLE_TELEMETRY="0")
    return env


def run_audited(command: list[str], home: Path, allow: list[Path] = (), seconds: float | None = None,
                timeout: float = 300, env: dict[str, str] | None = None) -> tuple[Audit, subprocess.CompletedProcess]:
    """Run ``command`` under strace with HOME=home (scratch folder home/tmp, cwd there too);
    returns the audit and the completed process (stdout, stderr as text; returncode None when
    ``seconds`` ran out and the program was stopped, so an early exit is never mistaken for it)."""
    scratch = home / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    trace_dir = home.parent / f"{home.name}-strace"
    trace_dir.mkdir(exist_ok=True)
    for old in trace_dir.glob("trace*"):  # an earlier run's traces are not this run's
        old.unlink()
    argv = ["strace", "-f", "-ff", "-y", "-s", "4096", "-o", str(trace_dir / "trace"), "-e", f"trace={SYSCALLS}",
            *command]
    proc = subprocess.Popen(argv, cwd=scratch, env=env or clean_env(home, scratch), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stopped = False
    try:
        out, err = proc.communicate(timeout=seconds if seconds is not None else timeout)
    except subprocess.TimeoutExpired:
        if seconds is None:
            proc.kill()
            out, err = proc.communicate()
            raise
        # stop the traced program (strace's child), not strace, so the trace is complete
        stopped = True
        for child in _children(proc.pid):
            os.kill(child, signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    lines = []
    for trace in sorted(trace_dir.glob("trace*")):
        lines += trace.read_text(encoding="utf-8", errors="replace").splitlines()
    audit = audit_lines(lines, [*digitpad_folders(home), scratch, *allow], scratch)
    return audit, subprocess.CompletedProcess(command, None if stopped else proc.returncode, out, err)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True, help="an empty folder to use as HOME")
    ap.add_argument("--allow", type=Path, action="append", default=[], help="another folder it may write to")
    ap.add_argument("--seconds", type=float, help="stop the command (SIGTERM) after this long")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if command and "/" in command[0]:
        command[0] = os.path.abspath(command[0])  # the command runs in the scratch folder
    audit, proc = run_audited(command, args.home.resolve(), args.allow, args.seconds)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    for v in audit.violations:
        print(f"strace_audit: VIOLATION {v}", file=sys.stderr)
    rc = "stopped after --seconds" if proc.returncode is None else f"rc {proc.returncode}"
    print(f"strace_audit: {rc}, {len(audit.written)} paths written, "
          f"{len(audit.violations)} violations", file=sys.stderr)
    if audit.violations:
        return 1
    return proc.returncode or 0  # a program that ended early by itself keeps its exit status


if __name__ == "__main__":
    sys.exit(main())
