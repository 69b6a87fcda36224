"""From per-centre bests to the frame's winners: thresholds, then greedy non-maximum suppression.

Runs on the host for both backends: after the fit, the levels hold some thousands of centres
that pass the thresholds, and K passes of a vectorised inside-ellipse test over them take
about a millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vesselscope.candidates.plan import SearchPlan

# A much smaller ellipse inside an accepted one is not its duplicate but possibly the real lumen
# that a larger, off-centre fit swallowed: on usgra-seg, keeping those raised recall from 0.89
# to 0.94 at the top 20 (0.85 to 0.87 at the top 10) over the method's plain rule.
NESTED_RATIO = 0.75
PREFIX = 1024


@dataclass(frozen=True)
class LevelResult:
    """Per searched centre of one level (window_rows x cols): best score, shape, wall test."""

    fitness: np.ndarray
    shape: np.ndarray
    contrast: np.ndarray


@dataclass(frozen=True)
class Ellipses:
    """Parallel arrays of ellipses in full-resolution pixels, with their scores."""

    cx: np.ndarray
    cy: np.ndarray
    a: np.ndarray
    b: np.ndarray
    angle_deg: np.ndarray
    fitness: np.ndarray
    contrast: np.ndarray
    level: np.ndarray  # the level each came from
    row: np.ndarray  # and its position in that level's result arrays
    col: np.ndarray

    def take(self, index: np.ndarray) -> Ellipses:
        return Ellipses(*(np.asarray(getattr(self, f))[index] for f in self.__dataclass_fields__))

    def __len__(self) -> int:
        return int(self.cx.size)


def final_scores(result: LevelResult) -> np.ndarray:
    """Fitness = the best shape's score x its wall contrast (clipped to [0, 1]).

    Edge evidence and region evidence (a lumen darker than its wall) must agree.
    Dead-ground centres keep -inf.
    """
    live = np.isfinite(result.fitness)
    fitness = np.full(result.fitness.shape, -np.inf, np.float32)
    np.multiply(result.fitness, np.clip(result.contrast, 0, 1), out=fitness, where=live)
    return fitness


def level_candidates(plan: SearchPlan, results: list[LevelResult]) -> Ellipses:
    """Every centre that passes the thresholds, level 0 first, row-major."""
    preset = plan.preset
    parts = []
    for level, result in zip(plan.levels, results, strict=True):
        fitness = final_scores(result)
        keep = (fitness >= preset.min_fitness) & (result.contrast >= preset.min_wall_contrast)
        rows, cols = np.nonzero(keep)
        x, y = level.to_full(rows + level.first_row, cols)
        shapes = level.tables.shapes[result.shape[rows, cols]]
        a, b, angle = binned_to_full(shapes, level.bin_cols, level.bin_rows)
        parts.append(
            (
                x,
                y,
                a,
                b,
                angle,
                fitness[rows, cols],
                result.contrast[rows, cols],
                np.full(rows.size, level.index),
                rows,
                cols,
            )
        )
    if not parts:
        return Ellipses(*(np.zeros(0) for _ in Ellipses.__dataclass_fields__))
    return Ellipses(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def binned_to_full(
    shapes: np.ndarray, bin_cols: int, bin_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(K, 3) ellipses (a, b, angle) in level pixels -> the same ellipses in full-resolution
    pixels, where a level pixel spans bin_cols x bin_rows of them.

    Level pixels are about square in mm; pixels of a frame whose rows and columns differ in
    spacing are not, so there the bins differ and a circle at the level is an ellipse in the
    frame: the image of the semi-axes under the scaling, read back as axes by an SVD.
    """
    if bin_cols == bin_rows:
        return shapes[:, 0] * bin_cols, shapes[:, 1] * bin_cols, shapes[:, 2]
    theta = np.radians(shapes[:, 2])
    axes = np.empty((len(shapes), 2, 2))  # columns: the scaled major and minor semi-axes
    axes[:, 0, 0] = bin_cols * np.cos(theta) * shapes[:, 0]
    axes[:, 1, 0] = bin_rows * np.sin(theta) * shapes[:, 0]
    axes[:, 0, 1] = -bin_cols * np.sin(theta) * shapes[:, 1]
    axes[:, 1, 1] = bin_rows * np.cos(theta) * shapes[:, 1]
    directions, lengths, _ = np.linalg.svd(axes)
    angle = np.degrees(np.arctan2(directions[:, 1, 0], directions[:, 0, 0]))
    return lengths[:, 0], lengths[:, 1], 90.0 - np.mod(90.0 - angle, 180.0)


def greedy_nms(ellipses: Ellipses, top_k: int, enlarge: float) -> np.ndarray:
    """Indices of at most top_k winners, best first: the method's greedy suppression, scale-aware.

    Going down the fitness order, a candidate is dropped when its centre lies inside an
    accepted ellipse enlarged by `enlarge` (the method's rule) unless it is much smaller than
    that one (NESTED_RATIO), or when the accepted centre lies inside its own enlarged ellipse.
    Ties in fitness keep the input order (stable sort), so both backends pick the same winners.
    """
    order = np.argsort(-ellipses.fitness, kind="stable")
    # The walk down the order rarely goes far: try the best PREFIX first. If it yields top_k
    # winners, later candidates could not have changed them (they come after in the walk).
    prefix = PREFIX
    while True:
        kept = _greedy(ellipses.take(order[:prefix]), top_k, enlarge)
        if len(kept) == top_k or prefix >= order.size:
            return order[kept]
        prefix *= 4


def _greedy(e: Ellipses, top_k: int, enlarge: float) -> np.ndarray:
    theta = np.radians(e.angle_deg)
    cos, sin = np.cos(theta), np.sin(theta)
    inv_a, inv_b = 1.0 / (enlarge * e.a), 1.0 / (enlarge * e.b)
    radius = np.sqrt(e.a * e.b)
    alive = np.ones(len(e), bool)
    kept: list[int] = []
    while len(kept) < top_k and alive.any():
        w = int(np.argmax(alive))
        kept.append(w)
        dx, dy = e.cx - e.cx[w], e.cy - e.cy[w]
        u = (dx * cos[w] + dy * sin[w]) * inv_a[w]  # the others in w's ellipse frame
        v = (dy * cos[w] - dx * sin[w]) * inv_b[w]
        covered = u * u + v * v <= 1.0
        u = (dx * cos + dy * sin) * inv_a  # w's centre in each other's frame
        v = (dy * cos - dx * sin) * inv_b
        covering = u * u + v * v <= 1.0
        alive &= ~((covered & (radius >= NESTED_RATIO * radius[w])) | covering)
        alive[w] = False
    return np.array(kept, dtype=np.int64)
