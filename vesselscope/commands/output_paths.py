"""Checks of output paths before a command starts its work, so a long replay or evaluation is
not run only to fail when it writes (a folder where a file should go, or the reverse)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vesselscope.errors import SourceError
from vesselscope.sources.image_folder import IMAGE_SUFFIXES
from vesselscope.writers import writes_folder


def check_output_file(path: str) -> None:
    target = Path(path)
    if target.is_dir():
        raise SourceError(path, "is a folder; give the name of a file to write")
    if target.exists() and not target.is_file():
        return  # a device or a pipe (/dev/stdout) is written through, not beside (atomic.py)
    # a link's file is replaced beside the file it names, wherever that is
    _check_parents(path, Path(os.path.realpath(target)))


def check_output_folder(path: str) -> None:
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise SourceError(path, "is a file; give a folder")
    _check_parents(path, target)


def check_output_cine(path: str) -> None:
    """A recording to write (convert): a file of a known kind, or a new or empty folder for
    PNGs (frames written among others would mix into one unreadable series)."""
    if not writes_folder(path):
        check_output_file(path)
        return
    check_output_folder(path)
    target = Path(path)
    if target.is_dir() and (images := [f for f in target.iterdir() if _is_frame(f)]):
        raise SourceError(
            path,
            f"holds frames already ({len(images)} file{'s' * (len(images) != 1)}); give a new or "
            "empty folder",
        )


def _is_frame(file: Path) -> bool:
    return file.suffix.lower() in IMAGE_SUFFIXES


def _check_parents(path: str, target: Path) -> None:
    """The nearest existing folder above `target` must be a folder this process can write in
    (missing folders below it are created by the writers). Tried by writing, not asked of
    os.access, which says yes to root even where nothing can be written (/proc)."""
    for folder in target.absolute().parents:
        if folder.exists():
            if not folder.is_dir():
                raise SourceError(path, f"{folder} is a file, not a folder")
            try:
                with tempfile.TemporaryFile(dir=folder):
                    pass
            except OSError as exc:
                raise SourceError(path, f"cannot write in {folder}: {exc.strerror or exc}") from exc
            return


def check_apart(paths: dict[str, str | None]) -> None:
    """Outputs and inputs by role ("the results", "the recording replayed"...), none of them
    the same file: `replay X --json X` overwrote the recording, and `--out r.mp4 --json r.json`
    wrote the results where the video's sidecar then went."""
    seen: dict[str, str] = {}
    for role, path in paths.items():
        if path is None or "://" in path:
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise SourceError(path, f"is both {seen[key]} and {role}; give them different names")
        seen[key] = role
