#!/usr/bin/env bash
# CI: package the one-folder build as a .deb and check it on this machine (Debian 12, root).
#
#   .ci/check_deb.sh            (called from .ci/run after .ci/build_binary.sh)
#
# Reuses dist/onedir/digitpad/ (build_binary.sh built it). Checks: lintian reports no error;
# the package holds what build_spec/build_deb.sh promises; `apt-get install ./dist/*.deb`
# works; /usr/bin/digitpad --self-test passes; desktop-file-validate accepts the installed
# entry; xdg-mime names digitpad.desktop for a .digitpad drawing; the window opens under
# Xvfb from /usr/bin/digitpad; `apt-get remove` leaves nothing under /opt/digitpad, the
# menu entries or the icon theme. The package is removed again at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
fail() { echo "check_deb: FAIL: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

[ -x dist/onedir/digitpad/digitpad ] || fail "dist/onedir/digitpad missing: run .ci/build_binary.sh first"
if dpkg -s digitpad >/dev/null 2>&1; then
    fail "a digitpad package is already installed; this check would remove it (apt-get remove digitpad first)"
fi

step "tools (lintian, desktop-file-utils, xdg-utils, shared-mime-info, hicolor-icon-theme, patchelf, xvfb, xdotool)"
TOOLS="lintian desktop-file-utils xdg-utils shared-mime-info hicolor-icon-theme patchelf xvfb xdotool"
missing=$(for p in $TOOLS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
echo "ok"

step "build the .deb from the one-folder build (build_spec/build_deb.sh)"
rm -f dist/digitpad_*.deb
build_spec/build_deb.sh
DEB=$(ls dist/digitpad_*_"$(dpkg --print-architecture)".deb)
VERSION=$(dpkg-deb -f "$DEB" Version)

step "lintian: no errors (accepted tags: build_spec/deb/lintian-overrides, docs/binary.md)"
lintian --fail-on error "$DEB" > /tmp/check_deb_lintian.txt 2>&1 || { cat /tmp/check_deb_lintian.txt; fail "lintian reported errors"; }
grep -q '^E:' /tmp/check_deb_lintian.txt && { cat /tmp/check_deb_lintian.txt; fail "lintian reported errors"; }
echo "ok; warnings: $(grep '^W:' /tmp/check_deb_lintian.txt | awk '{print $3}' | sort | uniq -c | tr -s ' ' | paste -sd, - || true)"

step "package contents"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' > /tmp/check_deb_files.txt
for f in /opt/digitpad/digitpad /opt/digitpad/_internal/models/digit.onnx /usr/bin/digitpad \
         /usr/share/applications/digitpad.desktop /usr/share/mime/packages/digitpad.xml \
         /usr/share/icons/hicolor/scalable/apps/digitpad.svg /usr/share/doc/digitpad/copyright \
         /usr/share/doc/digitpad/changelog.gz /usr/share/man/man1/digitpad.1.gz; do
    grep -qx "$f" /tmp/check_deb_files.txt || fail "$f is not in $DEB"
done
for png in assets/digitpad-*.png; do
    size=${png#assets/digitpad-}; size=${size%.png}
    grep -qx "/usr/share/icons/hicolor/${size}x${size}/apps/digitpad.png" /tmp/check_deb_files.txt \
        || fail "icon ${size}x${size} is not in $DEB"
done
if grep -i 'torch' /tmp/check_deb_files.txt; then fail "torch inside the .deb"; fi
echo "ok ($(wc -l < /tmp/check_deb_files.txt) entries)"

step "apt-get install ./$DEB"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$DEB" >/tmp/check_deb_apt.txt 2>&1 \
    || { cat /tmp/check_deb_apt.txt; fail "apt-get install failed"; }
trap '$SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq digitpad >/dev/null 2>&1 || true' EXIT
dpkg -s digitpad | grep -q "^Version: $VERSION$" || fail "digitpad $VERSION is not installed"
echo "ok (digitpad $VERSION)"

TMP="$(mktemp -d)"
trap '$SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq digitpad >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
export HOME="$TMP/home"   # the app's settings and log go to an empty home, not the CI user's
mkdir -p "$HOME"

step "/usr/bin/digitpad --self-test"
( cd "$TMP" && QT_QPA_PLATFORM=offscreen /usr/bin/digitpad --self-test ) || fail "installed --self-test failed"

step "desktop-file-validate /usr/share/applications/digitpad.desktop"
desktop-file-validate /usr/share/applications/digitpad.desktop || fail "the installed desktop entry is not valid"
echo "ok"

step "file association: a .digitpad drawing opens with digitpad"
cat > "$TMP/seven.digitpad" <<'JSON'
{"format": "digitpad-drawing", "version": 1, "width": 280, "height": 280,
 "strokes": [{"width": 18, "points": [[78, 50], [205, 50], [160, 140], [125, 240]]}]}
JSON
ftype=$(xdg-mime query filetype "$TMP/seven.digitpad")
[ "$ftype" = application/x-digitpad-drawing ] || fail "xdg-mime says $TMP/seven.digitpad is '$ftype'"
app=$(xdg-mime query default application/x-digitpad-drawing)
[ "$app" = digitpad.desktop ] || fail "xdg-mime query default application/x-digitpad-drawing: '$app'"
grep -q '^application/x-digitpad-drawing=.*digitpad.desktop' /usr/share/applications/mimeinfo.cache \
    || fail "update-desktop-database did not run (mimeinfo.cache lacks digitpad)"
echo "ok ($ftype -> $app)"
out=$(cd "$TMP" && /usr/bin/digitpad predict seven.digitpad) || fail "predict on a .digitpad failed: $out"
case "$out" in *"seven.digitpad: 7 "*) echo "ok ($out)" ;; *) fail "predict did not answer 7: $out" ;; esac

step "window from /usr/bin/digitpad under Xvfb (xcb), opening the drawing"
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$TMP/display" >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 100); do [ -s "$TMP/display" ] && break; sleep 0.1; done
[ -s "$TMP/display" ] || { kill "$xvfb" 2>/dev/null || true; fail "Xvfb did not start"; }
disp=":$(head -n1 "$TMP/display")"
ok=0
for attempt in 1 2 3; do   # Xvfb here drops ~1 in 20 new connections (see build_binary.sh)
    if DISPLAY="$disp" QT_QPA_PLATFORM=xcb timeout 60 /usr/bin/digitpad --quit-after 1500 "$TMP/seven.digitpad" >"$TMP/xcb.log" 2>&1; then
        ok=1; break
    fi
    cat "$TMP/xcb.log"
    grep -q "could not connect to display" "$TMP/xcb.log" || break
    echo "(Xvfb refused the connection; attempt $attempt of 3)"
done
kill "$xvfb" 2>/dev/null || true
wait "$xvfb" 2>/dev/null || true
[ "$ok" = 1 ] || fail "the installed app's window did not open under Xvfb"
echo "ok (display $disp)"

step "apt-get remove digitpad leaves nothing behind"
trap 'rm -rf "$TMP"' EXIT
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq digitpad >/dev/null || fail "apt-get remove failed"
left=$( { ls -d /opt/digitpad /usr/bin/digitpad /usr/share/applications/digitpad.desktop \
            /usr/share/mime/packages/digitpad.xml /usr/share/mime/application/x-digitpad-drawing.xml \
            /usr/share/icons/hicolor/*/apps/digitpad.* 2>/dev/null || true; } )
[ -z "$left" ] || fail "left behind after apt-get remove: $left"
if grep -q digitpad /usr/share/applications/mimeinfo.cache 2>/dev/null; then
    fail "mimeinfo.cache still names digitpad after removal"
fi
echo "ok"

step "sizes"
echo "$(basename "$DEB"): $(( $(stat -c %s "$DEB") / 1024 / 1024 )) MiB compressed, Installed-Size $(( $(dpkg-deb -f "$DEB" Installed-Size) / 1024 )) MiB"
echo
echo "check_deb: all checks passed"
