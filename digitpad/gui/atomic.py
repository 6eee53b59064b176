"""Write a whole file or nothing: temporary file in the same folder, fsync, rename.

The binary twin of ``digitpad.drawing.atomic_write_text`` (the core's, for
drawings), used for Export PNG: a full disk or a read-only folder must leave
any existing file as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Raise OSError (ENOSPC, EACCES...) with the old file, if any, untouched and no temporary left behind."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
