"""DicomSource: ultrasound cines and images from DICOM files, decoded one frame at a time.

Opening reads only the header (see dicom_header), checks it, and decodes the first frame so that a
file which opens is a file which plays. Each read decodes one frame from disk, so a 1000-frame
cine never sits in memory at once.
"""

from __future__ import annotations

import os

import numpy as np
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.pixels import apply_color_lut, get_decoder, pixel_array

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.sources.base import Source, check_spacing, warn_if_spacing_unknown
from vesselscope.sources.color import frame_pixels, to_uint8
from vesselscope.sources.dicom_header import (
    PixelLayout,
    check_pixel_data,
    pixel_layout,
    read_header,
)
from vesselscope.sources.dicom_regions import UltrasoundRegion, header_spacing, tissue_region
from vesselscope.sources.dicom_timing import frame_timing


class DicomSource(Source):
    """Frames of a DICOM file (any image storage; built for US and US Multi-frame).

    Grey images give uint8 pixels (MONOCHROME1 inverted so dark is dark, more than 8 bits scaled
    by their stored bit depth); colour (RGB, YBR, PALETTE COLOR) gives luma pixels plus the RGB
    copy in Frame.color. Spacing comes from the B-mode ultrasound region, else PixelSpacing.
    `crop_to_region=True` cuts every frame to that region's box. Raises SourceError.
    """

    region: UltrasoundRegion | None = None  # the B-mode region that gave spacing and crop box

    def __init__(self, path: str | os.PathLike[str], *, crop_to_region: bool = False) -> None:
        self.path = os.fspath(path)
        try:
            self._open(crop_to_region)
        except SourceError:
            raise
        except Exception as exc:  # pydicom raises many types on damaged input
            raise SourceError(self.path, f"cannot read the DICOM file: {_describe(exc)}") from exc
        warn_if_spacing_unknown(self.path, self.spacing_mm)

    def _open(self, crop_to_region: bool) -> None:
        if not os.path.isfile(self.path):
            raise SourceError(self.path, "no such file (or not a file)")
        ds, pixel_offset = read_header(self.path)
        declared = pixel_layout(self.path, ds)
        self._layout = layout = check_pixel_data(self.path, ds, pixel_offset, declared)
        self.frame_count = layout.frames
        self.region = tissue_region(ds)
        self.spacing_mm = check_spacing(self.path, header_spacing(ds, self.region))
        self.fps, self._timestamps = frame_timing(ds, declared.frames)
        self._box = self._crop_box(layout) if crop_to_region else None
        self._palette = (
            _palette_table(ds, layout) if layout.photometric == "PALETTE COLOR" else None
        )
        self._read(0)  # decode one frame now: a missing codec or broken codestream fails here
        if layout.frames < declared.frames:
            self._read(layout.frames - 1)  # and the last whole one of a file cut off

    def _crop_box(self, layout: PixelLayout) -> tuple[slice, slice]:
        if self.region is None:
            raise SourceError(self.path, "cannot crop: the file has no ultrasound tissue region")
        box = self.region.crop_box(layout.rows, layout.columns)
        if box is None:
            raise SourceError(
                self.path,
                f"cannot crop: the tissue region {self.region} lies outside the "
                f"{layout.rows}x{layout.columns} image",
            )
        return box

    def _read(self, index: int) -> Frame:
        try:
            if self._layout.fragments is None:
                decoded = pixel_array(self.path, index=index, **self._layout.decode_options())
            else:
                decoded = _decode_fragment(self.path, self._layout, index)
        except Exception as exc:  # pydicom and its plugins raise many types
            raise SourceError(self.path, f"cannot decode frame {index}: {_describe(exc)}") from exc
        if self._box is not None:
            decoded = decoded[self._box]
        pixels, color = self._display(decoded)
        timestamp = (
            float(self._timestamps[index])
            if self._timestamps is not None
            else self.timestamp_of(index)
        )
        return Frame(pixels, self.spacing_mm, index, timestamp, self.path, color)

    def _display(self, decoded: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Decoded values to (grey pixels, RGB copy or None), shown as the photometric says."""
        layout = self._layout
        image = decoded
        if self._palette is not None:
            image = np.take(self._palette, decoded, axis=0, mode="clip")
        elif decoded.dtype.kind in "iub" and (decoded.dtype != np.uint8 or layout.bits_stored != 8):
            image = _scale_bit_depth(decoded, layout.bits_stored, layout.signed)
        elif decoded.dtype.kind == "f":
            image = decoded.astype(np.float32)
        if layout.photometric == "MONOCHROME1":
            image = 255 - to_uint8(image)
        return frame_pixels(image)


def _decode_fragment(path: str, layout: PixelLayout, index: int) -> np.ndarray:
    """Decode frame `index` from its own fragment (see PixelLayout.fragments)."""
    assert layout.fragments is not None
    start, end = layout.fragments[index]
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    options = {**layout.decode_options(), "number_of_frames": 1}
    decoder = get_decoder(layout.transfer_syntax)
    return decoder.as_array(encapsulate([data]), index=0, **options)[0]


def _scale_bit_depth(values: np.ndarray, bits_stored: int, signed: bool) -> np.ndarray:
    """Integers to uint8 by their declared range, so every frame of a cine is scaled alike."""
    low = -(2 ** (bits_stored - 1)) if signed else 0
    scale = 255.0 / (2**bits_stored - 1)
    scaled = (values.astype(np.float64) - low) * scale
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _palette_table(ds: Dataset, layout: PixelLayout) -> np.ndarray:
    """RGB uint8 colour for every possible stored index (N x 3), from the palette LUTs."""
    index_dtype = np.uint8 if layout.bits_allocated <= 8 else np.uint16
    indices = np.arange(2 ** min(layout.bits_allocated, 16), dtype=index_dtype)
    table = apply_color_lut(indices, ds)
    if table.dtype != np.uint8:
        # 16-bit entries span 0..65535; some writers store 8-bit values in them all the same.
        table = table if table.max() <= 255 else table / 257.0
        table = np.rint(table).astype(np.uint8)
    return table


def _describe(exc: BaseException) -> str:
    # pydicom's messages span lines (one per plugin tried); keep them on one line, bounded.
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    text = text if len(text) <= 300 else text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
