"""The OpenIGTLink IMAGE body: decoded strictly into a 2-D frame and its geometry, and encoded.

Protocol: https://github.com/openigtlink/OpenIGTLink/blob/master/Documents/Protocol/image.md
A 72-byte image header (sizes i, j, k; a 3x4 matrix whose first three columns are the i, j, k
axis directions times the pixel spacing, and whose last column is the image centre), then the
voxels with i varying fastest. Every size is checked against the bytes that really came, so a
malformed message raises ValueError and never makes us allocate what the sender merely claims.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from vesselscope.frame import Spacing
from vesselscope.sources.color import frame_pixels, to_uint8

_IMAGE = struct.Struct(">HBBBBHHH12fHHHHHH")
_SCALARS = {
    2: np.int8, 3: np.uint8, 4: np.int16, 5: np.uint16,
    6: np.int32, 7: np.uint32, 10: np.float32, 11: np.float64,
}  # fmt: skip
_BIG, _LITTLE = 1, 2
_RAS, _LPS = 1, 2


@dataclass(frozen=True, eq=False)
class ImageGeometry:
    """Where the image lies, from the message's matrix.

    spacing_mm: (row, col) mm per pixel, the norms of the j and i axis columns; None when the
    matrix gives no usable scale. axes: 3x3, the unit directions of i (columns), j (rows) and
    k in the sender's world. flipped: (rows, cols), whether that image axis runs against the
    world axis it mostly follows (e.g. a mirrored probe); pixels are never reoriented here,
    because a tracked probe's matrix turns with the probe.
    """

    spacing_mm: Spacing | None
    axes: np.ndarray
    centre_mm: np.ndarray
    coordinate_system: str
    flipped: tuple[bool, bool]


@dataclass(frozen=True, eq=False)
class DecodedImage:
    pixels: np.ndarray  # 2-D uint8 or float32
    color: np.ndarray | None  # HxWx3 uint8 when the image was colour
    geometry: ImageGeometry


def decode_image(content: memoryview | bytes) -> DecodedImage:
    if len(content) < _IMAGE.size:
        raise ValueError(f"IMAGE content of {len(content)} bytes is shorter than its header")
    (_, components, scalar, endian, system, si, sj, sk, *rest) = _IMAGE.unpack_from(content)
    matrix, subvolume = np.array(rest[:12], dtype=np.float64), rest[12:]
    if scalar not in _SCALARS:
        raise ValueError(f"unknown scalar type {scalar}")
    if endian not in (_BIG, _LITTLE):
        raise ValueError(f"unknown endianness {endian}")
    if components not in (1, 3, 4):
        raise ValueError(f"{components} components per pixel (expected 1, 3 or 4)")
    if sk != 1 or si == 0 or sj == 0:
        raise ValueError(f"size {si}x{sj}x{sk} is not a 2-D image (k must be 1)")
    if tuple(subvolume) != (0, 0, 0, si, sj, sk):
        raise ValueError(f"partial sub-volume {tuple(subvolume)} of {si}x{sj}x{sk}")
    dtype = np.dtype(_SCALARS[scalar]).newbyteorder(">" if endian == _BIG else "<")
    expected = si * sj * components * dtype.itemsize
    data = content[_IMAGE.size :]
    if len(data) != expected:
        raise ValueError(f"{len(data)} bytes of pixels, {si}x{sj}x{components} need {expected}")
    image = np.frombuffer(data, dtype=dtype).reshape(sj, si, components)
    return DecodedImage(*_pixels(image), _geometry(matrix, "RAS" if system == _RAS else "LPS"))


def encode_image(pixels: np.ndarray, spacing_mm: Spacing | None) -> bytes:
    """An IMAGE body for a 2-D uint8 or float32 frame, axis-aligned, centred on the origin."""
    rows, cols = pixels.shape
    scalar = 3 if pixels.dtype == np.uint8 else 10
    row_mm, col_mm = spacing_mm or (1.0, 1.0)
    matrix = (col_mm, 0, 0, 0, row_mm, 0, 0, 0, 1, 0, 0, 0)  # i, j, k columns, centre at 0
    header = _IMAGE.pack(
        1, 1, scalar, _LITTLE, _LPS, cols, rows, 1, *matrix, 0, 0, 0, cols, rows, 1
    )
    little = pixels.astype(pixels.dtype.newbyteorder("<"), copy=False)
    return header + np.ascontiguousarray(little).tobytes()


def _pixels(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if image.shape[2] == 1:
        grey = image[..., 0]
        if grey.dtype == np.uint8:
            return grey, None
        return grey.astype(np.float32), None
    return frame_pixels(to_uint8(np.ascontiguousarray(image[..., :3])))


def _geometry(matrix: np.ndarray, system: str) -> ImageGeometry:
    columns = matrix[:9].reshape(3, 3).T  # column c is axis c (i, j, k) times its spacing
    norms = np.linalg.norm(columns, axis=0)
    usable = np.isfinite(norms) & (norms > 1e-9)
    axes = np.divide(columns, np.where(usable, norms, 1.0))
    spacing = (float(norms[1]), float(norms[0])) if usable[0] and usable[1] else None
    if spacing is not None and not (spacing[0] < 1000 and spacing[1] < 1000):
        spacing = None

    def flipped(axis: np.ndarray) -> bool:
        return bool(axis[np.argmax(np.abs(axis))] < 0)

    return ImageGeometry(
        spacing, axes, matrix[9:].copy(), system, (flipped(axes[:, 1]), flipped(axes[:, 0]))
    )
