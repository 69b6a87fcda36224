"""NumPy reference of opencl/ellipse_fit.cl: the best ellipse per centre and its wall test.

For every centre of a level and every shape of the level's tables, the edge step at each
outline sample is (gradient . outward normal), capped at the preset's edge_cap; the shape's
score is their mean times the shape's size weight (for an outline running off the image, the
mean of its samples in view, once the preset's min_in_view share of them are). The centre keeps
the best-scoring shape (the first on ties), then the wall contrast of that shape: the mean
intensity on a ring just outside the wall against a ring inside the lumen,
(outside - inside) / outside.
"""

from __future__ import annotations

import numpy as np

from vesselscope.candidates.plan import LevelPlan
from vesselscope.candidates.reference_gradient import LIVE_ENOUGH
from vesselscope.candidates.selection import LevelResult


def _shifted(image: np.ndarray, level: LevelPlan, dy: int, dx: int) -> np.ndarray:
    """The padded image seen from every searched centre moved by (dy, dx)."""
    top = level.pad + level.first_row + dy
    left = level.pad + dx
    return image[top : top + level.window_rows, left : left + level.cols]


def fit_level(
    level: LevelPlan,
    edge_cap: float,
    intensity: np.ndarray,
    gx: np.ndarray,
    gy: np.ndarray,
    live: np.ndarray,
) -> LevelResult:
    """Best shape per searched centre; centres on dead ground get fitness -inf."""
    tables = level.tables
    size = (level.window_rows, level.cols)
    best = np.full(size, -np.inf, np.float32)
    best_shape = np.zeros(size, np.int32)
    cap = np.float32(edge_cap)
    for k in range(tables.count):
        total = np.zeros(size, np.float32)
        for j in range(tables.samples):
            dy, dx = int(tables.dy[k, j]), int(tables.dx[k, j])
            along = _shifted(gx, level, dy, dx) * tables.nx[k, j]
            step = along + _shifted(gy, level, dy, dx) * tables.ny[k, j]
            total = total + np.minimum(step, cap)
        if level.min_in_view < tables.samples:
            total = total * _partial_outline_factor(level, k)
        fitness = total * level.weights[k]
        better = fitness > best
        best = np.where(better, fitness, best)
        best_shape = np.where(better, np.int32(k), best_shape)
    best = np.where(_shifted(live, level, 0, 0) >= LIVE_ENOUGH, best, np.float32(-np.inf))
    return LevelResult(best, best_shape, wall_contrast(level, intensity, best_shape))


def _partial_outline_factor(level: LevelPlan, k: int) -> np.ndarray:
    """Per centre, samples / max(samples in the level's image, min_in_view) for shape k."""
    tables = level.tables
    y = np.arange(level.first_row, level.last_row)[:, None]
    x = np.arange(level.cols)[None, :]
    seen = np.zeros((level.window_rows, level.cols), np.float32)
    for dy, dx in zip(tables.dy[k], tables.dx[k], strict=True):
        inside = (y + dy >= 0) & (y + dy < level.rows) & (x + dx >= 0) & (x + dx < level.cols)
        seen = seen + inside.astype(np.float32)
    return np.float32(tables.samples) / np.maximum(seen, np.float32(level.min_in_view))


def wall_contrast(level: LevelPlan, intensity: np.ndarray, best_shape: np.ndarray) -> np.ndarray:
    tables = level.tables
    size = best_shape.shape
    contrast = np.zeros(size, np.float32)
    for k in np.unique(best_shape):
        outside = np.zeros(size, np.float32)
        inside = np.zeros(size, np.float32)
        for j in range(tables.samples):
            outside = outside + _shifted(intensity, level, tables.out_dy[k, j], tables.out_dx[k, j])
            inside = inside + _shifted(intensity, level, tables.in_dy[k, j], tables.in_dx[k, j])
        safe = np.where(outside > 0, outside, np.float32(1))
        value = np.where(outside > 0, (outside - inside) / safe, np.float32(0))
        contrast = np.where(best_shape == k, value, contrast)
    return contrast
