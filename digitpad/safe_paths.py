"""Writing digitpad's own files without following a symbolic link out of its folders.

The config and data folders are the user's, but a file in them may be a link
planted to point elsewhere (``digitpad.log -> ~/.bashrc``).  Opening such a
name for writing would append to, or overwrite, the file it points to.  Every
write of an own file therefore goes through :func:`open_for_append` (the last
path component is never followed: ``O_NOFOLLOW`` where the OS has it, and a
check first everywhere) or through a rename (``os.replace`` replaces a link
itself, never its target).  Qt-free, so the CLI and the core can use it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class UnsafePathError(OSError):
    """The name is a symbolic link, or it leads out of the folder it must stay in."""


def check_own_file(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> Path:
    """``path`` unless it is a symbolic link or resolves outside ``folder`` (default: its parent).

    A missing file is fine (it will be created).  The folder itself may be a link
    (a home folder on another disk): what counts is that the file stays in it.
    """
    path = Path(path)
    folder = Path(folder) if folder is not None else path.parent
    if path.is_symlink():
        raise UnsafePathError(f"{path} is a symbolic link; digitpad does not write through links")
    real_folder = folder.resolve()
    real = path.parent.resolve() / path.name  # not a link, so this is where a write lands
    if real != real_folder and real_folder not in real.parents:
        raise UnsafePathError(f"{path} is outside {folder}; digitpad does not write there")
    return path


def open_for_append(path: str | os.PathLike, folder: str | os.PathLike | None = None, mode: int = 0o644) -> int:
    """A file descriptor for appending to an own file (created if missing), never through a link.

    The check and ``O_NOFOLLOW`` together also close the window between checking and opening
    on POSIX: a link planted in between makes the open fail (ELOOP) instead of following it.
    The file must be a regular file: a FIFO or device is refused (it could block or swallow).
    """
    path = check_own_file(path, folder)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise UnsafePathError(f"{path} is not a regular file; digitpad does not write to it")
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0), mode)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafePathError(f"{path} is not a regular file; digitpad does not write to it")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def move_aside(path: str | os.PathLike, aside: str | os.PathLike) -> None:
    """Rename ``path`` to ``aside`` (replacing whatever name ``aside`` was, a link included).

    A rename moves directory entries and writes no file's content, so neither a
    link at ``path`` nor one at ``aside`` can make it write outside the folder.
    """
    path, aside = Path(path), Path(aside)
    if aside.parent.resolve() != path.parent.resolve():
        raise UnsafePathError(f"{aside} is not in the folder of {path}")
    os.replace(path, aside)
