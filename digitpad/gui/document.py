"""Which file a drawing on the canvas belongs to, kept in the canvas's undo history.

Every undo step of the canvas carries the :class:`Document` it belongs to, and a version
number that is new for every edit.  Open starts a new Document; Clear, strokes and
undo stay in it.  So undo across an Open gives back the previous drawing *with* its
file, its extra fields and its modified state, and Save can only ever write a drawing into
the file it came from (or was last saved as).  Opening is kept undoable, rather than
clearing the history, because the app has no "save changes?" prompt: the unsaved drawing
that an Open replaced stays one Ctrl+Z away instead of being lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(eq=False)  # identity matters: two opens of one file are two documents
class Document:
    """A file (None: untitled) and the canvas version last written to it or read from it."""

    path: Path | None = None
    saved_version: int | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "Untitled"

    def is_modified(self, version: int) -> bool:
        """Whether the canvas at ``version`` differs from what the file holds (or there is no file)."""
        return version != self.saved_version

    def saved(self, path: Path, version: int) -> None:
        """The canvas at ``version`` is now in ``path`` (Save, Save As: the document takes the new name)."""
        self.path = path
        self.saved_version = version
