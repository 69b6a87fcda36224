"""The search plan of one frame geometry: levels, shapes and tables, built once and reused.

Cost control. Each level is the frame binned to a working resolution chosen in mm, so that the
level's radii span 3-6 level pixels: level 0 carries the smallest octave of radii, each next
level halves the resolution and doubles the radii (a preset may move the shapes too thin for
their own level one level finer). Every level costs about the same samples per centre and has
4x fewer centres than the one before; the count of centres follows the field of view in mm, not
the pixel count. Winners are then refined at full resolution (refine.py): a cost per winner,
plus one smoothing pass over the frame that grows only linearly with pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vesselscope.candidates.presets import CandidatePreset
from vesselscope.candidates.tables import ShapeTables, build_tables

PX_AT_MIN_RADIUS = 3.0  # level-0 pixels across the smallest radius: enough for a gradient ring
LEVEL_SAMPLES = 16  # outline samples per ellipse at a level (radii 3-6 px: one per ~1.5 px)
LEVEL_SIGMA_PX = 1.0  # smoothing at every level, in that level's pixels
LANES = 8  # centre columns are padded to a multiple of this (the kernel's vector width)
REFINE_SAMPLES = 64
REFINE_ROUNDS = 4
# The refinement caps each sample's edge step at this many times the winner's own mean step
# (at least the preset's edge_cap): enough to localise a wall (on simulated cines the radius
# error fell from 0.20 mm uncapped to 0.14 mm), too little for one strong echo to drag the
# outline onto it, and never so low that a high-contrast wall saturates all around.
REFINE_CAP_FACTOR = 2.0
REFERENCE_FLATTENING = 0.72  # the flattest shape that keeps a preset's orientation step


def gaussian_taps(sigma_px: float) -> np.ndarray:
    radius = max(1, math.ceil(3.0 * sigma_px))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    taps = np.exp(-0.5 * (x / sigma_px) ** 2)
    return (taps / taps.sum()).astype(np.float32)


def edge_gain(sigma_px: float) -> float:
    """Scale making the central difference of a Gaussian-smoothed step equal the step height.

    So fitness reads as "mean grey-level step across the outline" at every level and at full
    resolution, and one threshold fits them all.
    """
    return 1.0 / math.erf(1.0 / (sigma_px * math.sqrt(2.0)))


@dataclass(frozen=True)
class LevelPlan:
    index: int
    bin_rows: int  # full-resolution pixels per level pixel, along rows and columns
    bin_cols: int
    rows: int
    cols: int
    spacing_mm: float  # size of a level pixel (geometric mean of the two axes)
    tables: ShapeTables
    weights: np.ndarray  # (K,) float32: size prior / samples, per shape
    pad: int  # border of the padded level images, >= the tables' reach
    # outline samples that must lie in the image for an outline running off it to be scored by
    # those alone (the preset's min_in_view); the table's sample count: whole outlines only
    min_in_view: int
    cols_padded: int  # centre columns rounded up to LANES
    first_row: int  # centre rows searched: [first_row, last_row)
    last_row: int

    @property
    def stride(self) -> int:
        return self.pad + self.cols_padded + self.pad

    @property
    def padded_rows(self) -> int:
        return self.pad + self.rows + self.pad

    @property
    def window_rows(self) -> int:
        return self.last_row - self.first_row

    @property
    def samples_per_frame(self) -> int:
        return self.window_rows * self.cols * self.tables.count * self.tables.samples

    def to_full(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Level pixel indices -> full-resolution (x, y) of the pixel centre."""
        return (cols + 0.5) * self.bin_cols - 0.5, (rows + 0.5) * self.bin_rows - 0.5


@dataclass(frozen=True)
class SearchPlan:
    preset: CandidatePreset
    shape: tuple[int, int]
    spacing_mm: tuple[float, float]
    levels: tuple[LevelPlan, ...]
    level_taps: np.ndarray
    level_gain: float
    refine_taps: np.ndarray
    refine_gain: float
    # the refinement's counterpart of LevelPlan.min_in_view, out of REFINE_SAMPLES
    refine_min_in_view: int
    radius_step: float  # ratio between consecutive radii

    @property
    def samples_per_frame(self) -> int:
        return sum(level.samples_per_frame for level in self.levels)


def angle_step(flattening: np.ndarray | float, step_deg: float) -> np.ndarray:
    """Degrees between the orientations tried for a shape of this minor/major ratio.

    `step_deg` down to the 0.72 shape, then finer in proportion to the flattening, rounded so
    that the steps divide 180 evenly: 45 gives 4 orientations at 0.72, 6 at 0.52, 8 at 0.38
    and 11 at 0.27. Turning an ellipse moves its ends across the outline by about a x the
    turn, which must stay small against b: the misfit of a turn stays that of the 0.72 shape.
    """
    s = np.minimum(np.asarray(flattening, np.float64), REFERENCE_FLATTENING)
    wanted = step_deg * s / REFERENCE_FLATTENING
    # the slack keeps a ratio that float rounding put a hair under 0.72 at 4 orientations
    return 180.0 / np.ceil(180.0 / wanted - 1e-3)


ShapeSpec = tuple[float, float, float]  # mean radius in mm, flattening (b / a), angle in degrees


def _shape_specs(preset: CandidatePreset, radii_mm: list[float]) -> list[ShapeSpec]:
    specs = []
    for radius in radii_mm:
        for s in preset.flattenings:
            step = float(angle_step(s, preset.angle_step_deg))
            for angle in [0.0] if s >= 1.0 else np.arange(round(180.0 / step)) * step:
                specs.append((radius, s, float(angle)))
    return specs


def _level_shapes(specs: list[ShapeSpec], spacing: float) -> np.ndarray:
    """(K, 3) a, b, angle in pixels of a level of this spacing."""
    shapes = [
        (r / spacing / math.sqrt(s), r / spacing * math.sqrt(s), angle) for r, s, angle in specs
    ]
    return np.array(shapes, dtype=np.float64).reshape(-1, 3)


def _level_plan(
    preset: CandidatePreset,
    index: int,
    bins: tuple[int, int],
    specs: list[ShapeSpec],
    shape: tuple[int, int],
    spacing_mm: tuple[float, float],
    moved: int,
) -> LevelPlan:
    (bin_rows, bin_cols), (rows, cols) = bins, shape
    spacing = _level_spacing(bins, spacing_mm)
    shapes = _level_shapes(specs, spacing)
    tables = build_tables(shapes, LEVEL_SAMPLES, wall_px=max(1.0, preset.wall_mm / spacing))
    radius_mm = np.sqrt(shapes[:, 0] * shapes[:, 1]) * spacing
    # the last `moved` shapes came from the next coarser level (build_plan)
    origin = np.r_[np.ones(len(specs) - moved), np.full(moved, preset.finer_level_weight)]
    centre_y = (np.arange(rows // bin_rows) + 0.5) * bin_rows - 0.5  # in full-resolution rows
    searched = np.flatnonzero(
        (centre_y >= preset.skin_mm / spacing_mm[0]) & (centre_y <= preset.max_depth * (rows - 1))
    )
    first, last = (int(searched[0]), int(searched[-1]) + 1) if searched.size else (0, 0)
    return LevelPlan(
        index=index,
        bin_rows=bin_rows,
        bin_cols=bin_cols,
        rows=rows // bin_rows,
        cols=cols // bin_cols,
        spacing_mm=spacing,
        tables=tables,
        weights=(radius_mm**preset.size_prior * origin / LEVEL_SAMPLES).astype(np.float32),
        pad=tables.reach + 1,
        min_in_view=math.ceil(preset.min_in_view * LEVEL_SAMPLES),
        cols_padded=-(-(cols // bin_cols) // LANES) * LANES,
        first_row=first,
        last_row=last,
    )


def _level_spacing(bins: tuple[int, int], spacing_mm: tuple[float, float]) -> float:
    """Size of a level pixel in mm (geometric mean of the two axes)."""
    return math.sqrt(bins[0] * spacing_mm[0] * bins[1] * spacing_mm[1])


def build_plan(
    preset: CandidatePreset, shape: tuple[int, int], spacing_mm: tuple[float, float]
) -> SearchPlan:
    rows, cols = shape
    spacing_row, spacing_col = spacing_mm
    low, high = preset.radius_mm
    step = 2.0 ** (1.0 / preset.radii_per_octave)
    count = int(math.floor(math.log(high / low, step) + 0.5)) + 1  # up to high, within half a step
    radii = [low * step**i for i in range(count)]
    # Level pixels as square in mm as whole bins allow: the coarser axis is binned to the
    # target, the finer one by the ratio of the spacings (0.1 x 0.05 mm pixels: 3 x 6 bins,
    # not 3 x 7 as rounding each axis to the target would give).
    target = low / PX_AT_MIN_RADIUS
    coarse, fine = max(spacing_row, spacing_col), min(spacing_row, spacing_col)
    coarse_bins = max(1, round(target / coarse))
    fine_bins = max(1, round(coarse_bins * coarse / fine))
    base_rows, base_cols = (
        (coarse_bins, fine_bins) if spacing_row >= spacing_col else (fine_bins, coarse_bins)
    )
    bins = []
    for index in range(math.ceil(count / preset.radii_per_octave)):
        level_bins = (base_rows << index, base_cols << index)
        if rows // level_bins[0] < 1 or cols // level_bins[1] < 1:
            break  # the frame is smaller than one pixel of this level: no larger radii fit
        bins.append(level_bins)
    per_octave = preset.radii_per_octave
    specs = [
        _shape_specs(preset, radii[i * per_octave : (i + 1) * per_octave]) for i in range(len(bins))
    ]
    # A shape too thin for its own level (its width lost in the level's smoothing) is searched
    # one level finer, where its width is resolved; level 0 keeps its own.
    moved = [0] * len(bins)
    for index in range(1, len(bins)):
        spacing = _level_spacing(bins[index], spacing_mm)
        thin = [
            (r, s, angle)
            for r, s, angle in specs[index]
            if r * math.sqrt(s) / spacing < preset.min_minor_px
        ]
        specs[index] = [spec for spec in specs[index] if spec not in thin]
        specs[index - 1] = specs[index - 1] + thin
        moved[index - 1] = len(thin)
    levels = [
        _level_plan(preset, index, level_bins, specs[index], shape, spacing_mm, moved[index])
        for index, level_bins in enumerate(bins)
    ]
    mean_spacing = math.sqrt(spacing_row * spacing_col)
    refine_sigma = max(0.7, preset.refine_sigma_mm / mean_spacing)
    return SearchPlan(
        preset=preset,
        shape=(rows, cols),
        spacing_mm=(spacing_row, spacing_col),
        levels=tuple(levels),
        level_taps=gaussian_taps(LEVEL_SIGMA_PX),
        level_gain=edge_gain(LEVEL_SIGMA_PX),
        refine_taps=gaussian_taps(refine_sigma),
        refine_gain=edge_gain(refine_sigma),
        refine_min_in_view=math.ceil(preset.min_in_view * REFINE_SAMPLES),
        radius_step=step,
    )
