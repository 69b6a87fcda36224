"""Candidate crops: the square the classifier sees around an ellipse (method, stage 2).

Training and inference must crop identically, so both call these functions: the training package
harvests its dataset with `crop_candidate`, the app crops each frame's candidates with
`crop_batch`. The geometry follows the method's implementation: a square of side 2r + 2m around
the centre, r the larger semi-axis and margin m = max(r, margin_px), padded with black outside
the frame (the colour of a scanner's empty image area), then resized to the network input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import cv2
import numpy as np

from vesselscope.frame import Frame

DEFAULT_MARGIN_PX = 50.0  # the method's implementation; recorded in each model card


class Ellipse(Protocol):
    """Anything with an ellipse in pixels: a candidates.Candidate or an EllipseAnnotation."""

    cx: float
    cy: float
    a: float
    b: float


def crop_box(ellipse: Ellipse, margin_px: float = DEFAULT_MARGIN_PX) -> tuple[int, int, int]:
    """(x0, y0, side) in whole pixels: the square crop of `ellipse` in frame coordinates."""
    radius = max(float(ellipse.a), float(ellipse.b))
    if not (radius > 0 and np.isfinite(radius)):
        raise ValueError(
            f"ellipse semi-axes must be positive and finite, got a={ellipse.a}, b={ellipse.b}"
        )
    half = radius + max(radius, float(margin_px))
    side = max(2, int(round(2.0 * half)))
    # Pixel centres sit at integers, so the square [cx - half, cx + half) starts at this column.
    x0 = int(np.floor(float(ellipse.cx) - side / 2.0 + 0.5))
    y0 = int(np.floor(float(ellipse.cy) - side / 2.0 + 0.5))
    return x0, y0, side


def crop_candidate(
    frame: Frame | np.ndarray,
    ellipse: Ellipse,
    size: int,
    margin_px: float = DEFAULT_MARGIN_PX,
) -> np.ndarray:
    """The `size` x `size` crop around `ellipse`, in the frame's dtype (uint8 or float32)."""
    pixels = frame.pixels if isinstance(frame, Frame) else np.asarray(frame)
    if pixels.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale image, got shape {pixels.shape}")
    if size < 1:
        raise ValueError(f"crop size must be at least 1, got {size}")
    x0, y0, side = crop_box(ellipse, margin_px)
    square = np.zeros((side, side), pixels.dtype)
    rows, cols = pixels.shape
    top, left = max(y0, 0), max(x0, 0)
    bottom, right = min(y0 + side, rows), min(x0 + side, cols)
    if top < bottom and left < right:
        square[top - y0 : bottom - y0, left - x0 : right - x0] = pixels[top:bottom, left:right]
    # INTER_AREA averages when shrinking (speckle would alias with a point sampler).
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(square, (size, size), interpolation=interpolation)


def crop_batch(
    frame: Frame | np.ndarray,
    ellipses: Sequence[Ellipse],
    size: int,
    margin_px: float = DEFAULT_MARGIN_PX,
) -> np.ndarray:
    """Crops of every ellipse stacked as (N, size, size); N may be 0."""
    pixels = frame.pixels if isinstance(frame, Frame) else np.asarray(frame)
    batch = np.empty((len(ellipses), size, size), pixels.dtype)
    for i, ellipse in enumerate(ellipses):
        batch[i] = crop_candidate(pixels, ellipse, size, margin_px)
    return batch
