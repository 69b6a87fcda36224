"""The Source interface every reader implements: a sized, seekable sequence of Frames."""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import replace

from vesselscope.errors import SourceError, SpacingUnknownWarning
from vesselscope.frame import Frame, Spacing

# Used for timestamps when a recording does not state its frame rate.
DEFAULT_FPS = 30.0

# A header may declare any size; we refuse to allocate more than this for one recording, so a
# corrupt or hostile file cannot make us ask for gigabytes.
MAX_DECODED_BYTES = 4 * 1024**3


class TruncatedRecordingWarning(UserWarning):
    """The data holds a different number of whole frames than the header declares."""


class Source(ABC):
    """A recording (or stream) of Frames.

    File sources are seekable: `len(source)`, `source[i]`, iteration in order. Subclasses set
    `path`, `frame_count`, `fps` (None when unknown) and `spacing_mm` (None when unknown), and
    implement `_read(index)`.
    """

    path: str
    frame_count: int
    fps: float | None = None
    spacing_mm: Spacing | None = None
    seekable: bool = True
    _spacing_overridden: bool = False

    @abstractmethod
    def _read(self, index: int) -> Frame:
        """Decode frame `index` (already bounds-checked)."""

    def read(self, index: int) -> Frame:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"{self.path}: frame {index} out of range 0..{self.frame_count - 1}")
        return self._finish(self._read(index))

    def __getitem__(self, index: int) -> Frame:
        if index < 0:
            index += self.frame_count
        return self.read(index)

    def __len__(self) -> int:
        return self.frame_count

    def __iter__(self) -> Iterator[Frame]:
        for index in range(self.frame_count):
            yield self._finish(self._read(index))

    def override_spacing(self, spacing_mm: float | Spacing) -> None:
        """Use this spacing for every frame, whatever the file says (e.g. from --spacing)."""
        pair = (spacing_mm, spacing_mm) if isinstance(spacing_mm, (int, float)) else spacing_mm
        self.spacing_mm = check_spacing(self.path, pair)
        self._spacing_overridden = True

    def _finish(self, frame: Frame) -> Frame:
        if self._spacing_overridden and frame.spacing_mm != self.spacing_mm:
            return replace(frame, spacing_mm=self.spacing_mm)
        return frame

    def timestamp_of(self, index: int) -> float:
        return index / (self.fps or DEFAULT_FPS)

    def close(self) -> None:  # noqa: B027 - optional hook: most sources hold no handle
        """Release file handles; the default source holds none."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.path!r}, frames={self.frame_count}, "
            f"fps={self.fps}, spacing_mm={self.spacing_mm})"
        )


def warn_if_spacing_unknown(path: str, spacing: Spacing | None) -> None:
    if spacing is None:
        warnings.warn(
            f"{path}: pixel spacing unknown; millimetre measurements are unavailable "
            "(give it in a sidecar JSON or with --spacing)",
            SpacingUnknownWarning,
            stacklevel=3,
        )


def check_decoded_size(path: str, nbytes: int) -> None:
    """Refuse a declared size we would not be willing to allocate."""
    if nbytes > MAX_DECODED_BYTES:
        raise SourceError(
            path,
            f"declared image data of {nbytes / 1024**3:.1f} GiB exceeds the "
            f"{MAX_DECODED_BYTES / 1024**3:.0f} GiB limit",
        )


def check_spacing(path: str, spacing: Spacing | None) -> Spacing | None:
    """Return a validated (row, col) spacing in mm, or None."""
    if spacing is None:
        return None
    row, col = (float(v) for v in spacing)
    if not (0 < row < 1000 and 0 < col < 1000):
        raise SourceError(path, f"pixel spacing {spacing!r} mm is not a positive size")
    return (row, col)
