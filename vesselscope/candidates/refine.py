"""Refinement of the winners, shared by both backends: sub-pixel centre, full-resolution shape.

Centre: the peak of the level's score surface, interpolated with a parabola through each
winner and its two neighbours along x and along y. Shape: a shrinking local search at full
resolution; each round tries the 27 combinations of {-step, 0, +step} on (a, b, angle), keeps
the best and halves the steps. The backend only evaluates variants (opencl/ellipse_refine.cl or
reference_refine.py); the choices below are shared, so both backends take the same decisions.
On simulated cines this cut the median radius error from 0.42 to 0.13 mm and the centre error
from 0.35 to 0.26 mm; moving the centre at full resolution too made it worse (strong
neighbouring echoes pull it). Tried again with capped edge steps, it cut the median centre
error of simulated arteries (0.20 -> 0.07 mm, femoral) but cost top-10 recall on usgra-seg
(docs/detection-measurements.md).
Fitness and wall contrast stay those of the search, measured at the winner's own scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from vesselscope.candidates.plan import (
    REFINE_CAP_FACTOR,
    REFINE_ROUNDS,
    SearchPlan,
    angle_step,
)
from vesselscope.candidates.selection import Ellipses, LevelResult, final_scores

# (27, 3) moves in {-1, 0, 1} steps on (a, b, angle); the middle row changes nothing
MOVES = np.array(np.meshgrid(*[[-1, 0, 1]] * 3, indexing="ij")).reshape(3, -1).T.astype(np.int32)
UNCHANGED = len(MOVES) // 2
MOVE_COUNT = np.abs(MOVES).sum(axis=1)
DEG = np.float32(np.pi / 180.0)
# Variants within this share of the best count as equal (see choose)
MIN_GAIN = 1e-5

# params: (K, PARAMS) float32 per winner: cx, cy, a, b, angle_deg, angle step deg, size ratio
# q > 1, cap on each sample's edge step, then cos and sin of the three angles tried (angle -
# step, angle, angle + step), computed here once so both backends use the very same values.
# An evaluator returns the (K, len(MOVES)) fitness of every winner's variants.
PARAMS = 16
Evaluate = Callable[[np.ndarray], np.ndarray]


def peak_offsets(scores: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(K, 2) sub-pixel (dx, dy) of score peaks at (rows, cols), in level pixels, within +-0.5."""
    offsets = np.zeros((rows.size, 2))
    height, width = scores.shape
    for axis, (dr, dc) in enumerate(((0, 1), (1, 0))):
        ok = (rows - dr >= 0) & (rows + dr < height) & (cols - dc >= 0) & (cols + dc < width)
        r, c = rows[ok], cols[ok]
        before, after = scores[r - dr, c - dc], scores[r + dr, c + dc]
        finite = np.isfinite(before) & np.isfinite(after)  # not next to dead ground
        before, after = np.where(finite, before, 0.0), np.where(finite, after, 0.0)
        curvature = 2.0 * scores[r, c] - before - after
        usable = finite & (curvature > 0)
        shift = np.where(usable, (after - before) / np.where(usable, 2.0 * curvature, 1.0), 0.0)
        offsets[np.flatnonzero(ok), axis] = np.clip(shift, -0.5, 0.5)
    return offsets


def subpixel_centres(plan: SearchPlan, results: list[LevelResult], seeds: Ellipses) -> Ellipses:
    cx, cy = seeds.cx.astype(np.float64), seeds.cy.astype(np.float64)
    for level, result in zip(plan.levels, results, strict=True):
        mine = np.flatnonzero(seeds.level == level.index)
        if mine.size:
            shift = peak_offsets(final_scores(result), seeds.row[mine], seeds.col[mine])
            cx[mine] += shift[:, 0] * level.bin_cols
            cy[mine] += shift[:, 1] * level.bin_rows
    return replace(seeds, cx=cx, cy=cy)


def with_angles(params: np.ndarray) -> np.ndarray:
    """Fill in the cos and sin of the three angles a round tries."""
    for move in (-1, 0, 1):
        theta = (params[:, 4] + np.float32(move) * params[:, 5]) * DEG
        params[:, 9 + move], params[:, 12 + move] = np.cos(theta), np.sin(theta)
    return params


def initial_params(plan: SearchPlan, seeds: Ellipses, evaluate: Evaluate) -> np.ndarray:
    params = np.zeros((len(seeds), PARAMS), np.float32)
    params[:, 0], params[:, 1] = seeds.cx, seeds.cy
    params[:, 2], params[:, 3], params[:, 4] = seeds.a, seeds.b, seeds.angle_deg
    # first turn: half the step between the orientations the seed's shape was tried at (a
    # circle, tried at one, turns as the preset's step once the refinement flattens it)
    flattening = np.minimum(seeds.a, seeds.b) / np.maximum(seeds.a, seeds.b)
    params[:, 5] = 0.5 * angle_step(flattening, plan.preset.angle_step_deg)
    params[:, 6] = np.sqrt(plan.radius_step)
    params[:, 7] = np.inf  # first, the winner's own mean step, uncapped
    own = evaluate(with_angles(params))[:, UNCHANGED]
    params[:, 7] = REFINE_CAP_FACTOR * np.maximum(own, plan.preset.edge_cap)
    return params


def apply_moves(params: np.ndarray, moves: np.ndarray) -> np.ndarray:
    """(a, b, angle) after `moves` (K, 3), in the kernel's float32 order."""
    q = params[:, 6]
    a = np.where(moves[:, 0] < 0, params[:, 2] / q, params[:, 2])
    a = np.where(moves[:, 0] > 0, params[:, 2] * q, a)
    b = np.where(moves[:, 1] < 0, params[:, 3] / q, params[:, 3])
    b = np.where(moves[:, 1] > 0, params[:, 3] * q, b)
    angle = params[:, 4] + moves[:, 2].astype(np.float32) * params[:, 5]
    return np.stack([a, b, angle], axis=1).astype(np.float32)


def choose(fitness: np.ndarray) -> np.ndarray:
    """Per winner, the variant with the fewest moves among those within MIN_GAIN of the best.

    Variants that score the same up to rounding (a circle turned, a flat gradient) would
    otherwise be told apart by the last bits of a float, and the backends could part ways.
    """
    best = fitness.max(axis=1, keepdims=True)
    near = fitness >= best - MIN_GAIN * np.maximum(np.abs(best), 1.0)
    # fewest moves first, then the first in table order
    cost = np.where(near, MOVE_COUNT * len(MOVES) + np.arange(len(MOVES)), np.iinfo(np.int64).max)
    return np.argmin(cost, axis=1)


def refine(
    plan: SearchPlan, results: list[LevelResult], seeds: Ellipses, evaluate: Evaluate
) -> Ellipses:
    """Refined winners, semi-axes ordered a >= b and angle in (-90, 90]."""
    seeds = subpixel_centres(plan, results, seeds)
    params = initial_params(plan, seeds, evaluate)
    for _ in range(REFINE_ROUNDS):
        chosen = choose(evaluate(with_angles(params)))
        params[:, 2:5] = apply_moves(params, MOVES[chosen])
        params[:, 5] *= 0.5
        params[:, 6] = np.sqrt(params[:, 6])
    a, b, angle = major_first(*(params[:, i].astype(np.float64) for i in (2, 3, 4)))
    return replace(seeds, a=a, b=b, angle_deg=angle)


def major_first(
    a: np.ndarray, b: np.ndarray, angle: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same ellipses with a >= b and the angle in (-90, 90] (the annotations' convention)."""
    swap = b > a
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    angle = np.where(swap, angle + 90.0, angle)
    return a, b, 90.0 - np.mod(90.0 - angle, 180.0)
