"""The project's own error and warning types for input and output."""

from __future__ import annotations

import errno
import os
import sys


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


# Other errors a user's choice can cause (a model file, its card, an OpenCL device asked for):
# shown as one line naming the file or option, not as a bug. Listed by module and name, so the
# check imports nothing: an error of a module never imported cannot have been raised.
# Raised by a write or a close without the file's name (a full disk found at a buffer's
# flush): the disk, not a bug; the atomic writers (atomic.py) leave nothing half-written.
_DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS)

_USER_ERRORS = (
    ("vesselscope.classifier.card", "ModelCardError"),
    ("vesselscope.opencl_device", "NoOpenCLDevice"),
)


def is_user_error(exc: BaseException) -> bool:
    """True for errors whose message already says what to fix (file, option and reason)."""
    if isinstance(exc, (SourceError, FileNotFoundError)):
        return True
    if isinstance(exc, OSError) and exc.filename is not None:  # names the path: "Is a directory"
        return True
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRORS:  # the disk, not a bug
        return True
    return any(
        module in sys.modules and isinstance(exc, getattr(sys.modules[module], name))
        for module, name in _USER_ERRORS
    )


def describe_user_error(exc: BaseException) -> str:
    """The one line a user is shown for an error is_user_error accepts."""
    if isinstance(exc, OSError) and exc.filename is None and exc.errno in _DISK_ERRORS:
        return f"{exc.strerror} (while writing the output)"
    return str(exc)
