"""Files that appear complete or not at all: exports, recordings and their headers."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from vesselscope.errors import SourceError


@contextmanager
def atomic_file(path: Path, *, durable: bool = False) -> Iterator[BinaryIO]:
    """Write a temporary file beside `path` and move it over `path` only when the block succeeds.

    Readers see the old file or the new one, never a half-written one, even if this process is
    killed. `durable` also fsyncs before the move, for power loss rather than a crash. A path
    that is no file (a device, a pipe, /dev/stdout) is written through, as it is.
    """
    target = replaceable(path)
    if target is None:
        with _opened(path, path) as handle:
            yield handle
        return
    make_parent(target, path)
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        with _opened(temporary, path) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def replaceable(path: Path) -> Path | None:
    """The file to replace when writing `path` whole: itself, or the file a link names (the
    link stays); None for a path that is not a file and must be written through: replaced,
    /dev/null became a file of results (as root) and a named pipe's reader got nothing."""
    try:
        mode = os.stat(path).st_mode  # through links
    except (FileNotFoundError, NotADirectoryError):  # a new file, perhaps in new folders
        return Path(path)
    if not stat.S_ISREG(mode):
        return None
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


def make_parent(target: Path, asked: Path) -> None:
    """The folders above `target` that are missing (replay --out new/v.mp4)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SourceError(asked, f"cannot create its folder: {exc.strerror or exc}") from exc


def _opened(path: Path, asked: Path) -> BinaryIO:
    try:
        return open(path, "wb")  # noqa: SIM115 - closed by the caller's with
    except OSError as exc:  # named as the file asked for, not our temporary one
        raise SourceError(asked, f"cannot write: {exc.strerror or exc}") from exc
