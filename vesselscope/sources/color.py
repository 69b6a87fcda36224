"""Colour to B-mode grayscale: detection works on intensity, the viewer may keep the colour."""

from __future__ import annotations

import numpy as np

# ITU-R BT.601 luma, the weighting scanners use when they store grey B-mode as RGB.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def is_grey_rgb(rgb: np.ndarray, tolerance: int = 0) -> bool:
    """True when every pixel has R, G and B within `tolerance` (grey B-mode stored as colour;
    lossy video codecs need a tolerance because they smear a little chroma into grey)."""
    if tolerance == 0:
        return bool(
            np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
        )
    channels = rgb.astype(np.int16)
    spread = channels.max(axis=-1) - channels.min(axis=-1)
    return bool(spread.max() <= tolerance)


def rgb_to_gray(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 RGB to HxW uint8 grayscale (exact for grey pixels)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 image, got {rgb.dtype} {rgb.shape}")
    if is_grey_rgb(rgb):
        return np.ascontiguousarray(rgb[..., 0])
    gray = rgb.astype(np.float32) @ _LUMA
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Any integer, bool or float image to uint8 (uint8 passes through unchanged)."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if image.size == 0:
        return image.astype(np.uint8)
    low, high = float(image.min()), float(image.max())
    if low >= 0 and high <= 255:
        return np.rint(image).astype(np.uint8)
    if np.issubdtype(image.dtype, np.unsignedinteger):
        # Scale by the used range, not the dtype's: 12-bit data in a uint16 stays visible.
        return np.rint(image.astype(np.float32) * (255.0 / high)).astype(np.uint8)
    scale = 255.0 / (high - low)
    return np.rint((image.astype(np.float32) - low) * scale).astype(np.uint8)


def frame_pixels(
    image: np.ndarray, grey_tolerance: int = 0
) -> tuple[np.ndarray, np.ndarray | None]:
    """Split a decoded image into (grayscale pixels for detection, RGB for display or None).

    Grey images and colour images whose pixels are all grey (within `grey_tolerance`) give no
    colour copy.
    """
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        return (image if image.dtype == np.float32 else to_uint8(image)), None
    if image.ndim == 3 and image.shape[2] in (3, 4):
        rgb = np.ascontiguousarray(to_uint8(image[..., :3]))
        if is_grey_rgb(rgb):
            return np.ascontiguousarray(rgb[..., 0]), None
        gray = rgb_to_gray(rgb)
        return gray, None if is_grey_rgb(rgb, grey_tolerance) else rgb
    raise ValueError(f"unsupported image shape {image.shape}")
