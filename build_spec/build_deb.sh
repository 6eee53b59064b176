#!/usr/bin/env bash
# Package the one-folder build as a Debian package, with dpkg-deb only.
#
#   build_spec/build_deb.sh            (or: build_spec/build.sh deb)
#
# Input:  dist/onedir/digitpad/  (build_spec/build.sh onedir; it is not rebuilt here)
# Output: dist/digitpad_<version>_<arch>.deb holding
#   /opt/digitpad/                              the one-folder app
#   /usr/bin/digitpad -> /opt/digitpad/digitpad
#   /usr/share/applications/digitpad.desktop    menu entry (assets/digitpad.desktop)
#   /usr/share/icons/hicolor/<N>x<N>/apps/digitpad.png, scalable/apps/digitpad.svg
#   /usr/share/mime/packages/digitpad.xml       application/x-digitpad-drawing (*.digitpad)
#   /usr/share/doc/digitpad/{copyright,changelog.gz}, /usr/share/man/man1/digitpad.1.gz
#   /usr/share/lintian/overrides/digitpad       the lintian tags a bundled app cannot avoid
# No maintainer scripts: Debian's dpkg triggers (shared-mime-info, desktop-file-utils,
# hicolor-icon-theme) refresh the MIME, desktop and icon caches when files land there.
# Environment:
#   DEB_MAINTAINER="Name <mail>"   Maintainer: and changelog signature
#   SOURCE_DATE_EPOCH=...           file dates and changelog date (default: last commit)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
APP="$ROOT/dist/onedir/digitpad"
DEB_DIR="$ROOT/build_spec/deb"
fail() { echo "build_deb: ERROR: $*" >&2; exit 1; }

[ -x "$APP/digitpad" ] || fail "$APP/digitpad missing: run build_spec/build.sh onedir first"
command -v dpkg-deb >/dev/null || fail "dpkg-deb not found (Debian/Ubuntu: apt-get install dpkg)"

VERSION=$(sed -n 's/^version *= *"\(.*\)"/\1/p' pyproject.toml | head -n1)
[ -n "$VERSION" ] || fail "no version in pyproject.toml"
ARCH=$(dpkg --print-architecture)
MAINTAINER="${DEB_MAINTAINER:-digitpad developers <digitpad@users.noreply.github.com>}"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
DATE=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
OUT="$ROOT/dist/digitpad_${VERSION}_${ARCH}.deb"

STAGE="$ROOT/build/deb/digitpad"
rm -rf "$ROOT/build/deb"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/mime/packages" "$STAGE/usr/share/doc/digitpad" "$STAGE/usr/share/man/man1" \
    "$STAGE/usr/share/lintian/overrides" "$STAGE/usr/share/icons/hicolor/scalable/apps"

echo "== staging $APP -> /opt/digitpad"
cp -a "$APP" "$STAGE/opt/digitpad"
ln -s /opt/digitpad/digitpad "$STAGE/usr/bin/digitpad"
install -m 0644 assets/digitpad.desktop "$STAGE/usr/share/applications/digitpad.desktop"
install -m 0644 "$DEB_DIR/digitpad-mime.xml" "$STAGE/usr/share/mime/packages/digitpad.xml"
install -m 0644 assets/digitpad.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/digitpad.svg"
for png in assets/digitpad-*.png; do
    size=${png#assets/digitpad-}; size=${size%.png}
    mkdir -p "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps"
    install -m 0644 "$png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/digitpad.png"
done
install -m 0644 "$DEB_DIR/copyright" "$STAGE/usr/share/doc/digitpad/copyright"
sed -e "s/@VERSION@/$VERSION/" -e "s/@MAINTAINER@/$MAINTAINER/" -e "s/@DATE@/$DATE/" \
    "$DEB_DIR/changelog.in" | gzip -9n > "$STAGE/usr/share/doc/digitpad/changelog.gz"
gzip -9n < "$DEB_DIR/digitpad.1" > "$STAGE/usr/share/man/man1/digitpad.1.gz"
install -m 0644 "$DEB_DIR/lintian-overrides" "$STAGE/usr/share/lintian/overrides/digitpad"

# A Python built by pyenv or from source leaves its own lib folder (e.g. /root/.pyenv/.../lib)
# as RUNPATH in libpython and lib-dynload: the installed app would search there. Only
# absolute entries are removed ($ORIGIN ones stay); the build output is not touched.
cleared=0
while IFS= read -r -d '' lib; do
    rpath=$(readelf -d "$lib" 2>/dev/null | grep -E '\((RUNPATH|RPATH)\)' | sed 's/.*\[\(.*\)\]/\1/' || true)
    [ -n "$rpath" ] || continue
    case ":$rpath" in *:/*) ;; *) continue ;; esac
    command -v patchelf >/dev/null || fail "$lib has RUNPATH $rpath: install patchelf to remove it"
    patchelf --remove-rpath "$lib"
    cleared=$((cleared + 1)); removed="$rpath"
done < <(find "$STAGE/opt" -type f \( -name '*.so' -o -name '*.so.*' \) -print0)
[ "$cleared" = 0 ] || echo "== removed the build machine's RUNPATH ($removed) from $cleared libraries"

# Debian's modes: folders 0755, files 0644, programs 0755. Shared objects need no x bit.
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE" -type f -exec chmod 0644 {} +
chmod 0755 "$STAGE/opt/digitpad/digitpad"
find "$STAGE" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

depends=$(grep -v '^\s*\(#\|$\)' "$DEB_DIR/depends.txt" | paste -sd, - | sed 's/,/, /g')
# Installed-Size: KiB, as dpkg-gencontrol counts it (each file rounded up to 1 KiB).
installed=$(find "$STAGE" -path "$STAGE/DEBIAN" -prune -o \( -type f -o -type l \) -printf '%s\n' \
    | awk '{ kib += int(($1 + 1023) / 1024) } END { print kib }')
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$installed/" \
    -e "s/@MAINTAINER@/$MAINTAINER/" -e "s/@DEPENDS@/$depends/" \
    "$DEB_DIR/control.in" > "$STAGE/DEBIAN/control"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z \
    | xargs -0 md5sum) > "$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"

echo "== dpkg-deb --build ($(dpkg-deb --version | head -n1 | awk '{print $(NF-1)}'))"
rm -f "$OUT"
t0=$(date +%s)
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT" >/dev/null
rm -rf "$ROOT/build/deb"  # the 200 MB staging copy
echo "== built $OUT in $(( $(date +%s) - t0 )) s"
echo "== size $(( $(stat -c %s "$OUT") / 1024 / 1024 )) MiB compressed ($(stat -c %s "$OUT") bytes), Installed-Size $installed KiB"
