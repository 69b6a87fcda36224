"""Following a known vessel into the next frame by its edges: the method's stage-3 edge model.

The classifier decides whether a candidate is a vessel; once a track is confirmed, its
outline can be followed from frame to frame by the image's edges alone, the way the method's
tracker does (a Kalman filter with an edge model along the ellipse normals). This keeps a vein
outlined while the probe presses it flatter than any shape the search tries, or while the
classifier's score dips, instead of dropping it.

Each seed (a track's predicted ellipse) is tried at centres on a small grid around the
prediction; at each centre the shape is refined with the same shrinking local search and the
same full-resolution evaluator as the search's winners (refine.py), flattening allowed down
to MIN_FLATTENING but the size not above the vessel's when it was last detected. Edge steps
are capped per seed from its own reference strength, so one strong echo cannot pull the
outline onto itself; among the centres, the caller keeps the best edge strength x wall
contrast (a lumen must stay dark inside: edges alone drift onto the bright fascia below).
On the validation cines (simulated seeds 201-202) following raised the detector's mean F1
from 0.896 to 0.922 (forearm 0.65 -> 0.74 and 0.85 -> 0.92). A first version without the
size bound, choosing centres by edges alone, reached 0.919 with outlines grown onto the
fascia; trying the prediction's centre alone gave 0.918.
"""

from __future__ import annotations

import cv2
import numpy as np

from vesselscope.candidates.plan import REFINE_CAP_FACTOR, REFINE_ROUNDS, SearchPlan
from vesselscope.candidates.refine import (
    MOVES,
    PARAMS,
    UNCHANGED,
    Evaluate,
    apply_moves,
    choose,
    major_first,
    with_angles,
)

REACH_MM = 0.6  # centres tried up to this far from the prediction, along x and y
STEP_MM = 0.2  # grid step of those centres
KEPT_CENTRES = 5  # centres per seed refined beyond the first round
MIN_FLATTENING = 0.1  # minor / major: a vein pressed to a slit is still followed
SHAPE_STEP = 1.25  # first-round factor on a and b (then its square root each round)
ANGLE_STEP_DEG = 15.0  # first-round turn (then halved each round)


def _base_params(
    cx: np.ndarray,
    cy: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    angle: np.ndarray,
    cap: np.ndarray | float,
) -> np.ndarray:
    params = np.zeros((cx.size, PARAMS), np.float32)
    params[:, 0], params[:, 1] = cx, cy
    params[:, 2], params[:, 3], params[:, 4] = a, b, angle
    params[:, 5] = ANGLE_STEP_DEG
    params[:, 6] = SHAPE_STEP
    params[:, 7] = cap
    return params


def edge_strength(ellipses: np.ndarray, evaluate: Evaluate) -> np.ndarray:
    """Mean edge step (grey levels, uncapped) over the outlines of `ellipses` (N, 5: cx, cy,
    a, b, angle in full-resolution px)."""
    if len(ellipses) == 0:
        return np.zeros(0, np.float32)
    e = np.asarray(ellipses, np.float32)
    params = _base_params(*e.T, cap=np.inf)
    return evaluate(with_angles(params))[:, UNCHANGED]


def follow(
    plan: SearchPlan,
    seeds: np.ndarray,
    references: np.ndarray,
    largest: np.ndarray,
    evaluate: Evaluate,
) -> tuple[np.ndarray, np.ndarray]:
    """Ellipses near each seed: ((N, M, 5) cx, cy, a, b, angle with a >= b; (N, M) edge
    strength) for the M = KEPT_CENTRES centres whose first round fitted best.

    seeds: (N, 5) predicted ellipses in full-resolution px. references: (N,) each seed's
    uncapped edge strength when it was last detected, which sets its cap. largest: (N, 2) the
    largest semi-axis and mean radius (px) each may take: a followed vessel may be pressed
    flat, not grow (once it refills, the classifier finds it again).
    """
    seeds = np.asarray(seeds, np.float64)
    if len(seeds) == 0:
        return np.zeros((0, KEPT_CENTRES, 5)), np.zeros((0, KEPT_CENTRES))
    row_mm, col_mm = plan.spacing_mm
    reach = np.arange(-REACH_MM, REACH_MM + 1e-9, STEP_MM)
    dx, dy = (g.ravel() for g in np.meshgrid(reach / col_mm, reach / row_mm, indexing="xy"))
    per_seed = dx.size
    caps = REFINE_CAP_FACTOR * np.maximum(references, plan.preset.edge_cap)
    tiled = np.repeat(seeds, per_seed, axis=0)
    limits = np.repeat(np.asarray(largest, np.float32), per_seed, axis=0)
    params = _base_params(
        tiled[:, 0] + np.tile(dx, len(seeds)),
        tiled[:, 1] + np.tile(dy, len(seeds)),
        tiled[:, 2],
        tiled[:, 3],
        tiled[:, 4],
        np.repeat(caps, per_seed),
    )
    fitness = np.zeros(len(params), np.float32)
    for round_index in range(REFINE_ROUNDS):
        variants = evaluate(with_angles(params))
        chosen = choose(variants)
        fitness = variants[np.arange(len(params)), chosen]
        params[:, 2:5] = _bounded(apply_moves(params, MOVES[chosen]), limits)
        params[:, 5] *= 0.5
        params[:, 6] = np.sqrt(params[:, 6])
        if round_index == 0:  # only the most promising centres go on (the cost is per variant)
            kept = _best_per_seed(fitness, len(seeds), KEPT_CENTRES)
            params, limits, fitness = params[kept], limits[kept], fitness[kept]
    found = params[:, :5].astype(np.float64)
    found[:, 2], found[:, 3], found[:, 4] = major_first(found[:, 2], found[:, 3], found[:, 4])
    shape = (len(seeds), -1)
    return found.reshape(*shape, 5), fitness.astype(np.float64).reshape(shape)


def _best_per_seed(fitness: np.ndarray, seeds: int, count: int) -> np.ndarray:
    """Row indices of the `count` fittest centres of every seed, seed by seed."""
    per_seed = fitness.reshape(seeds, -1)
    count = min(count, per_seed.shape[1])
    best = np.argsort(-per_seed, axis=1, kind="stable")[:, :count]
    return (best + np.arange(seeds)[:, None] * per_seed.shape[1]).ravel()


def _bounded(shape: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Keep each variant within its limits (largest semi-axis, largest mean radius), no flatter
    than MIN_FLATTENING and at least a pixel across: pressing shortens the minor axis."""
    a = np.clip(shape[:, 0], 1.0, limits[:, 0])
    b = np.clip(shape[:, 1], 1.0, limits[:, 0])
    area = limits[:, 1] ** 2
    a = np.where((a * b > area) & (a <= b), area / b, a)
    b = np.where((a * b > area) & (b < a), area / a, b)
    a = np.maximum(a, b * MIN_FLATTENING)
    b = np.maximum(b, a * MIN_FLATTENING)
    return np.stack([a, b, shape[:, 2]], axis=1).astype(np.float32)


def wall_contrast(pixels: np.ndarray, ellipse: np.ndarray, wall_px: float) -> float:
    """(outside - inside) / outside of the mean intensity: inside the ellipse against a ring
    `wall_px` wide around it (the method's wall test, on the raw frame)."""
    cx, cy, a, b, angle = (float(v) for v in ellipse)
    reach = int(np.ceil(max(a, b) + wall_px + 2))
    rows, cols = pixels.shape
    x0, y0 = max(int(cx) - reach, 0), max(int(cy) - reach, 0)
    x1, y1 = min(int(cx) + reach + 1, cols), min(int(cy) + reach + 1, rows)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    roi = pixels[y0:y1, x0:x1].astype(np.float32)
    centre = (cx - x0, cy - y0)
    inner = np.zeros(roi.shape, np.uint8)
    outer = np.zeros(roi.shape, np.uint8)
    cv2.ellipse(inner, (centre, (2 * a, 2 * b), angle), 1, -1)
    cv2.ellipse(outer, (centre, (2 * (a + wall_px), 2 * (b + wall_px)), angle), 1, -1)
    ring = (outer > 0) & (inner == 0)
    if not inner.any() or not ring.any():
        return 0.0
    outside = float(roi[ring].mean())
    return (outside - float(roi[inner > 0].mean())) / max(outside, 1e-6)
