"""What a MetaImage header says about its pixel data, checked field by field.

Turns the parsed `Key = Value` strings into a Layout (sizes, element type, where the data is)
and the PLUS per-frame fields (Seq_FrameNNNN_Timestamp, Seq_FrameNNNN_ElementSpacing) into
numbers. Every malformed or missing value becomes a SourceError that names the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Spacing
from vesselscope.sources.base import check_spacing

ELEMENT_TYPES = {
    "MET_UCHAR": "u1",
    "MET_CHAR": "i1",
    "MET_USHORT": "u2",
    "MET_SHORT": "i2",
    "MET_UINT": "u4",
    "MET_INT": "i4",
    "MET_FLOAT": "f4",
    "MET_DOUBLE": "f8",
}
# PLUS orientations: the image x axis points to the transducer's Marked or Unmarked side, the
# y axis Far from or Near to the transducer. Frames are flipped to MF (transducer at the top,
# marked side on the right), as (flip rows, flip columns).
ORIENTATION_FLIPS = {
    "MF": (False, False),
    "MN": (True, False),
    "UF": (False, True),
    "UN": (True, True),
}

_FRAME_FIELD = re.compile(r"Seq_Frame(\d{1,9})_(Timestamp|ElementSpacing)\Z")


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    frames: int  # as declared; the data may hold more or fewer
    channels: int
    dtype: np.dtype  # with the file's byte order
    compressed: bool
    compressed_size: int | None  # CompressedDataSize when given
    data_file: Path | None  # None: LOCAL, the data follows the header in the same file
    header_size: int  # 0: none; -1: data at the end of the file; >0: absolute data offset
    spacing_mm: Spacing | None  # (row, col)
    orientation: str | None  # UltrasoundImageOrientation as written, None when absent
    frame_rate_hint: float | None  # FrameRateHint (written by SequenceRecorder), None when absent

    @property
    def frame_bytes(self) -> int:
        return self.width * self.height * self.channels * self.dtype.itemsize

    @property
    def total_bytes(self) -> int:
        return self.frame_bytes * self.frames


def parse_layout(fields: dict[str, str], path: str) -> Layout:
    """Check the fields that say where the pixels are and how to decode them."""
    ndims = _int(fields, "NDims", path)
    if ndims not in (2, 3):
        raise SourceError(path, f"NDims = {ndims} is not supported (2 = one frame, 3 = a sequence)")
    sizes = _numbers(fields, "DimSize", path, int)
    if len(sizes) != ndims:
        raise SourceError(path, f"DimSize has {len(sizes)} values for NDims = {ndims}")
    if min(sizes) <= 0:
        raise SourceError(path, f"DimSize = {fields['DimSize']} has a size that is not positive")
    channels = _int(fields, "ElementNumberOfChannels", path, default=1)
    if channels not in (1, 3, 4):
        raise SourceError(path, f"ElementNumberOfChannels = {channels} (supported: 1, 3, 4)")
    element = _required(fields, "ElementType", path)
    if element not in ELEMENT_TYPES:
        raise SourceError(
            path, f"unknown ElementType {element!r} (known: {', '.join(ELEMENT_TYPES)})"
        )
    msb = any(_bool(fields, key, path) for key in ("BinaryDataByteOrderMSB", "ElementByteOrderMSB"))
    if not _bool(fields, "BinaryData", path, default=True):
        raise SourceError(path, "ASCII pixel data (BinaryData = False) is not supported")
    header_size = _int(fields, "HeaderSize", path, default=0)
    if header_size < -1:
        raise SourceError(path, f"HeaderSize = {header_size} is negative")
    compressed = _bool(fields, "CompressedData", path)
    compressed_size = _int(fields, "CompressedDataSize", path, default=0) or None
    if compressed and header_size == -1:
        raise SourceError(path, "HeaderSize = -1 with compressed data is not supported")
    spacing = None
    if "ElementSpacing" in fields:
        spacing = spacing_of(fields, "ElementSpacing", path)
    orientation = fields.get("UltrasoundImageOrientation", "").upper() or None
    hint = _numbers(fields, "FrameRateHint", path, float) if "FrameRateHint" in fields else None
    if hint is not None and not (len(hint) == 1 and 0 < hint[0] < 1e6):
        raise SourceError(path, f"FrameRateHint = {fields['FrameRateHint']!r} is not a frame rate")
    return Layout(
        width=sizes[0],
        height=sizes[1],
        frames=sizes[2] if ndims == 3 else 1,
        channels=channels,
        dtype=np.dtype(ELEMENT_TYPES[element]).newbyteorder(">" if msb else "<"),
        compressed=compressed,
        compressed_size=compressed_size,
        data_file=_data_file(fields, path),
        header_size=header_size,
        spacing_mm=spacing,
        orientation=orientation,
        frame_rate_hint=hint[0] if hint else None,
    )


def per_frame_fields(
    fields: dict[str, str], frames: int, path: str
) -> tuple[dict[int, float], dict[int, Spacing]]:
    """The PLUS per-frame timestamps and spacing overrides of frames 0..frames-1, by index.

    Dictionaries, not lists: a header may declare billions of one-pixel frames, but can only
    hold as many per-frame fields as fit in its 16 MiB.
    """
    timestamps: dict[int, float] = {}
    spacings: dict[int, Spacing] = {}
    for key in fields:
        match = _FRAME_FIELD.match(key)
        if match is None or int(match[1]) >= frames:
            continue
        index = int(match[1])
        if match[2] == "ElementSpacing":
            if (spacing := spacing_of(fields, key, path)) is not None:
                spacings[index] = spacing
            continue
        value = _numbers(fields, key, path, float)
        if len(value) != 1 or not math.isfinite(value[0]):
            raise SourceError(path, f"{key} = {fields[key]!r} is not a time in seconds")
        timestamps[index] = value[0]
    return timestamps, spacings


def spacing_of(fields: dict[str, str], key: str, path: str) -> Spacing | None:
    """An `x y [z]` spacing field as (row, col): MetaImage lists the column spacing first.

    A zero is how some writers say "not known" (as DICOM's PixelSpacing 0): None, so that the
    spacing is reported unknown and can be given with --spacing, rather than the file refused.
    """
    values = _numbers(fields, key, path, float)
    if len(values) < 2:
        raise SourceError(path, f"{key} = {fields[key]!r} needs at least two values")
    if values[0] == 0 or values[1] == 0:
        return None
    return check_spacing(path, (values[1], values[0]))


def _data_file(fields: dict[str, str], path: str) -> Path | None:
    name = _required(fields, "ElementDataFile", path)
    if name.upper() == "LOCAL":
        return None
    if name.upper().startswith("LIST") or "%" in name:
        raise SourceError(path, f"ElementDataFile = {name!r}: file lists are not supported")
    return Path(path).parent / name


def _required(fields: dict[str, str], key: str, path: str) -> str:
    value = fields.get(key, "")
    if not value:
        raise SourceError(path, f"header lacks the required field {key}")
    return value


def _int(fields: dict[str, str], key: str, path: str, default: int | None = None) -> int:
    if default is not None and key not in fields:
        return default
    values = _numbers(fields, key, path, int)
    if len(values) != 1:
        raise SourceError(path, f"{key} = {fields[key]!r} is not one whole number")
    return values[0]


def _numbers(fields: dict[str, str], key: str, path: str, kind: type) -> list:
    text = _required(fields, key, path)
    tokens = text.split()
    # int() of a huge digit string is slow or refused by Python: no real value is this long.
    if any(len(token) > 40 for token in tokens):
        raise SourceError(path, f"{key} holds a number longer than 40 characters")
    try:
        return [kind(token) for token in tokens]
    except ValueError:
        noun = "whole numbers" if kind is int else "numbers"
        raise SourceError(path, f"{key} = {text[:60]!r} is not {noun}") from None


def _bool(fields: dict[str, str], key: str, path: str, default: bool = False) -> bool:
    value = fields.get(key)
    if value is None or value == "":
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise SourceError(path, f"{key} = {value[:60]!r} is neither True nor False")
