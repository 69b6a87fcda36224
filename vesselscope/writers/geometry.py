"""Shared checks for writers: the frames of one cine agree, and a sidecar carries geometry."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from vesselscope.errors import SourceError
from vesselscope.frame import Frame, Spacing


def consistent_frames(path: Path, frames: Iterable[Frame]) -> Iterator[Frame]:
    """Pass frames through, raising SourceError when their size changes or there are none."""
    shape = None
    for frame in frames:
        if shape is None:
            shape = frame.shape
        elif frame.shape != shape:
            raise SourceError(
                path,
                f"frame {frame.index} is {frame.shape} but earlier frames are {shape}; a cine "
                "has one size (a folder of PNGs takes stills of any size)",
            )
        yield frame
    if shape is None:
        raise SourceError(path, "no frames to write")


def write_sidecar(path: Path, spacing_mm: Spacing | None, fps: float | None) -> Path:
    """Write the geometry that video and PNG files cannot hold (see sources/sidecar.py)."""
    data: dict[str, object] = {}
    if spacing_mm is not None:
        data["mm_per_pixel"] = [spacing_mm[0], spacing_mm[1]]
    if fps is not None:
        data["fps"] = round(fps, 6)  # 30, not 30.000000000000007 from a median of steps
    path.write_text(json.dumps(data, indent=1))
    return path


def fps_from_timestamps(timestamps: list[float]) -> float | None:
    """Frame rate from the median step between timestamps; None when it cannot be told."""
    steps = sorted(b - a for a, b in zip(timestamps, timestamps[1:], strict=False) if b > a)
    if not steps:
        return None
    return 1.0 / steps[len(steps) // 2]
