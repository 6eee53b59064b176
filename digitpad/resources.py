"""Where the shipped model and assets live, the same way installed, in a checkout and frozen."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent


def _bundle_root() -> Path | None:
    """PyInstaller unpacks data next to sys._MEIPASS; None when not frozen."""
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) if root else None


def _find(folder: str, name: str) -> Path:
    bundle = _bundle_root()
    if bundle is not None:
        return bundle / folder / name
    # Installed wheels map models/ and assets/ into the package as digitpad.models / digitpad.assets.
    try:
        from importlib.resources import files

        candidate = Path(str(files(f"digitpad.{folder}") / name))
        if candidate.exists():
            return candidate
    except (ModuleNotFoundError, TypeError):
        pass
    return _REPO_ROOT / folder / name


def model_path() -> Path:
    """The model to load: $DIGITPAD_MODEL if set, else the shipped models/digit.onnx."""
    override = os.environ.get("DIGITPAD_MODEL")
    return Path(override) if override else _find("models", "digit.onnx")


def metadata_path(model: Path) -> Path:
    """models/digit.json beside models/digit.onnx."""
    return model.with_suffix(".json")


def asset_path(name: str) -> Path:
    return _find("assets", name)
