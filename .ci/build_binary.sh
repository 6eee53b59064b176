#!/usr/bin/env bash
# CI: build the one-folder Linux app from a clean venv and smoke-test the frozen binary.
#
#   .ci/build_binary.sh            (called from .ci/run; a few minutes on 2 cores)
#
# Checks: build succeeds; no torch inside the bundle; frozen `--self-test`
# passes; frozen `predict` names a drawing; the frozen window starts offscreen
# (and under Xvfb when available) and quits by itself (--quit-after); sizes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
APP="$ROOT/dist/onedir/digitpad"
BIN="$APP/digitpad"
LIMIT_MB=260
fail() { echo "build_binary: FAIL: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }

step "build one-folder app (build_spec/build.sh onedir)"
build_spec/build.sh onedir
[ -x "$BIN" ] || fail "$BIN was not built"

step "torch must not be inside the bundle"
if found=$(find "$APP" -ipath '*torch*' -print -quit) && [ -n "$found" ]; then
    fail "torch found in the bundle: $found"
fi
echo "ok (no torch)"

export QT_QPA_PLATFORM=offscreen
unset DISPLAY WAYLAND_DISPLAY || true
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

step "frozen self-test"
( cd "$TMP" && "$BIN" --self-test ) || fail "frozen --self-test failed"

step "frozen predict on a drawing of a 7"
cat > "$TMP/seven.json" <<'JSON'
{"format": "digitpad-drawing", "version": 1, "width": 280, "height": 280,
 "strokes": [{"width": 18, "points": [[78, 50], [205, 50], [160, 140], [125, 240]]}]}
JSON
out=$(cd "$TMP" && "$BIN" predict seven.json) || fail "frozen predict failed: $out"
echo "$out"
case "$out" in *"seven.json: 7 "*) ;; *) fail "frozen predict did not answer 7" ;; esac

step "frozen window (offscreen, --quit-after 1500)"
if grep -q -- "quit-after" digitpad/gui/app.py 2>/dev/null; then
    start=$(date +%s%N)
    timeout 60 "$BIN" --quit-after 1500 || fail "frozen window did not start and quit cleanly (offscreen)"
    echo "ok (offscreen window ran and quit after $(( ($(date +%s%N) - start) / 1000000 )) ms)"
    if command -v Xvfb >/dev/null 2>&1; then
        step "frozen window under Xvfb (the xcb platform plugin)"
        Xvfb :97 -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
        xvfb=$!
        sleep 1
        ok=0
        DISPLAY=:97 QT_QPA_PLATFORM=xcb timeout 60 "$BIN" --quit-after 1500 && ok=1
        kill "$xvfb" 2>/dev/null || true
        wait "$xvfb" 2>/dev/null || true
        [ "$ok" = 1 ] || fail "frozen window did not start under Xvfb (xcb plugin or its libraries missing?)"
        echo "ok (xcb)"
    else
        echo "SKIP: Xvfb not installed; the xcb platform plugin was not exercised"
    fi
else
    echo "SKIP: digitpad/gui/app.py has no --quit-after yet; frozen window not tested"
fi

step "sizes"
size_mb=$(( $(du -sk "$APP" | cut -f1) / 1024 ))
echo "one-folder: ${size_mb} MB ($APP)"
du -sk "$APP"/_internal/* | sort -n | tail -8 | awk '{printf "  %6.1f MB  %s\n", $1/1024, $2}'
[ "$size_mb" -lt "$LIMIT_MB" ] || fail "one-folder app is ${size_mb} MB, limit ${LIMIT_MB} MB"
echo
echo "build_binary: all checks passed"
