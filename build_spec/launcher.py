"""Frozen entry point of the digitpad binary: the same as the `digitpad` console script.

onnxruntime is imported before anything touches Qt: on Windows, Qt's and
onnxruntime's DLLs (MSVC runtime, DirectML) clash when Qt loads first.
"""

import onnxruntime  # noqa: F401  (import order matters on Windows, see above)

from digitpad.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
