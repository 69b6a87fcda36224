"""PixelSpool: frames' 8-bit bytes gathered on a scratch file while their count is unknown.

A DICOM header states the number of frames before the pixels, and the frames come from an
iterable (possibly a long recording), so they are spooled to disk rather than held in memory.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import BinaryIO

import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Frame, Spacing
from vesselscope.sources.color import to_uint8

# Two spacings closer than this (relative) are the same; DS text and cm/mm conversions round.
_SPACING_TOLERANCE = 1e-6


class PixelSpool:
    """Stores same-size frames grey, or RGB once any carries colour; checks they share a spacing."""

    def __init__(self, target: Path, scratch: BinaryIO) -> None:
        self._target = target
        self._file = scratch
        self.count = 0
        self.shape: tuple[int, int] = (0, 0)
        self.spacing: Spacing | None = None
        self.timestamps: list[float] = []
        self.rgb = False

    def add(self, frame: Frame) -> None:
        if self.count == 0:
            self.shape, self.spacing = frame.shape, frame.spacing_mm
        elif not _same_spacing(frame.spacing_mm, self.spacing):
            raise SourceError(
                self._target,
                f"frame {self.count} has spacing {frame.spacing_mm} mm, the first frame "
                f"{self.spacing} mm: one file holds one pixel spacing",
            )
        if frame.color is not None and not self.rgb:
            self._promote_to_rgb()
        if not self.rgb:
            data = to_uint8(frame.pixels)
        elif frame.color is not None:
            data = to_uint8(frame.color)
        else:
            data = np.repeat(to_uint8(frame.pixels)[..., None], 3, axis=2)
        self._file.write(np.ascontiguousarray(data).tobytes())
        self.timestamps.append(frame.timestamp_s)
        self.count += 1

    @property
    def padded_bytes(self) -> int:
        """Length of the pixel data value: DICOM values have an even number of bytes."""
        size = self.count * self.shape[0] * self.shape[1] * (3 if self.rgb else 1)
        return size + size % 2

    def copy_to(self, out: BinaryIO) -> None:
        self._file.seek(0)
        shutil.copyfileobj(self._file, out)
        if self.padded_bytes != self._file.tell():
            out.write(b"\0")

    def _promote_to_rgb(self) -> None:
        """Re-store the grey frames spooled so far as R = G = B, now that colour has arrived.

        In place, last frame first: RGB frame k goes to 3k, never over a grey frame still unread.
        """
        frame_bytes = self.shape[0] * self.shape[1]
        for k in reversed(range(self.count)):
            self._file.seek(k * frame_bytes)
            grey = np.frombuffer(self._file.read(frame_bytes), dtype=np.uint8)
            self._file.seek(3 * k * frame_bytes)
            self._file.write(np.repeat(grey, 3).tobytes())
        self._file.seek(3 * self.count * frame_bytes)
        self.rgb = True


def _same_spacing(a: Spacing | None, b: Spacing | None) -> bool:
    if a is None or b is None:
        return a is b
    pairs = zip(a, b, strict=True)
    return all(abs(x - y) <= _SPACING_TOLERANCE * max(abs(x), abs(y)) for x, y in pairs)
