"""The .deb's sources are valid (cheap, always run) and a built dist/digitpad_*.deb holds what
build_spec/build_deb.sh promises (skipped until `build_spec/build.sh deb` has run)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from digitpad.gui.window import DRAWING_SUFFIXES

ROOT = Path(__file__).resolve().parent.parent
DEB = ROOT / "build_spec" / "deb"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
MIME_TYPE = "application/x-digitpad-drawing"


def depends() -> list[str]:
    lines = (DEB / "depends.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_depends_cover_the_qt_libraries_setup_installs():
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    qt_libs = re.search(r'QT_LIBS="([^"]*)"', setup).group(1).split()
    names = {d.split()[0] for d in depends()}
    assert set(qt_libs) <= names
    assert "libc6 (>= 2.36)" in depends()  # the glibc the bundle was built against (docs/binary.md)


def test_control_template_has_debians_required_fields():
    control = (DEB / "control.in").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", control, re.M))
    for name in ("Package", "Version", "Architecture", "Maintainer", "Installed-Size", "Depends",
                 "Section", "Priority", "Description"):
        assert name in fields, name
    assert fields["Package"] == "digitpad"
    # the extended description: every line starts with a space; at most 80 columns
    body = control.split("Description:", 1)[1].splitlines()[1:]
    assert body and all(line.startswith(" ") and len(line) <= 80 for line in body if line)


def test_mime_type_claims_the_save_extension():
    root = ET.parse(DEB / "digitpad-mime.xml").getroot()
    (mime,) = root.findall(f"{MIME_NS}mime-type")
    assert mime.get("type") == MIME_TYPE
    globs = [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")]
    assert globs == [f"*{DRAWING_SUFFIXES[0]}"]  # Save's default suffix, and only it
    assert mime.find(f"{MIME_NS}sub-class-of").get("type") == "application/json"


def test_desktop_entry_opens_drawings():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "assets" / "digitpad.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert MIME_TYPE in entry["MimeType"].split(";")
    assert entry["Exec"] == "digitpad %f"  # the file manager passes the file
    assert entry["TryExec"] == "digitpad"


def test_copyright_is_dep5_and_names_licences_and_data():
    text = (DEB / "copyright").read_text(encoding="utf-8")
    assert text.startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    licences = {m.group(1) for m in re.finditer(r"^License: (\S+)", text, re.M)}
    # every short name used in a Files paragraph has its text in a stand-alone License paragraph
    # or inline (the continuation lines right after it)
    standalone = {p.split("\n")[0].split(": ", 1)[1] for p in paragraphs if p.startswith("License: ")}
    for p in paragraphs:
        if p.startswith("Files: "):
            name = re.search(r"^License: (\S+)", p, re.M).group(1)
            inline = re.search(r"^License: \S+\n ", p, re.M)
            assert name in standalone or inline, name
    assert {"MIT", "LGPL-3", "Expat", "BSD-3-clause", "PSF-2.0", "MIT-CMU"} <= licences
    for credit in ("MNIST", "UNIPEN", "LeCun", "Guyon"):
        assert credit in text, credit


def test_lintian_overrides_name_the_package():
    lines = (DEB / "lintian-overrides").read_text(encoding="utf-8").splitlines()
    overrides = [line for line in lines if line and not line.startswith("#")]
    assert overrides and all(line.startswith("digitpad: ") for line in overrides)


def test_changelog_template_is_a_debian_changelog():
    first = (DEB / "changelog.in").read_text(encoding="utf-8").splitlines()[0]
    assert re.fullmatch(r"digitpad \(@VERSION@\) unstable; urgency=medium", first)


# --- the built package ---------------------------------------------------------------------

BUILT = sorted((ROOT / "dist").glob("digitpad_*.deb"))
needs_deb = pytest.mark.skipif(not BUILT or shutil.which("dpkg-deb") is None,
                               reason="no dist/digitpad_*.deb (build_spec/build.sh deb) or no dpkg-deb")


def deb_files(deb: Path) -> dict[str, str]:
    """path in the package -> its `dpkg-deb -c` line (mode, owner, size, link target)."""
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    files = {}
    for line in listing.splitlines():
        path = line.split(None, 5)[5].split(" -> ")[0]
        files[path.removeprefix(".").rstrip("/") or "/"] = line
    return files


@needs_deb
def test_built_deb_holds_app_entry_icons_mime_and_docs():
    files = deb_files(BUILT[-1])
    for path in ("/opt/digitpad/digitpad", "/opt/digitpad/_internal/models/digit.onnx",
                 "/usr/share/applications/digitpad.desktop", "/usr/share/mime/packages/digitpad.xml",
                 "/usr/share/icons/hicolor/scalable/apps/digitpad.svg", "/usr/share/doc/digitpad/copyright",
                 "/usr/share/doc/digitpad/changelog.gz", "/usr/share/man/man1/digitpad.1.gz",
                 "/usr/share/lintian/overrides/digitpad"):
        assert path in files, path
    for png in (ROOT / "assets").glob("digitpad-*.png"):
        size = png.stem.split("-")[1]
        assert f"/usr/share/icons/hicolor/{size}x{size}/apps/digitpad.png" in files
    assert files["/usr/bin/digitpad"].endswith("-> /opt/digitpad/digitpad")
    assert files["/opt/digitpad/digitpad"].startswith("-rwxr-xr-x root/root")
    assert all(" root/root " in line for line in files.values())
    assert not any("torch" in path for path in files)


@needs_deb
def test_built_deb_control():
    deb = BUILT[-1]

    def field(name: str) -> str:
        return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True).stdout.strip()

    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert field("Version") == version
    assert deb.name == f"digitpad_{version}_{field('Architecture')}.deb"
    assert field("Depends") == ", ".join(depends())
    assert 0 < int(field("Installed-Size")) < 300 * 1024  # KiB
    assert deb.stat().st_size < 110 * 2**20  # the target for the compressed package
