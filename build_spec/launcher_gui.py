"""Frozen entry point of the windowed digitpad-gui executable (Windows only; see docs/binary.md)."""

import onnxruntime  # noqa: F401  (load onnxruntime's DLLs before Qt's on Windows)

from digitpad.gui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
