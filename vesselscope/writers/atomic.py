"""Files that appear complete or not at all: exports, recordings and their headers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from vesselscope.errors import SourceError


@contextmanager
def atomic_file(path: Path, *, durable: bool = False) -> Iterator[BinaryIO]:
    """Write a temporary file beside `path` and move it over `path` only when the block succeeds.

    Readers see the old file or the new one, never a half-written one, even if this process is
    killed. `durable` also fsyncs before the move, for power loss rather than a crash.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        opened = open(temporary, "wb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:  # named as the file asked for, not our temporary one
        raise SourceError(path, f"cannot write: {exc.strerror or exc}") from exc
    try:
        with opened as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
