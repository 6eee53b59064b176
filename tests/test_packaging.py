"""Fast packaging checks that need no PyInstaller and build nothing.

The real build and the frozen smoke tests run in .ci/build_binary.sh.  Here the
spec is executed with stand-ins for PyInstaller's build classes, so its data
files, excludes, Qt trimming and torch guard are checked in milliseconds.
"""

from __future__ import annotations

import ast
import configparser
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build_spec" / "digitpad.spec"
ICON_SIZES = (16, 32, 48, 64, 128, 256)


class _Recorder:
    """Stands in for Analysis/PYZ/EXE/COLLECT/BUNDLE and remembers how it was called."""

    calls: list[tuple[str, tuple, dict]] = []

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, *args, **kwargs):
        _Recorder.calls.append((self.kind, args, kwargs))
        obj = types.SimpleNamespace(args=args, kwargs=kwargs)
        if self.kind == "Analysis":
            obj.binaries = list(_FAKE_BINARIES)
            obj.datas = [(dest + "/" + Path(src).name, src, "DATA") for src, dest in kwargs["datas"]]
            obj.datas += list(_FAKE_DATAS)
            obj.pure = list(_FAKE_PURE)
            obj.scripts = []
        return obj


_FAKE_BINARIES: list[tuple[str, str, str]] = []
_FAKE_DATAS: list[tuple[str, str, str]] = []
_FAKE_PURE: list[tuple[str, str, str]] = []


def run_spec(monkeypatch, mode: str = "onedir", binaries=(), datas=(), pure=(), console: str | None = None) -> dict:
    """Execute the spec as PyInstaller would, with recording stand-ins; returns its namespace."""
    _Recorder.calls = []
    _FAKE_BINARIES[:] = binaries
    _FAKE_DATAS[:] = datas
    _FAKE_PURE[:] = pure
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_dynamic_libs = lambda package: []
    hooks.collect_submodules = lambda package, filter=None: [
        m for m in ("digitpad.cli", "digitpad.selftest", "digitpad.gui.app", "digitpad.train.model")
        if filter is None or filter(m)
    ]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setenv("DIGITPAD_BUILD_MODE", mode)
    if console is None:
        monkeypatch.delenv("DIGITPAD_CONSOLE", raising=False)
    else:
        monkeypatch.setenv("DIGITPAD_CONSOLE", console)
    monkeypatch.setattr(sys, "platform", "test")  # neither win32 nor darwin, and no Linux-only ldd pruning
    namespace = {
        "__name__": "__main__",
        "__file__": str(SPEC),
        "SPECPATH": str(SPEC.parent),
        **{kind: _Recorder(kind) for kind in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")},
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return namespace


def calls(kind: str) -> list[tuple[tuple, dict]]:
    return [(a, k) for c, a, k in _Recorder.calls if c == kind]


def test_spec_is_valid_python():
    ast.parse(SPEC.read_text(encoding="utf-8"), str(SPEC))


def test_spec_bundles_model_and_assets(monkeypatch):
    run_spec(monkeypatch)
    (args, kwargs), = calls("Analysis")
    assert Path(args[0][0]).name == "launcher.py"
    datas = {(Path(src).relative_to(ROOT).as_posix(), dest) for src, dest in kwargs["datas"]}
    assert ("models/digit.onnx", "models") in datas
    assert ("models/digit.json", "models") in datas
    assert ("models/trajectory.onnx", "models") in datas and ("models/trajectory.json", "models") in datas
    for name in ("digitpad.png", "digitpad.svg", "digitpad.desktop", "digitpad.ico"):
        assert (f"assets/{name}", "assets") in datas
    assert ("assets/__init__.py", "assets") not in datas


def test_spec_excludes_heavy_and_unused_modules(monkeypatch):
    run_spec(monkeypatch)
    (_, kwargs), = calls("Analysis")
    excludes = set(kwargs["excludes"])
    for module in ("torch", "torchvision", "tensorflow", "cv2", "matplotlib", "scipy", "pandas",
                   "IPython", "tkinter", "digitpad.train", "PySide6.QtNetwork", "PySide6.QtQml",
                   "PySide6.QtQuick", "PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "PySide6.QtMultimedia"):
        assert module in excludes, module
    for needed in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg", "onnxruntime", "numpy", "PIL"):
        assert needed not in excludes, needed
    hidden = kwargs["hiddenimports"]
    assert "digitpad.selftest" in hidden and "digitpad.gui.app" in hidden
    assert not [m for m in hidden if m.startswith("digitpad.train")]


def test_spec_modes(monkeypatch):
    run_spec(monkeypatch, "onedir")
    assert len(calls("COLLECT")) == 1
    (exe_args, exe_kwargs), = calls("EXE")
    assert exe_kwargs["exclude_binaries"] is True and exe_kwargs["name"] == "digitpad"
    assert exe_kwargs["console"] is True

    run_spec(monkeypatch, "onefile")
    assert calls("COLLECT") == []
    (exe_args, exe_kwargs), = calls("EXE")
    assert "exclude_binaries" not in exe_kwargs
    assert len(exe_args) >= 4  # pyz, scripts, binaries, datas all inside the one file

    with pytest.raises(SystemExit, match="DIGITPAD_BUILD_MODE"):
        run_spec(monkeypatch, "both")


def test_spec_console_override(monkeypatch):
    assert run_spec(monkeypatch, "onefile", console="0")["CONSOLE"] is False
    (_, exe_kwargs), = calls("EXE")
    assert exe_kwargs["console"] is False
    assert run_spec(monkeypatch, "onefile")["CONSOLE"] is True


QT = "PySide6/Qt"


@pytest.mark.parametrize(
    "dest, kept",
    [
        (f"{QT}/plugins/platforms/libqxcb.so", True),
        (f"{QT}/plugins/platforms/libqoffscreen.so", True),
        (f"{QT}/plugins/platforms/libqwayland.so", True),
        (f"{QT}/plugins/platforms/qwindows.dll", True),
        (f"{QT}/plugins/platforms/libqcocoa.dylib", True),
        (f"{QT}/plugins/platforms/libqeglfs.so", False),
        (f"{QT}/plugins/platforms/libqvnc.so", False),
        (f"{QT}/plugins/imageformats/libqsvg.so", True),
        (f"{QT}/plugins/imageformats/libqico.so", True),
        (f"{QT}/plugins/imageformats/libqjpeg.so", True),
        (f"{QT}/plugins/imageformats/libqtiff.so", False),
        (f"{QT}/plugins/iconengines/libqsvgicon.so", True),
        (f"{QT}/plugins/styles/qmodernwindowsstyle.dll", True),
        (f"{QT}/plugins/platformthemes/libqxdgdesktopportal.so", True),
        (f"{QT}/plugins/platformthemes/libqgtk3.so", False),
        (f"{QT}/plugins/wayland-shell-integration/libxdg-shell.so", True),
        (f"{QT}/plugins/tls/libqopensslbackend.so", False),
        (f"{QT}/plugins/networkinformation/libqnetworkmanager.so", False),
        (f"{QT}/plugins/egldeviceintegrations/libqeglfs-kms-integration.so", False),
        (f"{QT}/plugins/generic/libqevdevmouseplugin.so", False),
        (f"{QT}/translations/qtbase_de.qm", False),
        (f"{QT}/qml/QtQuick/Controls/qmldir", False),
        (f"{QT}/lib/libQt6Network.so.6", False),
        (f"{QT}/lib/libQt6EglFSDeviceIntegration.so.6", False),
        (f"{QT}/lib/libQt6Core.so.6", True),
        (f"{QT}/lib/libQt6Gui.so.6", True),
        (f"{QT}/lib/libQt6Widgets.so.6", True),
        (f"{QT}/lib/libQt6Svg.so.6", True),
        (f"{QT}/lib/libQt6DBus.so.6", True),  # the xcb platform plugin links it
        (f"{QT}/lib/libicudata.so.73", True),
        ("PySide6\\Qt6Core.dll", True),
        ("PySide6\\translations\\qtbase_fr.qm", False),
        ("onnxruntime/capi/libonnxruntime_providers_shared.so", True),
        ("models/digit.onnx", True),
        ("libpython3.11.so.1.0", True),
    ],
)
def test_qt_trimming(monkeypatch, dest, kept):
    namespace = run_spec(monkeypatch)
    assert namespace["keep_entry"](dest) is kept


def test_spec_applies_trimming(monkeypatch):
    run_spec(
        monkeypatch,
        binaries=[(f"{QT}/plugins/platforms/libqxcb.so", "/x/libqxcb.so", "BINARY"),
                  (f"{QT}/plugins/tls/libqopensslbackend.so", "/x/libqopensslbackend.so", "BINARY")],
        datas=[(f"{QT}/translations/qtbase_de.qm", "/x/qtbase_de.qm", "DATA")],
    )
    (collect_args, _), = calls("COLLECT")
    collected = [entry[0] for toc in collect_args[1:] if isinstance(toc, list) for entry in toc]
    assert f"{QT}/plugins/platforms/libqxcb.so" in collected
    assert f"{QT}/plugins/tls/libqopensslbackend.so" not in collected
    assert f"{QT}/translations/qtbase_de.qm" not in collected
    assert "models/digit.onnx" in collected


def test_spec_drops_links_to_trimmed_libraries(monkeypatch):
    """PyInstaller 6 adds top-level links into PySide6/Qt/lib; links to dropped libraries must go too."""
    run_spec(
        monkeypatch,
        binaries=[(f"{QT}/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY"),
                  (f"{QT}/lib/libQt6Network.so.6", "/x/libQt6Network.so.6", "BINARY"),
                  ("libQt6Core.so.6", f"{QT}/lib/libQt6Core.so.6", "SYMLINK"),
                  ("libQt6Network.so.6", f"{QT}/lib/libQt6Network.so.6", "SYMLINK"),
                  ("libQt6Network.so", "libQt6Network.so.6", "SYMLINK")],  # a link to the link
    )
    (collect_args, _), = calls("COLLECT")
    collected = [entry[0] for toc in collect_args[1:] if isinstance(toc, list) for entry in toc]
    assert "libQt6Core.so.6" in collected and f"{QT}/lib/libQt6Core.so.6" in collected
    assert not [dest for dest in collected if "Network" in dest], collected


def test_spec_refuses_torch(monkeypatch):
    with pytest.raises(SystemExit, match="torch"):
        run_spec(monkeypatch, binaries=[("torch/lib/libtorch_cpu.so", "/x/libtorch_cpu.so", "BINARY")])
    with pytest.raises(SystemExit, match="torch"):
        run_spec(monkeypatch, pure=[("torch.nn", "/x/torch/nn/__init__.py", "PYMODULE")])


def test_launcher_imports_onnxruntime_before_qt_and_calls_cli():
    tree = ast.parse((ROOT / "build_spec" / "launcher.py").read_text(encoding="utf-8"))
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    first = imports[0]
    assert isinstance(first, ast.Import) and first.names[0].name == "onnxruntime"
    assert any(isinstance(n, ast.ImportFrom) and n.module == "digitpad.cli" and n.names[0].name == "main"
               for n in imports)


def test_build_scripts_are_valid_bash():
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    for script in ("build_spec/build.sh", ".ci/build_binary.sh"):
        path = ROOT / script
        subprocess.run([bash, "-n", str(path)], check=True)
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#!/usr/bin/env bash")
    build = (ROOT / "build_spec" / "build.sh").read_text(encoding="utf-8")
    assert "-m venv" in build and "pip install" in build and "import torch" in build


def test_model_files_exist():
    assert (ROOT / "models" / "digit.onnx").stat().st_size > 10_000
    assert (ROOT / "models" / "digit.json").is_file()


def test_icons():
    from PIL import Image

    svg = (ROOT / "assets" / "digitpad.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and 'viewBox="0 0 256 256"' in svg
    with Image.open(ROOT / "assets" / "digitpad.png") as im:
        assert im.size == (256, 256) and im.mode == "RGBA"
    for size in ICON_SIZES:
        with Image.open(ROOT / "assets" / f"digitpad-{size}.png") as im:
            assert im.size == (size, size)
            assert im.getchannel("A").getextrema()[1] == 255  # not blank
    with Image.open(ROOT / "assets" / "digitpad.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])


def test_desktop_file():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "assets" / "digitpad.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "digitpad"
    assert entry["Icon"] == "digitpad"
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Graphics;Education;"
    # 1.5 is the newest spec, but the validators of Debian 12 / Ubuntu 22.04 reject it.
    assert entry["Version"] in ("1.0", "1.1", "1.2", "1.3", "1.4")


def test_desktop_file_validates():
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate not installed (apt-get install desktop-file-utils)")
    proc = subprocess.run([validator, str(ROOT / "assets" / "digitpad.desktop")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_package_data_covers_assets():
    """Every asset file type the binary bundles is also installed with the wheel."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["digitpad.assets"]
    for path in (ROOT / "assets").iterdir():
        if path.suffix != ".py" and path.is_file():
            assert any(path.match(g) for g in globs), path.name


def test_frozen_layout_matches_resources(monkeypatch, tmp_path):
    """digitpad.resources looks in sys._MEIPASS/models and /assets: where the spec puts them."""
    from digitpad import resources

    monkeypatch.delenv("DIGITPAD_MODEL", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.model_path() == tmp_path / "models" / "digit.onnx"
    assert resources.asset_path("digitpad.png") == tmp_path / "assets" / "digitpad.png"


def test_assets_found_in_checkout():
    from digitpad import resources

    assert resources.asset_path("digitpad.png").is_file()
    assert resources.asset_path("digitpad.svg").is_file()


def test_built_onedir_bundle(tmp_path):
    """After build_spec/build.sh onedir (CI builds it after the test suite): no torch, model and assets inside."""
    app = ROOT / "dist" / "onedir" / "digitpad"
    internal = app / "_internal"
    if not (app / "digitpad").is_file() or not internal.is_dir():
        pytest.skip("dist/onedir/digitpad not built (.ci/build_binary.sh builds and checks it)")
    torch_paths = [p for p in app.rglob("*") if "torch" in p.name.lower()]
    assert torch_paths == [], torch_paths[:5]
    assert (internal / "models" / "digit.onnx").stat().st_size > 10_000
    assert (internal / "models" / "digit.json").is_file()
    for name in ("digitpad.png", "digitpad.svg", "digitpad.desktop"):
        assert (internal / "assets" / name).is_file(), name
    assert not list(internal.rglob("*.qm")), "Qt translations were bundled"
    assert not list(internal.rglob("libQt6Network*")), "QtNetwork was bundled"
