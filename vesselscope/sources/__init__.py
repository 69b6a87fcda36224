"""open_source: one entry point from a path or URI to a Source of Frames."""

from __future__ import annotations

import importlib
import os
import warnings
from pathlib import Path
from typing import Any

from vesselscope.errors import SourceError, SpacingUnknownWarning
from vesselscope.sources.base import Source

# Readers are imported on first use so that opening a PNG folder never loads pydicom, and a
# broken optional dependency only affects the formats that need it.
_BY_SCHEME: dict[str, str] = {
    "sim": "vesselscope.simulator.source:SimulatorSource",
    "igtl": "vesselscope.live.igtl_source:IgtlSource",
    "capture": "vesselscope.live.capture:CaptureSource",
}
_BY_SUFFIX: dict[str, str] = {
    ".dcm": "vesselscope.sources.dicom:DicomSource",
    ".dicom": "vesselscope.sources.dicom:DicomSource",
    ".mha": "vesselscope.sources.metaimage:MetaImageSource",
    ".mhd": "vesselscope.sources.metaimage:MetaImageSource",
    ".mp4": "vesselscope.sources.video:VideoSource",
    ".avi": "vesselscope.sources.video:VideoSource",
    ".mov": "vesselscope.sources.video:VideoSource",
    ".mkv": "vesselscope.sources.video:VideoSource",
    ".m4v": "vesselscope.sources.video:VideoSource",
    ".wmv": "vesselscope.sources.video:VideoSource",
    ".png": "vesselscope.sources.image_folder:ImageFolderSource",
    ".jpg": "vesselscope.sources.image_folder:ImageFolderSource",
    ".jpeg": "vesselscope.sources.image_folder:ImageFolderSource",
    ".bmp": "vesselscope.sources.image_folder:ImageFolderSource",
    ".tif": "vesselscope.sources.image_folder:ImageFolderSource",
    ".tiff": "vesselscope.sources.image_folder:ImageFolderSource",
}
_FOLDER_READER = "vesselscope.sources.image_folder:ImageFolderSource"
_DICOM_READER = "vesselscope.sources.dicom:DicomSource"


def register_scheme(scheme: str, reader: str) -> None:
    """Make `scheme://...` URIs open with `reader` ("module:Class", imported lazily)."""
    _BY_SCHEME[scheme.lower()] = reader


def supported_suffixes() -> list[str]:
    return sorted(_BY_SUFFIX)


def open_source(
    path_or_uri: str | os.PathLike[str],
    *,
    spacing_mm: float | tuple[float, float] | None = None,
    **options: Any,
) -> Source:
    """Open a recording or stream.

    Files: DICOM (.dcm or DICM magic), PLUS/MetaImage (.mha, .mhd), video (.mp4, .avi...), a
    folder of numbered images or a single image. URIs: schemes registered by live sources.
    `spacing_mm` (one value or (row, col)) overrides what the source says. Other keyword
    options go to the reader (e.g. `crop_to_region=True` for DICOM). Raises SourceError.
    """
    with warnings.catch_warnings():
        if spacing_mm is not None:  # the caller already knows what the file may not say
            warnings.simplefilter("ignore", SpacingUnknownWarning)
        source = _open(os.fspath(path_or_uri), options)
    if spacing_mm is not None:
        source.override_spacing(spacing_mm)
    return source


def _open(text: str, options: dict[str, Any]) -> Source:
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        reader = _BY_SCHEME.get(scheme)
        if reader is None:
            known = ", ".join(f"{s}://" for s in sorted(_BY_SCHEME)) or "none registered"
            raise SourceError(text, f"unknown stream scheme '{scheme}://' (known: {known})")
        return _load(reader)(text, **options)
    path = Path(text)
    return _load(_reader_for(path))(path, **options)


def _reader_for(path: Path) -> str:
    if path.is_dir():
        return _FOLDER_READER
    if not path.exists():
        raise SourceError(path, "no such file or folder")
    reader = _BY_SUFFIX.get(path.suffix.lower())
    if reader is not None:
        return reader
    if _has_dicom_magic(path):
        return _DICOM_READER
    raise SourceError(
        path,
        f"unsupported file type '{path.suffix or '(no extension)'}' "
        f"(supported: {', '.join(supported_suffixes())}, DICOM files, image folders)",
    )


def _has_dicom_magic(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(132)
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from exc
    return len(head) == 132 and head[128:132] == b"DICM"


def _load(reader: str) -> type[Source]:
    module_name, class_name = reader.split(":")
    return getattr(importlib.import_module(module_name), class_name)


__all__ = ["Source", "open_source", "register_scheme", "supported_suffixes"]
