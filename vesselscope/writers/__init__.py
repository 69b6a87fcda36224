"""write_cine: save Frames in the format that the output path's extension names."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.writers.atomic import make_parent

# Every writer has the signature write(path, frames, *, fps=None) -> Path; spacing and
# timestamps come from the Frames themselves.
_BY_SUFFIX: dict[str, str] = {
    ".mha": "vesselscope.writers.metaimage:write_metaimage",
    ".mhd": "vesselscope.writers.metaimage:write_metaimage",
    ".dcm": "vesselscope.writers.dicom:write_dicom",
    ".mp4": "vesselscope.writers.video:write_video",
    ".avi": "vesselscope.writers.video:write_video",
}
_FOLDER_WRITER = "vesselscope.writers.image_folder:write_image_folder"

Writer = Callable[..., Path]


def write_cine(
    path: str | os.PathLike[str], frames: Iterable[Frame], *, fps: float | None = None
) -> Path:
    """Write frames to `path`: .mha/.mhd, .dcm, .mp4/.avi, or a folder (no extension) of PNGs."""
    target = Path(path)
    writer = _FOLDER_WRITER if writes_folder(target) else _BY_SUFFIX[target.suffix.lower()]
    make_parent(target, target)
    module_name, function_name = writer.split(":")
    write: Writer = getattr(importlib.import_module(module_name), function_name)
    return write(target, frames, fps=fps)


def writes_folder(path: str | os.PathLike[str]) -> bool:
    """Whether write_cine makes a folder of PNGs at `path` (else one file); a SourceError for
    an extension it cannot write."""
    target = Path(path)
    suffix = target.suffix.lower()
    if os.fspath(path).endswith(("/", os.sep)) or suffix == "" or target.is_dir():
        return True  # "run.v2/" names a folder, whatever its dot
    if suffix in _BY_SUFFIX:
        return False
    known = ", ".join(sorted(_BY_SUFFIX))
    raise SourceError(target, f"cannot write '{suffix}' (known: {known}, or a folder)")


__all__ = ["write_cine", "writes_folder"]
