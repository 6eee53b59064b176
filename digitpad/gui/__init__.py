"""The drawing window (PySide6).  Entry point: :func:`digitpad.gui.app.main`; see docs/gui.md.

Importing this package imports no Qt, so ``digitpad`` stays usable without a display.
"""
