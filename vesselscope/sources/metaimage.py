"""PLUS sequence metafiles (.mha, .mhd + .raw/.zraw) as a Source of Frames, read lazily.

- Timestamps are the file's own Seq_FrameNNNN_Timestamp values in seconds, not shifted to start
  at zero (PLUS writes tracker times), so a clip written back out keeps its times. Frames without
  one, and frames recovered beyond the header, get times extrapolated at `fps`: the median
  timestamp step, else the header's FrameRateHint, else DEFAULT_FPS (then `fps` is None).
- UltrasoundImageOrientation MN, UF and UN are flipped to MF (transducer at the top, marked side
  on the right) and `orientation` keeps what the file said; other values are left as stored.
- Seq_FrameNNNN_ImageStatus is not read: frames PLUS marked INVALID are returned like the others.
- Recovery: data holding fewer whole frames than declared opens with those frames and a
  TruncatedRecordingWarning (none at all is a SourceError). A separate uncompressed data file
  holding more whole frames than declared (SequenceRecorder killed before its last header
  rewrite) opens with all of them, also with the warning.
- Each read opens the data file and closes it again: a Source holds no handle between reads.
"""

from __future__ import annotations

import bisect
import itertools
import os
import stat
import statistics
import warnings
from dataclasses import dataclass

import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.sources.base import (
    DEFAULT_FPS,
    Source,
    TruncatedRecordingWarning,
    check_decoded_size,
    warn_if_spacing_unknown,
)
from vesselscope.sources.color import frame_pixels
from vesselscope.sources.metaimage_header import read_header
from vesselscope.sources.metaimage_layout import (
    ORIENTATION_FLIPS,
    parse_layout,
    per_frame_fields,
)
from vesselscope.sources.zlib_frames import ZlibFrames


class MetaImageSource(Source):
    """A PLUS sequence metafile or a plain 2-D/3-D MetaImage (third dimension = time)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        fields, header_end = read_header(self.path)
        layout = parse_layout(fields, self.path)
        check_decoded_size(self.path, layout.total_bytes)
        self._layout = layout
        self.orientation = layout.orientation
        self._flips = ORIENTATION_FLIPS.get(layout.orientation or "", (False, False))
        self._timestamps, self._spacings = per_frame_fields(fields, layout.frames, self.path)
        self._frames, shortfall = self._open_data(header_end)
        self.frame_count = self._frames.count
        self._check_count(shortfall)
        self._known = sorted(self._timestamps)
        self.fps = _median_rate(self._timestamps, self._known) or layout.frame_rate_hint
        first_spacing = self._spacings.get(min(self._spacings)) if self._spacings else None
        self.spacing_mm = layout.spacing_mm or first_spacing
        warn_if_spacing_unknown(self.path, self.spacing_mm)

    def _open_data(self, header_end: int) -> tuple[_RawFrames | ZlibFrames, str | None]:
        """The frames of the data and, for when it holds fewer than declared, why."""
        layout = self._layout
        data_path = os.fspath(layout.data_file) if layout.data_file else self.path
        try:
            status = os.stat(data_path)
            if not stat.S_ISREG(status.st_mode):
                raise SourceError(self.path, f"data file {data_path!r} is not a regular file")
            size = status.st_size
            start = self._data_start(header_end, size)
            if layout.compressed:
                end = size if layout.compressed_size is None else start + layout.compressed_size
                zipped = ZlibFrames(
                    data_path, start, min(end, size), layout.frame_bytes, layout.frames
                )
                return zipped, zipped.damage
            whole = max(0, size - start) // layout.frame_bytes
            # Only a separate data file grows past its header (an interrupted recording); bytes
            # after the data of a LOCAL .mha are not frames.
            count = whole if layout.data_file is not None else min(whole, layout.frames)
            shortfall = f"the data holds {max(0, size - start)} of {layout.total_bytes} bytes"
            return _RawFrames(data_path, start, layout.frame_bytes, count), shortfall
        except FileNotFoundError:
            raise SourceError(self.path, f"data file {data_path!r} not found") from None
        except OSError as exc:
            raise SourceError(
                self.path, f"cannot read {data_path!r}: {exc.strerror or exc}"
            ) from exc

    def _data_start(self, header_end: int, size: int) -> int:
        """Byte offset of the pixel data in its file (MetaIO's HeaderSize rules)."""
        layout = self._layout
        start = header_end if layout.data_file is None else 0
        if layout.header_size == -1:  # the data is the last bytes of the file
            return max(start, size - layout.total_bytes)
        if layout.header_size > 0:  # an absolute offset, in a LOCAL .mha too
            if layout.header_size < start:
                raise SourceError(
                    self.path, f"HeaderSize = {layout.header_size} is inside the header"
                )
            return layout.header_size
        return start

    def _check_count(self, shortfall: str | None) -> None:
        layout, count = self._layout, self.frame_count
        if count == 0:
            raise SourceError(
                self.path,
                f"{shortfall}: not one whole frame of {layout.width}x{layout.height} "
                f"({layout.frame_bytes} bytes; {layout.frames} declared)",
            )
        if count < layout.frames:
            message = f"{shortfall}: recovered {count} of the {layout.frames} declared frames"
        elif count > layout.frames:
            message = (
                f"the data holds {count} whole frames, {count - layout.frames} more than the "
                "header lists (an interrupted recording); their timestamps are extrapolated"
            )
        else:
            return
        warnings.warn(f"{self.path}: {message}", TruncatedRecordingWarning, stacklevel=3)

    def _read(self, index: int) -> Frame:
        layout = self._layout
        try:
            data = self._frames.read(index)
        except (OSError, EOFError) as exc:  # the file changed since it was opened
            raise SourceError(
                self.path, f"cannot read frame {index}: {exc or 'file shrank'}"
            ) from exc
        shape = (layout.height, layout.width) + ((layout.channels,) if layout.channels > 1 else ())
        image = np.frombuffer(data, layout.dtype).reshape(shape)
        if image.dtype.kind == "f":
            image = image.astype(np.float32)  # native order; float64 too, keeping its values
        elif not image.dtype.isnative:
            image = image.astype(image.dtype.newbyteorder("="))
        pixels, color = frame_pixels(image)
        flip_rows, flip_cols = self._flips
        view = (
            slice(None, None, -1 if flip_rows else 1),
            slice(None, None, -1 if flip_cols else 1),
        )
        return Frame(
            pixels=np.ascontiguousarray(pixels[view]),
            spacing_mm=self._spacings.get(index, self.spacing_mm),
            index=index,
            timestamp_s=self.timestamp_of(index),
            origin=self.path,
            color=None if color is None else np.ascontiguousarray(color[view]),
        )

    def timestamp_of(self, index: int) -> float:
        """The file's timestamp of frame `index`, else extrapolated from the nearest one before."""
        if index in self._timestamps:
            return self._timestamps[index]
        step = 1.0 / (self.fps or DEFAULT_FPS)
        if not self._known:
            return index * step
        nearest = self._known[max(0, bisect.bisect_left(self._known, index) - 1)]
        return self._timestamps[nearest] + (index - nearest) * step


@dataclass(frozen=True)
class _RawFrames:
    """Uncompressed frames, each read with one seek and one read."""

    path: str
    start: int
    frame_bytes: int
    count: int

    def read(self, index: int) -> bytearray:
        buffer = bytearray(self.frame_bytes)
        with open(self.path, "rb") as handle:
            handle.seek(self.start + index * self.frame_bytes)
            if handle.readinto(buffer) != self.frame_bytes:
                raise EOFError
        return buffer


def _median_rate(timestamps: dict[int, float], known: list[int]) -> float | None:
    """Frames per second from the median step between frames with timestamps; None if none."""
    steps = [
        (timestamps[b] - timestamps[a]) / (b - a)
        for a, b in itertools.pairwise(known)
        if timestamps[b] > timestamps[a]
    ]
    return 1.0 / statistics.median(steps) if steps else None
