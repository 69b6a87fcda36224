"""The PLUS sequence header of a cine being written."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Frame, Spacing

_ELEMENT_TYPES = {np.dtype(np.uint8): "MET_UCHAR", np.dtype(np.float32): "MET_FLOAT"}


class SequenceHeader:
    """Header fields of a sequence whose frames all have the first frame's shape and dtype.

    `spacing_mm` (row, col) becomes ElementSpacing; with `frame_spacing`, a frame whose own
    spacing differs gets a Seq_FrameNNNN_ElementSpacing line. Frames are added one at a time
    as they are written.
    """

    def __init__(
        self,
        path: Path,
        first: Frame,
        data_file: str,
        *,
        spacing_mm: Spacing | None,
        frame_spacing: bool = True,
        frame_rate_hint: float | None = None,
    ) -> None:
        self.path = path
        self.shape = first.shape
        self.dtype = first.pixels.dtype
        self.spacing_mm = spacing_mm
        self.frame_spacing = frame_spacing
        self.data_file = data_file
        self.frame_rate_hint = frame_rate_hint
        self.compressed_size: int | None = None  # set once the compressed data is written
        self.count = 0
        self._frame_lines: list[str] = []

    def check(self, frame: Frame) -> None:
        """Refuse a frame that does not fit the sequence (before any of it is written)."""
        if frame.shape != self.shape or frame.pixels.dtype != self.dtype:
            raise SourceError(
                self.path,
                f"frame {self.count} is {frame.pixels.dtype} {frame.shape[1]}x{frame.shape[0]}, "
                f"the first was {self.dtype} {self.shape[1]}x{self.shape[0]}: all frames of a "
                "sequence need one size and type",
            )

    def add(self, frame: Frame, timestamp_s: float) -> None:
        self.check(frame)
        if not math.isfinite(timestamp_s):
            raise SourceError(self.path, f"frame {self.count} has timestamp {timestamp_s}")
        tag = f"Seq_Frame{self.count:04d}"
        self._frame_lines += [
            f"{tag}_FrameNumber = {self.count}",
            f"{tag}_ImageStatus = OK",
            f"{tag}_Timestamp = {float(timestamp_s)!r}",
        ]
        if self.frame_spacing and frame.spacing_mm not in (None, self.spacing_mm):
            self._frame_lines.append(f"{tag}_ElementSpacing = {_spacing_text(frame.spacing_mm)}")
        self.count += 1

    def render(self) -> bytes:
        height, width = self.shape
        lines = [
            "ObjectType = Image",
            "NDims = 3",
            "AnatomicalOrientation = RAI",
            "BinaryData = True",
            "BinaryDataByteOrderMSB = False",
            "CenterOfRotation = 0 0 0",
            f"CompressedData = {self.compressed_size is not None}",
        ]
        if self.compressed_size is not None:
            lines.append(f"CompressedDataSize = {self.compressed_size}")
        lines += [f"DimSize = {width} {height} {self.count}", "ElementNumberOfChannels = 1"]
        if self.spacing_mm is not None:
            lines.append(f"ElementSpacing = {_spacing_text(self.spacing_mm)}")
        lines += [
            "Offset = 0 0 0",
            "TransformMatrix = 1 0 0 0 1 0 0 0 1",
            f"ElementType = {_ELEMENT_TYPES[self.dtype]}",
            "Kinds = domain domain list",
        ]
        if self.frame_rate_hint is not None:
            lines.append(f"FrameRateHint = {float(self.frame_rate_hint)!r}")
        lines += ["UltrasoundImageOrientation = MF", "UltrasoundImageType = BRIGHTNESS"]
        lines += self._frame_lines
        lines.append(f"ElementDataFile = {self.data_file}")
        return ("\n".join(lines) + "\n").encode("utf-8")


def _spacing_text(spacing_mm: Spacing) -> str:
    # MetaImage order is x (column) then y (row); repr keeps every digit for an exact round trip.
    row, col = spacing_mm
    return f"{float(col)!r} {float(row)!r} 1"


def frame_bytes(frame: Frame) -> bytes:
    """The frame's pixels as stored: row-major, little-endian (BinaryDataByteOrderMSB = False)."""
    return np.ascontiguousarray(frame.pixels, dtype=frame.pixels.dtype.newbyteorder("<")).tobytes()
