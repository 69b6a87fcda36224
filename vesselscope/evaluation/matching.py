"""Detections against truth: optimal one-to-one assignment by centre distance in mm."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from vesselscope.detection.results import Vessel
from vesselscope.evaluation.truth import TruthVessel, ellipse_mask
from vesselscope.geometry import mm_per_px_along


@dataclass(frozen=True)
class Match:
    detection: Vessel
    truth: TruthVessel
    centre_error_mm: float
    a_error_mm: float  # |detected - true| major semi-axis
    b_error_mm: float  # |detected - true| minor semi-axis
    dice: float  # detected ellipse against the true region


@dataclass(frozen=True)
class FrameMatch:
    matches: list[Match]
    false_positives: list[Vessel]
    missed: list[TruthVessel]


def match_frame(
    detections: list[Vessel],
    truths: list[TruthVessel],
    spacing: tuple[float, float],
    max_distance_mm: float,
    *,
    measure_shape: bool = True,
) -> FrameMatch:
    """Pairs within max_distance_mm, by optimal assignment; `measure_shape=False` skips the
    semi-axis and Dice measurements (for threshold sweeps, which only count)."""
    row_mm, col_mm = spacing
    if not detections or not truths:
        return FrameMatch([], list(detections), list(truths))
    det = np.array([(d.cx * col_mm, d.cy * row_mm) for d in detections])
    true = np.array([(t.ellipse.cx * col_mm, t.ellipse.cy * row_mm) for t in truths])
    cost = np.linalg.norm(det[:, None, :] - true[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(cost)
    matches = []
    for r, c in zip(rows, cols, strict=True):
        if cost[r, c] <= max_distance_mm:
            distance = float(cost[r, c])
            if measure_shape:
                matches.append(_measure(detections[r], truths[c], distance, spacing))
            else:
                matches.append(Match(detections[r], truths[c], distance, 0.0, 0.0, 0.0))
    matched_d = {id(m.detection) for m in matches}
    matched_t = {id(m.truth) for m in matches}
    return FrameMatch(
        matches,
        [d for d in detections if id(d) not in matched_d],
        [t for t in truths if id(t) not in matched_t],
    )


def _measure(det: Vessel, truth: TruthVessel, distance: float, spacing: tuple) -> Match:
    # semi-axes compared in mm, each along its own direction (pixels need not be square)
    e = truth.ellipse
    true_a = e.a * mm_per_px_along(e.angle_deg, spacing)
    true_b = e.b * mm_per_px_along(e.angle_deg + 90.0, spacing)
    true_major, true_minor = max(true_a, true_b), min(true_a, true_b)
    detected = ellipse_mask(det, truth.region.shape)
    overlap = np.logical_and(detected, truth.region).sum()
    dice = 2.0 * overlap / (detected.sum() + truth.region.sum())
    return Match(
        detection=det,
        truth=truth,
        centre_error_mm=distance,
        a_error_mm=abs(max(det.a_mm, det.b_mm) - true_major),
        b_error_mm=abs(min(det.a_mm, det.b_mm) - true_minor),
        dice=float(dice),
    )


def inside_any(vessel: Vessel, truths: list[TruthVessel]) -> bool:
    """Whether the vessel's centre lies in a true region: the label of a candidate crop."""
    col, row = round(vessel.cx), round(vessel.cy)
    for truth in truths:
        rows, cols = truth.region.shape
        if 0 <= row < rows and 0 <= col < cols and truth.region[row, col]:
            return True
    return False
