"""Read a DICOM header without its pixel data, and check that the pixels can be decoded.

Everything here runs before any frame is decoded: a file whose header declares an impossible,
inconsistent or unsupported image is refused with a SourceError that says what is wrong, instead
of failing (or allocating gigabytes) in the middle of playback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.encaps import parse_basic_offsets, parse_fragments
from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_file_meta_info
from pydicom.pixels import get_decoder
from pydicom.uid import UID

from vesselscope.errors import SourceError
from vesselscope.sources.base import check_decoded_size

# Values larger than this (the pixel data, big private blobs) stay on disk until asked for, so
# opening a long cine reads only its header.
_DEFER_BYTES = 64 * 1024
_PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)  # Pixel Data, Float and Double Float
_UNDEFINED_LENGTH = 0xFFFFFFFF
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
        pixels = self.rows * self.columns * self.frames
        if self.bits_allocated == 1:
            return (pixels * self.samples + 7) // 8
        # YBR_FULL_422 stores two luma and one pair of chroma values per two pixels.
        values = 2 if self.photometric == "YBR_FULL_422" else self.samples
        return pixels * values * self.bits_allocated // 8


def read_header(path: str) -> Dataset:
    """The dataset with its pixel data left on disk. Checks the transfer syntax can be decoded."""
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
    return dcmread(path, defer_size=_DEFER_BYTES)


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


def check_pixel_data(path: str, ds: Dataset, layout: PixelLayout) -> None:
    """Check that the pixel data is present, complete and holds as many frames as declared."""
    tag = next((t for t in _PIXEL_TAGS if t in ds), None)
    if tag is None:
        sop_class = UID(str(ds.get("SOPClassUID", "unknown")))
        raise SourceError(
            path, f"no pixel data: the file holds no image (SOP class {sop_class.name})"
        )
    element = ds.get_item(tag, keep_deferred=True)
    if layout.transfer_syntax.is_encapsulated:
        _check_encapsulated(path, element, layout.frames)
        return
    if element.length == _UNDEFINED_LENGTH:
        raise SourceError(path, "uncompressed pixel data has an undefined length")
    remaining = os.path.getsize(path) - element.value_tell
    if element.length > remaining:
        raise SourceError(
            path,
            f"file is truncated: the pixel data declares {element.length} bytes "
            f"but only {max(remaining, 0)} remain",
        )
    needed = layout.native_bytes()
    if element.length < needed:
        raise SourceError(
            path,
            f"pixel data holds {element.length} bytes, but {layout.frames} frame(s) of "
            f"{layout.rows}x{layout.columns}x{layout.samples} at {layout.bits_allocated} bits "
            f"need {needed} (NumberOfFrames does not match the pixel data)",
        )


def _check_encapsulated(path: str, element: Any, frames: int) -> None:
    if element.length != _UNDEFINED_LENGTH:
        raise SourceError(path, "compressed pixel data is not encapsulated in fragments")
    with open(path, "rb") as handle:
        handle.seek(element.value_tell)
        offsets = parse_basic_offsets(handle)
        fragments, _ = parse_fragments(handle)
    if offsets and len(offsets) != frames:
        raise SourceError(
            path, f"the offset table lists {len(offsets)} frames, but NumberOfFrames is {frames}"
        )
    # Every frame occupies at least one fragment.
    if fragments < frames:
        raise SourceError(
            path, f"pixel data holds {fragments} fragment(s), too few for {frames} frames"
        )


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
