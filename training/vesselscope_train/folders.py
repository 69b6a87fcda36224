"""Output folders, made and tried before the work that fills them starts."""

from __future__ import annotations

import tempfile
from pathlib import Path


def writable_folder(path: Path, option: str) -> Path:
    """Create `path` (the value of `option`) and write a file in it, or raise ValueError.

    Training takes up to an hour and a harvest minutes: a folder under a file, or one not
    writable, found only when the results are written would throw all of that away.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path, prefix=".vesselscope-train-"):
            pass
    except OSError as exc:
        raise ValueError(f"{option} {path}: cannot write there ({exc.strerror or exc})") from None
    return path
