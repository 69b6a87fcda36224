"""Tiny DICOM files of every variant DicomSource reads, generated with pydicom itself."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixels import convert_color_space
from pydicom.sequence import Sequence
from pydicom.uid import (
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    RLELossless,
    UltrasoundImageStorage,
    UltrasoundMultiFrameImageStorage,
    generate_uid,
)

# OpenJPEG's encoder uses 6 wavelet levels, so JPEG 2000 needs images of at least 32 pixels.
ROWS, COLS, FRAMES = 32, 40, 3
PATIENT = {"PatientName": "Doe^Jane", "PatientID": "MRN-4711", "PatientBirthDate": "19700101"}


def grey_cine(frames: int = FRAMES) -> np.ndarray:
    """(frames, ROWS, COLS) uint8 with a different pattern per frame."""
    rows, cols = np.mgrid[0:ROWS, 0:COLS]
    return np.stack([((rows * 7 + cols * 3 + 50 * i) % 256) for i in range(frames)]).astype(
        np.uint8
    )


def colour_cine(frames: int = FRAMES) -> np.ndarray:
    """(frames, ROWS, COLS, 3) uint8 RGB, smooth, with one colour per horizontal pixel pair.

    Smooth so JPEG keeps it close; pairs so YBR_FULL_422's shared chroma loses nothing.
    """
    rows, cols = np.mgrid[0:ROWS, 0:COLS]
    pair = cols // 2 * 2
    images = []
    for i in range(frames):
        red = pair * 255 // COLS
        green = rows * 255 // ROWS
        blue = np.full_like(rows, 60 + 60 * i)
        images.append(np.stack([red, green, blue], axis=-1))
    return np.array(images, dtype=np.uint8)


def dataset(pixels: np.ndarray, photometric: str, *, multi_frame: bool = True) -> Dataset:
    """An US (Multi-frame) Image Storage dataset holding `pixels`, with patient details."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.SOPClassUID = UltrasoundMultiFrameImageStorage if multi_frame else UltrasoundImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Modality = "US"
    ds.InstitutionName = "St Elsewhere"
    for keyword, value in PATIENT.items():
        setattr(ds, keyword, value)
    ds.PixelSpacing = [0.1, 0.1]  # tests of other spacings replace or delete it
    bits = 16 if pixels.dtype == np.uint16 else 8
    ds.set_pixel_data(pixels, photometric, bits)  # a 2-D array gives no NumberOfFrames
    return ds


def save(
    ds: Dataset, path: Path | BinaryIO, syntax: str = ExplicitVRLittleEndian
) -> Path | BinaryIO:
    """Write `ds` in `syntax` (uncompressed syntaxes, RLE or JPEG 2000 lossless)."""
    if syntax in (RLELossless, JPEG2000Lossless):
        ds.compress(syntax)
    else:
        ds.file_meta.TransferSyntaxUID = syntax
    ds.save_as(path, enforce_file_format=True, implicit_vr=syntax == ImplicitVRLittleEndian)
    return path


def save_jpeg_baseline(ds: Dataset, path: Path, frames: np.ndarray) -> Path:
    """Encode each frame with OpenCV (pydicom has no baseline JPEG encoder) and encapsulate."""
    colour = frames.ndim == 4
    encoded = []
    for frame in frames:
        image = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR) if colour else frame
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        assert ok
        encoded.append(data.tobytes())
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.PixelData = encapsulate(encoded)
    ds["PixelData"].VR = "OB"
    if colour:
        ds.PhotometricInterpretation = "YBR_FULL_422"  # how JPEG baseline colour is declared
    ds.save_as(path, enforce_file_format=True)
    return path


def ybr_full(rgb: np.ndarray) -> Dataset:
    """Uncompressed YBR_FULL (one Y, Cb, Cr per pixel)."""
    return dataset(convert_color_space(rgb, "RGB", "YBR_FULL"), "YBR_FULL")


def ybr_full_422(rgb: np.ndarray) -> Dataset:
    """Uncompressed YBR_FULL_422: Y1 Y2 Cb Cr for every horizontal pixel pair."""
    ds = ybr_full(rgb)
    ybr = convert_color_space(rgb, "RGB", "YBR_FULL")
    packed = np.concatenate(
        [ybr[..., 0::2, 0:1], ybr[..., 1::2, 0:1], ybr[..., 0::2, 1:2], ybr[..., 0::2, 2:3]],
        axis=-1,
    )
    ds.PixelData = packed.tobytes()
    ds.PhotometricInterpretation = "YBR_FULL_422"
    return ds


def palette(indices: np.ndarray, table: np.ndarray, entry_bits: int) -> Dataset:
    """PALETTE COLOR: 8-bit indices into a 256-entry RGB table of 8- or 16-bit entries."""
    ds = dataset(indices, "MONOCHROME2")
    ds.PhotometricInterpretation = "PALETTE COLOR"
    dtype = np.uint8 if entry_bits == 8 else np.uint16
    for channel, name in enumerate(("Red", "Green", "Blue")):
        setattr(ds, f"{name}PaletteColorLookupTableDescriptor", [len(table), 0, entry_bits])
        setattr(ds, f"{name}PaletteColorLookupTableData", table[:, channel].astype(dtype).tobytes())
    return ds


def region(
    x0: int,
    y0: int,
    x1: int,
    y1: int,
    *,
    data_type: int = 1,
    cm_x: float = 0.01,
    cm_y: float = 0.01,
) -> Dataset:
    """One Sequence of Ultrasound Regions item, `cm_x` and `cm_y` centimetres per pixel."""
    item = Dataset()
    item.RegionSpatialFormat = 1
    item.RegionDataType = data_type
    item.RegionFlags = 0
    item.RegionLocationMinX0, item.RegionLocationMinY0 = x0, y0
    item.RegionLocationMaxX1, item.RegionLocationMaxY1 = x1, y1
    item.PhysicalUnitsXDirection = item.PhysicalUnitsYDirection = 3
    item.PhysicalDeltaX, item.PhysicalDeltaY = cm_x, cm_y
    return item


def with_regions(ds: Dataset, *items: Dataset) -> Dataset:
    ds.SequenceOfUltrasoundRegions = Sequence(list(items))
    return ds
