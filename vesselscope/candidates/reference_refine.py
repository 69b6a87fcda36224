"""NumPy reference of opencl/ellipse_refine.cl: the fitness of shape variants at full resolution.

The full-resolution gradient is not padded: samples are bilinear and read zero outside the
frame (no evidence there). Each sample's edge step is capped (refine.py explains the cap). As in
the search (reference_fit.py), with min_in_view below the sample count an outline running off
the frame is scored by the mean of its samples in view, as long as at least min_in_view of them
are; otherwise the missing ones count as zeros. A sample within a pixel of the frame's edge is
in view by the bilinear weight of its taps in the frame (those outside read zero).
"""

from __future__ import annotations

import numpy as np

from vesselscope.candidates.plan import REFINE_SAMPLES
from vesselscope.candidates.refine import MOVES, apply_moves

_T = 2.0 * np.pi * np.arange(REFINE_SAMPLES) / REFINE_SAMPLES
COS_T = np.cos(_T).astype(np.float32)  # shared with the kernel as a constant table
SIN_T = np.sin(_T).astype(np.float32)


def _bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    rows, cols = image.shape
    fx, fy = np.floor(x), np.floor(y)
    tx, ty = x - fx, y - fy
    x0, y0 = fx.astype(np.int64), fy.astype(np.int64)

    def at(xi: np.ndarray, yi: np.ndarray) -> np.ndarray:
        ok = (xi >= 0) & (xi < cols) & (yi >= 0) & (yi < rows)
        return np.where(ok, image[np.clip(yi, 0, rows - 1), np.clip(xi, 0, cols - 1)], 0)

    one = np.float32(1)
    top = at(x0, y0) * (one - tx) + at(x0 + 1, y0) * tx
    bottom = at(x0, y0 + 1) * (one - tx) + at(x0 + 1, y0 + 1) * tx
    return (top * (one - ty) + bottom * ty).astype(np.float32)


def _in_frame(position: np.ndarray, size: int) -> np.ndarray:
    """Bilinear weight of the taps in [0, size) of a sample at `position` (float32)."""
    one = np.float32(1)
    return np.clip(np.minimum(position + one, np.float32(size) - position), 0, one)


def evaluate_variants(
    gx: np.ndarray, gy: np.ndarray, params: np.ndarray, min_in_view: int = REFINE_SAMPLES
) -> np.ndarray:
    """(K, 27) fitness: mean capped gradient . outward normal over the outline samples."""
    rows, cols = gx.shape
    k = params.shape[0]
    shapes = np.stack([apply_moves(params, np.broadcast_to(m, (k, 3))) for m in MOVES], axis=1)
    a, b = shapes[..., 0], shapes[..., 1]  # (K, 27)
    cx, cy = params[:, 0:1], params[:, 1:2]
    c, s = params[:, 9 + MOVES[:, 2]], params[:, 12 + MOVES[:, 2]]  # the angles' cos, sin
    cap = params[:, 7:8]
    total = np.zeros(a.shape, np.float32)
    seen = np.zeros(a.shape, np.float32)
    for j in range(REFINE_SAMPLES):
        u, v = a * COS_T[j], b * SIN_T[j]
        x, y = cx + (u * c - v * s), cy + (u * s + v * c)
        nu, nv = COS_T[j] / a, SIN_T[j] / b
        nx, ny = nu * c - nv * s, nu * s + nv * c
        length = np.sqrt(nx * nx + ny * ny)
        nx, ny = nx / length, ny / length
        step = _bilinear(gx, x, y) * nx + _bilinear(gy, x, y) * ny
        total = total + np.minimum(step, cap)
        seen = seen + _in_frame(x, cols) * _in_frame(y, rows)
    if min_in_view < REFINE_SAMPLES:
        return total / np.maximum(seen, np.float32(min_in_view))
    return total * np.float32(1.0 / REFINE_SAMPLES)
