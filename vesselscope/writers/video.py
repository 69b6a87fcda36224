"""mp4 / avi export through OpenCV, with a sidecar JSON keeping spacing and frame rate."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Frame, Spacing
from vesselscope.sources.base import DEFAULT_FPS
from vesselscope.sources.color import to_uint8
from vesselscope.writers.atomic import make_parent, replaceable
from vesselscope.writers.geometry import consistent_frames, write_sidecar

# mp4v (MPEG-4 part 2) is what the OpenCV wheels can always encode; MJPG for avi.
_FOURCC = {".mp4": "mp4v", ".avi": "MJPG"}


def video_suffix(path: Path) -> str:
    """The video kind of `path` (.mp4 or .avi); a SourceError for any other."""
    suffix = Path(path).suffix.lower()
    if suffix not in _FOURCC:
        raise SourceError(path, f"cannot encode video as '{suffix}' (use .mp4 or .avi)")
    return suffix


class VideoRecorder:
    """Append RGB or grey images to a video one at a time; close() writes the sidecar.

    Video is lossy: pixels come back close, not equal. It carries no patient identifiers.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        fps: float | None,
        spacing_mm: Spacing | None,
        fit_other_sizes: bool = False,
    ) -> None:
        """fit_other_sizes: an image of another size than the first is scaled to fit the
        video's size, centred on black (a folder of stills of mixed sizes), instead of refused;
        `fitted` counts them, and the sidecar then gives no spacing (it no longer holds)."""
        self.path = Path(path)
        self._fourcc = _FOURCC[video_suffix(self.path)]
        self.fps = fps or DEFAULT_FPS
        self.spacing_mm = spacing_mm
        self._writer: cv2.VideoWriter | None = None
        self._shape: tuple[int, int] | None = None
        self._fit = fit_other_sizes
        self.fitted = 0

    def append(self, image: np.ndarray) -> None:
        """An HxW grey or HxWx3 RGB image; every image must have the first one's size."""
        if self._writer is None:
            self._shape = image.shape[:2]
            rows, cols = self._shape
            fourcc = cv2.VideoWriter_fourcc(*self._fourcc)
            self._writer = cv2.VideoWriter(str(self.path), fourcc, self.fps, (cols, rows))
            if not self._writer.isOpened():
                raise SourceError(self.path, f"OpenCV cannot open a {self._fourcc} video writer")
        elif image.shape[:2] != self._shape:
            if not self._fit:
                raise SourceError(
                    self.path, f"image is {image.shape[:2]}, the video is {self._shape}"
                )
            image = _letterbox(image, self._shape)
            self.fitted += 1
        if image.ndim == 2:
            self._writer.write(cv2.cvtColor(to_uint8(image), cv2.COLOR_GRAY2BGR))
        else:
            self._writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))

    def close(self) -> None:
        if self._writer is None:
            return
        self._writer.release()
        self._writer = None
        spacing = None if self.fitted else self.spacing_mm
        write_sidecar(self.path.with_suffix(".json"), spacing, self.fps)

    def __enter__(self) -> VideoRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def atomic_video(path: str | Path, **recorder: object) -> Iterator[VideoRecorder]:
    """A VideoRecorder (its keyword arguments) writing under a temporary name, moved into place
    with its sidecar when the block succeeds: a conversion or replay that fails or is
    interrupted half-way leaves no video that looks whole."""
    path = Path(path)
    video_suffix(path)  # the name asked for is the one an error names, not the temporary one
    target = replaceable(path)
    if target is None:  # not a file (a device): written through
        with VideoRecorder(path, **recorder) as video:  # type: ignore[arg-type]
            yield video
        return
    make_parent(target, path)
    partial = target.with_name(f".{target.stem}.partial{target.suffix}")
    video = VideoRecorder(partial, **recorder)  # type: ignore[arg-type]
    try:
        with video:
            yield video
        os.replace(partial, target)
        os.replace(partial.with_suffix(".json"), path.with_suffix(".json"))
    finally:
        partial.unlink(missing_ok=True)
        partial.with_suffix(".json").unlink(missing_ok=True)


def write_video(path: Path, frames: Iterable[Frame], *, fps: float | None = None) -> Path:
    """Encode frames (grey or colour) into a video, with `<name>.json` holding the geometry."""
    with atomic_video(path, fps=fps, spacing_mm=None) as recorder:
        for frame in consistent_frames(path, frames):
            recorder.spacing_mm = frame.spacing_mm
            recorder.append(frame.color if frame.color is not None else frame.pixels)
    return Path(path)


def _letterbox(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """`image` scaled to fit `shape` (rows, cols) whole, at its aspect ratio, centred on black."""
    rows, cols = shape
    scale = min(rows / image.shape[0], cols / image.shape[1])
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    scaled = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    canvas = np.zeros((rows, cols, *image.shape[2:]), image.dtype)
    top, left = (rows - scaled.shape[0]) // 2, (cols - scaled.shape[1]) // 2
    canvas[top : top + scaled.shape[0], left : left + scaled.shape[1]] = scaled
    return canvas
