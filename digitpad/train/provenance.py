"""The commands and sources the model files record, with relative paths only.

models/*.json say how each file was made; a path like /root/out/m24/digit.pt names one machine's
folder and means nothing on another, so absolute paths are written relative to the working
folder the command ran in (the repository root, where README's commands run).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence


def relative(path: str) -> str:
    """An absolute path relative to the working folder; anything else unchanged."""
    return os.path.relpath(path) if os.path.isabs(path) else path


def command_line(prog: str, argv: Sequence[str]) -> str:
    """``prog`` and its arguments as one shell line, absolute paths made relative (``--opt=/x`` too)."""
    parts = []
    for arg in argv:
        if arg.startswith("--") and "=" in arg:
            key, value = arg.split("=", 1)
            arg = f"{key}={relative(value)}"
        else:
            arg = relative(arg)
        parts.append(shlex.quote(arg))
    return " ".join([prog, *parts])
