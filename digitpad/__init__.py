"""digitpad: draw a digit, a small local network names it live."""

__version__ = "0.1.0"
