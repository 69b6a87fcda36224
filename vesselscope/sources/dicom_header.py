"""Read a DICOM header without its pixel data, and check that the pixels can be decoded.

Everything here runs before any frame is decoded: a file whose header declares an impossible,
inconsistent or unsupported image is refused with a SourceError that says what is wrong, instead
of failing (or allocating gigabytes) in the middle of playback.
"""

from __future__ import annotations

import os
import struct
import warnings
from dataclasses import dataclass, replace
from typing import Any

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.encaps import parse_basic_offsets
from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_file_meta_info
from pydicom.pixels import get_decoder
from pydicom.uid import UID

from vesselscope.errors import SourceError
from vesselscope.sources.base import TruncatedRecordingWarning, check_decoded_size

# Values larger than this (the pixel data, big private blobs) stay on disk until asked for, so
# opening a long cine reads only its header.
_DEFER_BYTES = 64 * 1024
_PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)  # Pixel Data, Float and Double Float
_UNDEFINED_LENGTH = 0xFFFFFFFF
_ITEM, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE0DD  # encapsulated fragments and their delimiter
_SAMPLES = {
    "MONOCHROME1": 1,
    "MONOCHROME2": 1,
    "PALETTE COLOR": 1,
    "RGB": 3,
    "YBR_FULL": 3,
    "YBR_FULL_422": 3,
    "YBR_ICT": 3,  # JPEG 2000 colour: the decoder returns RGB
    "YBR_RCT": 3,
}


@dataclass(frozen=True)
class PixelLayout:
    """The checked geometry and encoding of a file's pixel data."""

    rows: int
    columns: int
    frames: int
    samples: int
    bits_allocated: int
    bits_stored: int
    signed: bool
    photometric: str
    planar: int
    transfer_syntax: UID
    # File extents (start, end) of each frame's one fragment, for a compressed file cut off
    # without an offset table: pydicom would count its broken last fragment as part of a frame.
    fragments: tuple[tuple[int, int], ...] | None = None

    def decode_options(self) -> dict[str, Any]:
        """Keyword options for pydicom's pixel_array, so decoding uses the values checked here."""
        return {
            "rows": self.rows,
            "columns": self.columns,
            "number_of_frames": self.frames,
            "samples_per_pixel": self.samples,
            "bits_allocated": self.bits_allocated,
            "bits_stored": self.bits_stored,
            "pixel_representation": int(self.signed),
            "photometric_interpretation": self.photometric,
            "planar_configuration": self.planar,
        }

    def native_bytes(self) -> int:
        """Bytes that uncompressed pixel data of this layout occupies."""
        return (self.frames * self.frame_bits() + 7) // 8

    def frame_bits(self) -> int:
        """Bits that one uncompressed frame occupies (1-bit frames need not end on a byte)."""
        # YBR_FULL_422 stores two luma and one pair of chroma values per two pixels.
        values = 2 if self.photometric == "YBR_FULL_422" else self.samples
        return self.rows * self.columns * values * self.bits_allocated


def read_header(path: str) -> tuple[Dataset, int]:
    """The dataset up to its pixel data, and the file offset where the pixel data element starts.

    The pixel data is parsed here (check_pixel_data), not by pydicom: pydicom reads a cut-off
    encapsulated element as an empty dataset, losing the header with the frames.
    """
    if os.path.getsize(path) == 0:
        raise SourceError(path, "file is empty")
    try:
        meta = read_file_meta_info(path)
    except InvalidDicomError as exc:
        raise SourceError(path, "not a DICOM file (no 'DICM' marker at byte 128)") from exc
    syntax = meta.get("TransferSyntaxUID")
    if not syntax:
        raise SourceError(path, "the file meta information names no transfer syntax")
    _check_decoder(path, UID(syntax))
    with open(path, "rb") as handle:
        ds = dcmread(handle, defer_size=_DEFER_BYTES, stop_before_pixels=True)
        return ds, handle.tell()


def pixel_layout(path: str, ds: Dataset) -> PixelLayout:
    """Check the Image Pixel attributes and the declared size, before anything is decoded."""
    rows, columns = _integer(path, ds, "Rows"), _integer(path, ds, "Columns")
    frames = _integer(path, ds, "NumberOfFrames", default=1)
    if rows <= 0 or columns <= 0 or frames <= 0:
        raise SourceError(
            path, f"image has no pixels: Rows={rows}, Columns={columns}, NumberOfFrames={frames}"
        )
    photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
    if photometric not in _SAMPLES:
        raise SourceError(
            path,
            f"unsupported photometric interpretation '{photometric}' "
            f"(supported: {', '.join(_SAMPLES)})",
        )
    samples = _integer(path, ds, "SamplesPerPixel", default=_SAMPLES[photometric])
    if samples != _SAMPLES[photometric]:
        raise SourceError(
            path, f"SamplesPerPixel is {samples}, but {photometric} needs {_SAMPLES[photometric]}"
        )
    bits_allocated = _integer(path, ds, "BitsAllocated")
    if bits_allocated not in (1, 8, 16, 32, 64):
        raise SourceError(path, f"BitsAllocated {bits_allocated} is not 1, 8, 16, 32 or 64")
    bits_stored = _integer(path, ds, "BitsStored", default=bits_allocated)
    if not 0 < bits_stored <= bits_allocated:
        raise SourceError(
            path, f"BitsStored {bits_stored} does not fit BitsAllocated {bits_allocated}"
        )
    check_decoded_size(path, rows * columns * frames * samples * bits_allocated // 8)
    return PixelLayout(
        rows=rows,
        columns=columns,
        frames=frames,
        samples=samples,
        bits_allocated=bits_allocated,
        bits_stored=bits_stored,
        signed=_integer(path, ds, "PixelRepresentation", default=0) == 1,
        photometric=photometric,
        planar=_integer(path, ds, "PlanarConfiguration", default=0),
        transfer_syntax=UID(ds.file_meta.TransferSyntaxUID),
    )


def check_pixel_data(path: str, ds: Dataset, offset: int, layout: PixelLayout) -> PixelLayout:
    """Check the pixel data element at `offset` against the layout; the layout of the frames
    the file really holds.

    A file cut off in its pixel data (an interrupted export or copy) keeps its whole frames,
    with a TruncatedRecordingWarning; one without a single whole frame is refused.
    """
    element = _pixel_element(path, ds, offset)
    if element is None:
        sop_class = UID(str(ds.get("SOPClassUID", "unknown")))
        raise SourceError(
            path, f"no pixel data: the file holds no image (SOP class {sop_class.name})"
        )
    length, value_start = element
    fragments = None
    if layout.transfer_syntax.is_encapsulated:
        held, fragments = _encapsulated_frames(path, length, value_start, layout.frames)
    else:
        held = _native_frames(path, length, value_start, layout)
    if held < layout.frames:
        warnings.warn(
            f"{path}: file is truncated: recovered {held} of the {layout.frames} declared frames",
            TruncatedRecordingWarning,
            stacklevel=4,
        )
    return replace(layout, frames=held, fragments=fragments)


def _pixel_element(path: str, ds: Dataset, offset: int) -> tuple[int, int] | None:
    """(value length, offset of the value) of the pixel data element starting at `offset`."""
    implicit, little = ds.original_encoding
    with open(path, "rb") as handle:
        handle.seek(offset)
        head = handle.read(8 if implicit else 12)
    if len(head) < 8:
        return None
    order = "<" if little else ">"
    group, number = struct.unpack(order + "HH", head[:4])
    if (group << 16 | number) not in _PIXEL_TAGS:
        return None
    if implicit:
        return struct.unpack(order + "L", head[4:8])[0], offset + 8
    if len(head) < 12:
        raise SourceError(path, "file is truncated in the pixel data element's header")
    # Pixel data VRs (OB, OW, OF, OD) have 2 reserved bytes and a 4-byte length.
    return struct.unpack(order + "L", head[8:12])[0], offset + 12


def _native_frames(path: str, length: int, value_start: int, layout: PixelLayout) -> int:
    if length == _UNDEFINED_LENGTH:
        raise SourceError(path, "uncompressed pixel data has an undefined length")
    needed = layout.native_bytes()
    remaining = max(os.path.getsize(path) - value_start, 0)
    if length > remaining:
        held = remaining * 8 // layout.frame_bits()
        if held == 0:
            raise SourceError(
                path,
                f"file is truncated: the pixel data declares {length} bytes but only "
                f"{remaining} remain, not one whole frame",
            )
        return min(held, layout.frames)
    if length < needed:
        raise SourceError(
            path,
            f"pixel data holds {length} bytes, but {layout.frames} frame(s) of "
            f"{layout.rows}x{layout.columns}x{layout.samples} at {layout.bits_allocated} bits "
            f"need {needed} (NumberOfFrames does not match the pixel data)",
        )
    return layout.frames


def _encapsulated_frames(
    path: str, length: int, value_start: int, frames: int
) -> tuple[int, tuple[tuple[int, int], ...] | None]:
    """Frames whose fragments are all in the file, and the frames' fragment extents where
    pydicom cannot find them itself (a file cut off without an offset table)."""
    if length != _UNDEFINED_LENGTH:
        raise SourceError(path, "compressed pixel data is not encapsulated in fragments")
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        handle.seek(value_start)
        try:
            offsets = parse_basic_offsets(handle)
        except (ValueError, struct.error) as exc:
            raise SourceError(path, f"file is truncated in the offset table: {exc}") from exc
        first = handle.tell()
        extents, complete = _fragment_extents(handle, size)
    if offsets and len(offsets) != frames:
        raise SourceError(
            path, f"the offset table lists {len(offsets)} frames, but NumberOfFrames is {frames}"
        )
    if complete:
        if len(extents) < frames:  # every frame occupies at least one fragment
            raise SourceError(
                path, f"pixel data holds {len(extents)} fragment(s), too few for {frames} frames"
            )
        return frames, None
    if not extents:
        raise SourceError(path, "file is truncated: the pixel data holds not one whole frame")
    if offsets and len(extents) < frames:
        # Frame i spans from offsets[i] to offsets[i + 1] (offsets from the first fragment's
        # item). The last frame's end is not known, so only as many whole fragments as frames
        # vouch for it (DicomSource decodes it on opening).
        whole_end = extents[-1][1] - first
        held = sum(1 for start in offsets[1:] if start <= whole_end)
    else:
        held = min(len(extents), frames)  # one fragment per frame, as pydicom assumes
    if held == 0:
        raise SourceError(path, "file is truncated: the pixel data holds not one whole frame")
    return held, None if offsets or held == frames else tuple(extents[:held])


def _fragment_extents(handle: Any, size: int) -> tuple[list[tuple[int, int]], bool]:
    """File extents (start, end) of each whole fragment's value, and whether the sequence of
    fragments ends with its delimiter."""
    extents: list[tuple[int, int]] = []
    while True:
        head = handle.read(8)
        if len(head) < 8:
            return extents, False
        group, number, length = struct.unpack("<HHL", head)
        tag = group << 16 | number
        if tag == _SEQUENCE_END:
            return extents, True
        start = handle.tell()
        if tag != _ITEM or start + length > size:
            return extents, False
        handle.seek(length, os.SEEK_CUR)
        extents.append((start, start + length))


def _check_decoder(path: str, syntax: UID) -> None:
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError as exc:
        raise SourceError(path, f"unsupported transfer syntax '{syntax.name}'") from exc
    if syntax.is_deflated:
        # The dataset is one zlib stream: frames cannot be read from the file one at a time.
        raise SourceError(path, f"unsupported transfer syntax '{syntax.name}' for images")
    if not decoder.is_available:
        missing = "; ".join(decoder.missing_dependencies) or "no plugin installed"
        raise SourceError(path, f"no decoder installed for '{syntax.name}' ({missing})")


def _integer(path: str, ds: Dataset, keyword: str, default: int | None = None) -> int:
    value = ds.get(keyword)
    if value is None or value == "":
        if default is None:
            raise SourceError(path, f"the header has no {keyword}")
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise SourceError(path, f"{keyword} is {value!r}, not a whole number") from exc
