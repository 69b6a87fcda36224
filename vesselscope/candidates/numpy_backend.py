"""The NumPy backend: the reference implementation, also the fallback without OpenCL."""

from __future__ import annotations

import numpy as np

from vesselscope.candidates import reference_refine
from vesselscope.candidates.plan import REFINE_SAMPLES, SearchPlan
from vesselscope.candidates.reference_fit import fit_level
from vesselscope.candidates.reference_gradient import (
    bin_image,
    gradient_images,
    live_image,
)
from vesselscope.candidates.selection import LevelResult


def level_images(plan: SearchPlan, image: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """(intensity, gx, gy, live) padded, per level: what the fit reads."""
    images = []
    values, live = live_image(image)
    for level in plan.levels:
        bins = (level.bin_rows, level.bin_cols) if level.index == 0 else (2, 2)
        values, live = bin_image(values, *bins), bin_image(live, *bins)
        taps, gain = plan.level_taps, plan.level_gain
        images.append(gradient_images(values, live, taps, gain, level.pad, level.cols_padded))
    return images


class NumPyBackend:
    name = "NumPy reference"

    def __init__(self) -> None:
        self._full: tuple[np.ndarray, ...] = ()
        self._refine_min_in_view = REFINE_SAMPLES  # the plan's, once prepare_refine ran

    def levels(self, plan: SearchPlan, image: np.ndarray) -> list[LevelResult]:
        results = []
        for level, images in zip(plan.levels, level_images(plan, image), strict=True):
            results.append(fit_level(level, plan.preset.edge_cap, *images))
        return results

    def prepare_refine(self, plan: SearchPlan, image: np.ndarray) -> None:
        values, live = live_image(image)
        taps, gain = plan.refine_taps, plan.refine_gain
        self._full = gradient_images(values, live, taps, gain, 0, image.shape[1])
        self._refine_min_in_view = plan.refine_min_in_view

    def evaluate(self, params: np.ndarray) -> np.ndarray:
        _, gx, gy, _ = self._full
        return reference_refine.evaluate_variants(gx, gy, params, self._refine_min_in_view)

    def fit_seconds(self) -> None:
        return None  # wall-clock only: no device counters

    def gather_seconds(self, plan: SearchPlan) -> None:
        return None
