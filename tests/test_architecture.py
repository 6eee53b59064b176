"""The architecture, guarded the way napari does: import-linter contracts in pyproject.toml.

The core (digitpad outside digitpad.gui and digitpad.train) holds no Qt widgets and does not
depend on the window; nothing outside digitpad.train imports torch.  ``lint-imports`` runs here,
so the test command runs it; a copy of the package with a violating import proves the
contracts bite.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "digitpad"

tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def lint_imports(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.exists():
        pytest.fail("lint-imports not installed: pip install -e '.[test]' (import-linter is in the test extra)")
    return subprocess.run([str(exe), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def core_modules() -> set[str]:
    return {f"digitpad.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_contracts_are_kept():
    r = lint_imports(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 kept, 0 broken" in r.stdout


def test_every_core_module_is_under_the_contracts():
    """A new core module must be added to the lists (import-linter has no 'all but' form)."""
    c = contracts()
    qt_exempt = {"digitpad.render", "digitpad.logs", "digitpad.selftest"}  # QtGui / QtCore, no widgets
    assert set(c["core-no-qt"]["source_modules"]) == core_modules() - qt_exempt
    assert set(c["core-no-gui"]["source_modules"]) == core_modules() - {"digitpad.cli", "digitpad.__main__"}
    assert set(c["no-torch-outside-train"]["source_modules"]) == core_modules() | {"digitpad.gui"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_no_core_module_imports_qt_widgets():
    """What import-linter cannot name (an external subpackage): no core module, the renderer
    included, imports PySide6.QtWidgets, at any level of the file."""
    offenders = {p.name: sorted(n for n in _imports(p) if n.startswith("PySide6.QtWidgets"))
                 for p in PACKAGE.glob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("module,line,contract", [
    ("preprocess.py", "from PySide6 import QtWidgets  # noqa", "The core imports no Qt"),
    ("drawing.py", "def _f():\n    from digitpad.gui import window  # noqa", "does not depend on the window"),
    ("images.py", "def _f():\n    import torch  # noqa", "imports torch"),
    ("recognizer.py", "from digitpad.train import metrics  # noqa", "imports torch"),
])
def test_a_violating_import_breaks_a_contract(tmp_path, module, line, contract):
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "digitpad", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / "digitpad" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + line + "\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(copy))
    r = lint_imports(copy, env)
    assert r.returncode != 0, r.stdout
    assert "1 broken" in r.stdout
    broken = r.stdout.split("Broken contracts")[-1]
    assert contract in broken, r.stdout
