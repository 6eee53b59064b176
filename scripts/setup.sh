#!/usr/bin/env bash
# One-step setup on a fresh Debian/Ubuntu machine: the X/GL libraries Qt needs,
# then a virtual environment in .venv with digitpad installed.
#   bash scripts/setup.sh          # the app
#   bash scripts/setup.sh --test   # the app (editable) + test and training extras
set -euo pipefail
cd "$(dirname "$0")/.."

QT_LIBS="libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1
  libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libx11-xcb1"
# With --test also the tools the tests drive: strace (tests/test_offline.py's proof that nothing
# phones home), Xvfb and xdotool (real X input in the GUI checks).
TEST_TOOLS="strace xvfb xdotool"
WANTED="$QT_LIBS"
[ "${1:-}" = "--test" ] && WANTED="$QT_LIBS $TEST_TOOLS"
if command -v apt-get >/dev/null 2>&1; then
  missing=$(for p in $WANTED; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
  if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing system packages: $(echo $missing)"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  # torch is pinned in the train extra: a plain `torch` would pull a multi-GB CUDA build.
  .venv/bin/python -m pip install -q -e ".[test,train]"
else
  .venv/bin/python -m pip install -q .
fi
echo "setup: done (.venv)"
