"""write_metaimage: a cine as a PLUS sequence metafile (.mha, or .mhd + .raw/.zraw)."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.writers.atomic import atomic_file
from vesselscope.writers.metaimage_header import SequenceHeader, frame_bytes


def write_metaimage(
    path: str | os.PathLike[str],
    frames: Iterable[Frame],
    *,
    fps: float | None = None,
    compress: bool = False,
) -> Path:
    """Write frames as a PLUS-compatible sequence: `.mha` one file, `.mhd` header + `.raw`.

    `compress=True` stores the data as one zlib stream (`.zraw` beside a .mhd). Frames are
    streamed, never all held: a .mhd's data goes straight to its file, a .mha's to a temporary
    file first because its header, which lists every frame, must come before the data. Files
    appear complete or not at all. Timestamps are the frames' own, or with `fps` the first
    frame's time plus k / fps. Only the grayscale pixels are written (Frame.color is not).
    Raises SourceError for no frames, frames of differing size or type, or a failed write.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".mha", ".mhd"):
        raise SourceError(target, f"'{suffix}' is not a MetaImage extension (.mha or .mhd)")
    if fps is not None and not (math.isfinite(fps) and fps > 0):
        raise SourceError(target, f"fps = {fps} is not a positive frame rate")
    try:
        if suffix == ".mhd":
            data_path = target.with_suffix(".zraw" if compress else ".raw")
            with atomic_file(data_path) as out:
                header = _write_frames(target, frames, out, data_path.name, fps, compress)
            with atomic_file(target) as out:
                out.write(header.render())
        else:
            with tempfile.TemporaryFile(dir=target.parent) as scratch:
                header = _write_frames(target, frames, scratch, "LOCAL", fps, compress)
                scratch.seek(0)
                with atomic_file(target) as out:
                    out.write(header.render())
                    shutil.copyfileobj(scratch, out, 1024**2)
    except OSError as exc:
        raise SourceError(target, f"cannot write: {exc.strerror or exc}") from exc
    return target


def _write_frames(
    target: Path,
    frames: Iterable[Frame],
    out: BinaryIO,
    data_file: str,
    fps: float | None,
    compress: bool,
) -> SequenceHeader:
    """Write each frame's pixels to `out` and return the header that describes them."""
    packer = zlib.compressobj() if compress else None
    header: SequenceHeader | None = None
    start = 0.0
    written = 0
    for frame in frames:
        if header is None:
            header = SequenceHeader(target, frame, data_file, spacing_mm=frame.spacing_mm)
            start = frame.timestamp_s
        header.add(frame, frame.timestamp_s if fps is None else start + header.count / fps)
        data = frame_bytes(frame)
        written += out.write(packer.compress(data) if packer else data)
    if header is None:
        raise SourceError(target, "no frames to write")
    if packer is not None:
        written += out.write(packer.flush())
        header.compressed_size = written
    return header
