"""Decode one still image file (PNG, JPEG, BMP, TIFF) safely, as RGB or grey."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from vesselscope.errors import SourceError
from vesselscope.sources.base import check_decoded_size

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def decode_image(path: Path) -> np.ndarray:
    """HxW (grey) or HxWx3 (RGB) array of the file's own depth; SourceError when unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from exc
    if not data:
        raise SourceError(path, "file is empty")
    _check_png_header(path, data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise SourceError(path, "not a readable image (corrupt, truncated or unknown encoding)")
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]  # alpha carries no echo information
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image


def _check_png_header(path: Path, data: bytes) -> None:
    """Refuse a PNG whose header declares a frame we would not allocate, before decoding it."""
    if not data.startswith(_PNG_MAGIC):
        return
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise SourceError(path, "truncated PNG header")
    width, height = struct.unpack(">II", data[16:24])
    if width == 0 or height == 0:
        raise SourceError(path, f"PNG declares an empty {width}x{height} image")
    check_decoded_size(str(path), width * height * 8)  # up to 4 channels of 16 bits
