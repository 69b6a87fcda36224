"""Frames to an anonymised Ultrasound Multi-frame DICOM file, and an anonymising re-export.

Output: US Multi-frame Image Storage, explicit VR little endian, uncompressed 8-bit. Grey frames
give MONOCHROME2; as soon as one frame carries colour (Frame.color) the whole file is RGB, grey
frames stored with R = G = B, so colour Doppler survives and DicomSource reads the same pixels
back. Spacing goes into a Sequence of Ultrasound Regions (one tissue region covering the image,
in cm) and PixelSpacing; timestamps into the Frame Time Vector. The header is built from nothing:
no patient, study, institution or device attribute exists to leak, and every UID is new.
"""

from __future__ import annotations

import math
import os
import struct
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from pydicom import dcmwrite
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, UltrasoundMultiFrameImageStorage, generate_uid
from pydicom.valuerep import format_number_as_ds

from vesselscope.errors import SourceError
from vesselscope.frame import Frame, Spacing
from vesselscope.sources.base import DEFAULT_FPS
from vesselscope.sources.dicom import DicomSource
from vesselscope.writers.atomic import atomic_file
from vesselscope.writers.dicom_spool import PixelSpool
from vesselscope.writers.geometry import consistent_frames, fps_from_timestamps

_FRAME_TIME = 0x00181063  # tags the Frame Increment Pointer can name
_FRAME_TIME_VECTOR = 0x00181065


def write_dicom(
    path: str | os.PathLike[str], frames: Iterable[Frame], *, fps: float | None = None
) -> Path:
    """Write `frames` to `path`; the file appears complete or not at all.

    Timestamps, counted from the first frame, are the frames' own (Frame Time Vector), or with
    `fps` k / fps (Frame Time only). Raises SourceError for no frames, frames of differing size or
    spacing, a bad `fps`, or a failed write.
    """
    target = Path(path)
    if fps is not None and not (math.isfinite(fps) and fps > 0):
        raise SourceError(target, f"fps = {fps} is not a positive frame rate")
    try:
        with tempfile.TemporaryFile() as scratch:
            spool = PixelSpool(target, scratch)
            for frame in consistent_frames(target, frames):
                spool.add(frame)
            dataset = _dataset(spool, fps)
            with atomic_file(target) as out:
                dcmwrite(out, dataset, enforce_file_format=True)
                # Pixel Data (7FE0,0010) OB, written by hand so the frames stream from the spool.
                out.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, spool.padded_bytes))
                spool.copy_to(out)
    except OSError as exc:
        raise SourceError(target, f"cannot write: {exc.strerror or exc}") from exc
    return target


def anonymise_dicom(
    source: str | os.PathLike[str], target: str | os.PathLike[str], *, crop_to_region: bool = False
) -> Path:
    """Re-write a DICOM recording keeping only its pixels, spacing and timing.

    Nothing of the original header is copied (patient, study, institution, device, private tags)
    and the UIDs are new. Text burnt into the pixels is kept unless `crop_to_region` cuts every
    frame to the B-mode region, where scanners do not print patient details.
    """
    with DicomSource(source, crop_to_region=crop_to_region) as frames:
        # No fps: the frames' own timestamps are written, so irregular timing survives.
        return write_dicom(target, frames)


def _dataset(spool: PixelSpool, fps: float | None) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = UltrasoundMultiFrameImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = UltrasoundMultiFrameImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    # Type 2 attributes are present but empty: the standard allows it and it leaks nothing.
    ds.PatientName = "Anonymous"
    ds.PatientID = f"ANON-{uuid.uuid4().hex[:12].upper()}"
    for keyword in ("PatientBirthDate", "PatientSex", "StudyDate", "StudyTime", "StudyID"):
        setattr(ds, keyword, "")
    for keyword in ("ReferringPhysicianName", "AccessionNumber", "Manufacturer"):
        setattr(ds, keyword, "")
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "vesselscope export: pixels, spacing and timing only"
    ds.Modality = "US"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.PatientOrientation = ""
    ds.ImageType = ["DERIVED", "PRIMARY"]
    _set_image_pixel(ds, spool)
    _set_cine(ds, spool.timestamps, fps)
    if spool.spacing is not None:
        _set_spacing(ds, spool.spacing, spool.shape)
    return ds


def _set_image_pixel(ds: Dataset, spool: PixelSpool) -> None:
    ds.Rows, ds.Columns = spool.shape
    ds.NumberOfFrames = spool.count
    ds.SamplesPerPixel = 3 if spool.rgb else 1
    ds.PhotometricInterpretation = "RGB" if spool.rgb else "MONOCHROME2"
    if spool.rgb:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0


def _set_cine(ds: Dataset, timestamps: list[float], fps: float | None) -> None:
    if fps is None:
        increments_ms = np.diff(np.asarray(timestamps), prepend=timestamps[0]) * 1000.0
        if np.all(increments_ms >= 0):
            ds.FrameTimeVector = [format_number_as_ds(float(ms)) for ms in increments_ms]
            fps = fps_from_timestamps(timestamps)  # None for a single frame or a still
        else:
            fps = DEFAULT_FPS  # timestamps that run backwards say nothing; state the usual rate
    if fps is not None:
        ds.FrameTime = format_number_as_ds(1000.0 / fps)
        ds.CineRate = max(1, round(fps))
    ds.FrameIncrementPointer = _FRAME_TIME_VECTOR if "FrameTimeVector" in ds else _FRAME_TIME


def _set_spacing(ds: Dataset, spacing: Spacing, shape: tuple[int, int]) -> None:
    row_mm, col_mm = spacing
    region = Dataset()
    region.RegionSpatialFormat = 1  # 2-D
    region.RegionDataType = 1  # tissue
    region.RegionFlags = 0
    region.RegionLocationMinX0 = 0
    region.RegionLocationMinY0 = 0
    region.RegionLocationMaxX1 = shape[1] - 1
    region.RegionLocationMaxY1 = shape[0] - 1
    region.PhysicalUnitsXDirection = 3  # cm
    region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = col_mm / 10.0
    region.PhysicalDeltaY = row_mm / 10.0
    ds.SequenceOfUltrasoundRegions = Sequence([region])
    ds.PixelSpacing = [format_number_as_ds(row_mm), format_number_as_ds(col_mm)]
