#!/usr/bin/env bash
# Build the digitpad desktop binary with PyInstaller from a clean virtual env.
#
#   build_spec/build.sh [onedir|onefile|both|deb]  (default: onedir)
#
# deb: packages the existing one-folder build as dist/digitpad_<version>_<arch>.deb
# (build_spec/build_deb.sh; builds onedir first only when dist/onedir/digitpad is missing).
# Makes build/venv afresh (python -m venv; pip install . pyinstaller; no torch),
# then runs build_spec/digitpad.spec once per mode:
#   onedir  -> dist/onedir/digitpad/digitpad      (folder app; fast start)
#   onefile -> dist/onefile/digitpad              (single file; unpacks to a temp dir)
# Environment:
#   PYTHON=python3.11          interpreter for the venv (default: python3)
#   DIGITPAD_REUSE_VENV=1      keep an existing build/venv (still reinstalls digitpad)
#   PIP_ARGS="..."             extra pip arguments (e.g. --no-index --find-links wheels/)
set -euo pipefail

MODE="${1:-onedir}"
case "$MODE" in onedir|onefile|both|deb) ;; *) echo "usage: $0 [onedir|onefile|both|deb]" >&2; exit 2 ;; esac
if [ "$MODE" = deb ]; then
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    [ -x "$here/../dist/onedir/digitpad/digitpad" ] || "$here/build.sh" onedir
    exec "$here/build_deb.sh"
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
VENV="$ROOT/build/venv"
if [ -x "$VENV/Scripts/python.exe" ]; then VPY="$VENV/Scripts/python.exe"; else VPY="$VENV/bin/python"; fi

# The bundle is built from the working tree, uncommitted edits included.
if command -v git >/dev/null 2>&1 && git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    dirty=$(git -C "$ROOT" status --porcelain -- digitpad models assets build_spec pyproject.toml 2>/dev/null || true)
    if [ -n "$dirty" ]; then
        echo "== WARNING: building uncommitted changes (for a release, build a clean checkout):"
        echo "$dirty" | sed 's/^/==   /'
    fi
fi

t0=$(date +%s)
if [ "${DIGITPAD_REUSE_VENV:-0}" != 1 ] || [ ! -x "$VPY" ]; then
    echo "== creating clean venv $VENV"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
    if [ -x "$VENV/Scripts/python.exe" ]; then VPY="$VENV/Scripts/python.exe"; else VPY="$VENV/bin/python"; fi
fi
echo "== pip install . pyinstaller"
# --no-cache-dir on the local project: a stale wheel of the same version must not be reused.
"$VPY" -m pip install --quiet ${PIP_ARGS:-} . "pyinstaller>=6.10"
"$VPY" -m pip install --quiet --no-deps --force-reinstall --no-cache-dir ${PIP_ARGS:-} .
if "$VPY" -c "import torch" 2>/dev/null; then
    echo "ERROR: torch is importable in $VENV; the binary must be built without it" >&2
    exit 1
fi
"$VPY" -m PyInstaller --version | sed 's/^/== PyInstaller /'
echo "== venv ready in $(( $(date +%s) - t0 )) s"

build_one() {
    local mode="$1" t1
    t1=$(date +%s)
    echo "== building $mode"
    DIGITPAD_BUILD_MODE="$mode" "$VPY" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$ROOT/dist/$mode" --workpath "$ROOT/build/pyinstaller-$mode" \
        "$ROOT/build_spec/digitpad.spec"
    echo "== $mode built in $(( $(date +%s) - t1 )) s"
    if [ "$mode" = onedir ]; then
        du -sh "$ROOT/dist/onedir/digitpad" | sed 's/^/== size /'
    else
        ls -l "$ROOT"/dist/onefile/ | sed 's/^/== /'
    fi
}

if [ "$MODE" = both ]; then
    build_one onedir
    build_one onefile
else
    build_one "$MODE"
fi
