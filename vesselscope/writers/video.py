"""mp4 / avi export through OpenCV, with a sidecar JSON keeping spacing and frame rate."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.sources.base import DEFAULT_FPS
from vesselscope.sources.color import to_uint8
from vesselscope.writers.geometry import consistent_frames, write_sidecar

# mp4v (MPEG-4 part 2) is what the OpenCV wheels can always encode; MJPG for avi.
_FOURCC = {".mp4": "mp4v", ".avi": "MJPG"}


def write_video(path: Path, frames: Iterable[Frame], *, fps: float | None = None) -> Path:
    """Encode frames (grey or colour) into a video; writes `<name>.json` with the geometry.

    Video is lossy: pixels come back close, not equal. It carries no patient identifiers.
    """
    path = Path(path)
    fourcc = _FOURCC.get(path.suffix.lower())
    if fourcc is None:
        raise SourceError(path, f"cannot encode video as '{path.suffix}' (use .mp4 or .avi)")
    writer = None
    spacing = None
    try:
        for frame in consistent_frames(path, frames):
            if writer is None:
                spacing = frame.spacing_mm
                writer = _open_writer(path, fourcc, fps or DEFAULT_FPS, frame.shape)
            writer.write(_to_bgr(frame))
    finally:
        if writer is not None:
            writer.release()
    write_sidecar(path.with_suffix(".json"), spacing, fps or DEFAULT_FPS)
    return path


def _open_writer(path: Path, fourcc: str, fps: float, shape: tuple[int, int]) -> cv2.VideoWriter:
    rows, cols = shape
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (cols, rows))
    if not writer.isOpened():
        raise SourceError(path, f"OpenCV cannot open a {fourcc} video writer here")
    return writer


def _to_bgr(frame: Frame) -> np.ndarray:
    if frame.color is not None:
        return cv2.cvtColor(frame.color, cv2.COLOR_RGB2BGR)
    return cv2.cvtColor(to_uint8(frame.pixels), cv2.COLOR_GRAY2BGR)
