"""Label a candidate by its overlap with the true vessel regions of its frame.

positive (1): the candidate's centre lies inside a true vessel region and its ellipse overlaps
  that region with IoU >= POSITIVE_IOU: the crop shows that vessel, centred and at its scale.
negative (0): the centre lies outside every vessel and at most NEGATIVE_COVERAGE of the ellipse
  covers vessel pixels: the crop is about something else (nerve, tendon, fat, shadow, noise).
ambiguous (-1): everything between (a small ellipse inside a large vein, an ellipse spanning a
  vessel and its surroundings, one straddling a vessel's edge). Kept in the dataset for
  inspection but never trained or scored on, as the method's labels were clear-cut too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
from vesselscope.annotations import EllipseAnnotation
from vesselscope.classifier import Ellipse

POSITIVE_IOU = 0.4
NEGATIVE_COVERAGE = 0.1
POSITIVE, NEGATIVE, AMBIGUOUS = 1, 0, -1


@dataclass(frozen=True)
class Overlap:
    iou: float  # with the region holding the centre, else with the most overlapped region
    coverage: float  # share of the candidate ellipse on vessel pixels
    centre_inside: bool

    @property
    def label(self) -> int:
        if self.centre_inside and self.iou >= POSITIVE_IOU:
            return POSITIVE
        if not self.centre_inside and self.coverage <= NEGATIVE_COVERAGE:
            return NEGATIVE
        return AMBIGUOUS


def ellipse_mask(shape: tuple[int, int], ellipse: Ellipse, angle_deg: float) -> np.ndarray:
    canvas = np.zeros(shape, np.uint8)
    axes = (2.0 * float(ellipse.a), 2.0 * float(ellipse.b))
    cv2.ellipse(canvas, ((float(ellipse.cx), float(ellipse.cy)), axes, float(angle_deg)), 1, -1)
    return canvas.astype(bool)


def truth_regions(shape: tuple[int, int], vessels: Iterable[EllipseAnnotation]) -> np.ndarray:
    """The simulator's truth ellipses as int32 region labels 1..N (0 = not vessel)."""
    canvas = np.zeros(shape, np.int32)
    for number, vessel in enumerate(vessels, start=1):
        canvas[ellipse_mask(shape, vessel, vessel.angle_deg)] = number
    return canvas


def overlap(regions: np.ndarray, ellipse: Ellipse, angle_deg: float) -> Overlap:
    """How the filled `ellipse` meets the labelled vessel `regions` of its frame."""
    inside = ellipse_mask(regions.shape, ellipse, angle_deg)
    area = int(inside.sum())
    if area == 0:  # an ellipse wholly outside the frame
        return Overlap(0.0, 0.0, False)
    rows, cols = regions.shape
    x, y = int(round(float(ellipse.cx))), int(round(float(ellipse.cy)))
    centre_region = int(regions[y, x]) if 0 <= x < cols and 0 <= y < rows else 0
    hits = regions[inside]
    coverage = float(np.count_nonzero(hits)) / area
    if centre_region:
        target = centre_region
    elif np.any(hits):
        target = int(np.bincount(hits[hits > 0]).argmax())
    else:
        return Overlap(0.0, coverage, False)
    shared = int(np.count_nonzero(hits == target))
    union = area + int(np.count_nonzero(regions == target)) - shared
    return Overlap(shared / union, coverage, centre_region > 0)
