"""PyInstaller runtime hook: runs before any module of the frozen app is imported.

onnxruntime's 1DS telemetry (device id under ~/.cache/Microsoft, HTTPS uploads) is turned off
by ORT_DISABLE_TELEMETRY=1, read once when onnxruntime initialises.  digitpad/__init__.py sets
it too; setting it here as well means no import order in the bundle can come first.  Forced:
a user's ORT_DISABLE_TELEMETRY=0 must not turn it on.  See docs/hardening.md.
"""

import os

os.environ["ORT_DISABLE_TELEMETRY"] = "1"
