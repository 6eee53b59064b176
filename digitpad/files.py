"""Is a path a regular file we may open?  Checked before any read, for every input.

Opening a FIFO blocks until a writer comes, /dev/zero never ends, a folder or a symlink
loop gives confusing errors deep inside a decoder.  Every reader (CLI, window, images,
drawings) asks here first, so each refuses them the same way, with the same words.
"""

from __future__ import annotations

import errno
import os
import stat


def regular_file_problem(path: str | os.PathLike) -> str | None:
    """None for an existing regular file (symlinks followed); else why not, in a few words."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except NotADirectoryError:
        return "no such file (a part of the path is not a folder)"
    except PermissionError:
        return "permission denied"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "too many levels of symbolic links (a symlink loop)"
        if exc.errno == errno.ENAMETOOLONG:
            return "file name too long"
        return f"cannot read ({exc.strerror or exc})"
    except ValueError:  # an embedded NUL character
        return "not a valid file name"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "not a regular file"


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file: how models/*.json name the model file they describe or were fitted for."""
    import hashlib

    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()
