"""The tracker's Follower for one frame: outlines measured by the candidate search's edges."""

from __future__ import annotations

import numpy as np

from vesselscope.candidates import CandidateSearch
from vesselscope.detection.results import Vessel
from vesselscope.frame import Frame

# A followed outline must keep this share of the edge strength its track had when last
# detected, and pass the search's wall test: weaker, it has most likely slid off the vessel.
MIN_STRENGTH_SHARE = 0.5
# Pressed, a vein widens a little as it flattens; its area does not grow (see follow.py).
MAX_GROWTH = 1.3


class EdgeFollower:
    def __init__(self, search: CandidateSearch, frame: Frame) -> None:
        self._search = search
        self._frame = frame

    def strengths(self, vessels: list[Vessel]) -> list[float]:
        if not vessels:
            return []
        return [float(s) for s in self._search.edge_strength(self._frame, _ellipses(vessels))]

    def follow(
        self, predicted: list[Vessel], detected: list[Vessel], references: list[float]
    ) -> list[Vessel | None]:
        largest = np.array([(v.a * MAX_GROWTH, np.sqrt(v.a * v.b)) for v in detected])
        found = self._search.follow(
            self._frame, _ellipses(predicted), np.asarray(references), largest
        )
        min_contrast = self._search.preset.min_wall_contrast
        outlines: list[Vessel | None] = []
        for guess, reference, (ellipse, strength, contrast) in zip(
            predicted, references, found, strict=True
        ):
            holds = strength >= MIN_STRENGTH_SHARE * reference and contrast >= min_contrast
            outlines.append(_outline(guess, ellipse) if holds else None)
        return outlines


def _ellipses(vessels: list[Vessel]) -> np.ndarray:
    return np.array([(v.cx, v.cy, v.a, v.b, v.angle_deg) for v in vessels], np.float64)


def _outline(guess: Vessel, ellipse: np.ndarray) -> Vessel:
    cx, cy, a, b, angle = (float(v) for v in ellipse)
    return Vessel(
        cx=cx, cy=cy, a=a, b=b, angle_deg=angle, score=guess.score, spacing_mm=guess.spacing_mm
    )
