"""digitpad: draw a digit, a small local network names it live."""

import os

# onnxruntime (1.32 on Linux) ships Microsoft's 1DS telemetry: at initialisation it writes a
# device id and an event queue under ~/.cache/Microsoft and uploads them over HTTPS.  A private,
# offline app must not.  ORT_DISABLE_TELEMETRY=1 is read once, when onnxruntime initialises,
# so it is set here, where every entry point (CLI, window, self-test, training export) passes
# before anything imports onnxruntime.  Forced, not defaulted: a user's 0 must not turn it on.
# See docs/hardening.md ("Offline for real").
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
