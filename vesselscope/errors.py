"""The project's own error and warning types for input and output."""

from __future__ import annotations

import os


class SourceError(Exception):
    """A file or stream cannot be read (or written): names it and says why.

    Every reader and writer turns its failures into this one type, so the viewer and the CLI
    can show the message and carry on instead of crashing on a bad file.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class SpacingUnknownWarning(UserWarning):
    """The source does not say how many millimetres a pixel is."""
