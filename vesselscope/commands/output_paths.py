"""Checks of output paths before a command starts its work, so a long replay or evaluation is
not run only to fail when it writes (a folder where a file should go, or the reverse)."""

from __future__ import annotations

import os
from pathlib import Path

from vesselscope.errors import SourceError


def check_output_file(path: str) -> None:
    target = Path(path)
    if target.is_dir():
        raise SourceError(path, "is a folder; give the name of a file to write")
    _check_parents(path, target)


def check_output_folder(path: str) -> None:
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise SourceError(path, "is a file; give a folder to write the report in")
    _check_parents(path, target)


def _check_parents(path: str, target: Path) -> None:
    """The nearest existing folder above `target` must be a writable folder (missing folders
    below it are created by the writers)."""
    for folder in target.absolute().parents:
        if folder.exists():
            if not folder.is_dir():
                raise SourceError(path, f"{folder} is a file, not a folder")
            if not os.access(folder, os.W_OK):
                raise SourceError(path, f"cannot write in {folder} (permission denied)")
            return
