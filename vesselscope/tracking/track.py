"""One tracked vessel: its Kalman filter, detection history and recent shape for labelling."""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from vesselscope.detection.results import Vessel
from vesselscope.geometry import mm_per_px_along
from vesselscope.tracking.artery_vein import label_track
from vesselscope.tracking.kalman import VesselKalman

HISTORY_S = 4.0  # how much shape history the artery/vein label looks at


class Track:
    def __init__(self, serial: int, detection: Vessel, time_s: float, window: int) -> None:
        self.serial = serial  # creation order, for ties; every track has one
        self.id: int | None = None  # the number users see, given on confirmation
        self.kalman = VesselKalman(_measurement(detection))
        self.hits: deque[bool] = deque([True], maxlen=window)
        self.total_hits = 1
        self.confirmed = False
        self.missed = 0
        self.last = detection
        self.followed = 0  # frames in a row kept by following edges alone (see follow.py)
        self.weak = False  # its latest hit scored below the threshold (the tracker's keep_score)
        self.edge_reference = 0.0  # edge strength of its latest detection, for following
        self._angle = _doubled(detection.angle_deg)
        self._shape: deque[tuple[float, float, float]] = deque()
        self._remember(time_s, detection)

    def predict(self, dt: float) -> tuple[float, float]:
        self.kalman.predict(dt)
        return self.kalman.centre

    def hit(self, detection: Vessel, time_s: float, weak: bool = False) -> None:
        self._measure(detection, time_s)
        self.hits.append(True)
        self.total_hits += 1
        self.followed = 0
        self.weak = weak
        self.last = detection

    def follow(self, outline: Vessel, time_s: float) -> None:
        """The vessel was found again by its edges alone: the filter and the shape history take
        the outline; the classifier's score and the confirmation history stay as they were."""
        self._measure(outline, time_s)
        self.followed += 1

    def _measure(self, outline: Vessel, time_s: float) -> None:
        self.kalman.update(_measurement(outline))
        self.missed = 0
        # Smooth the angle as a doubled-angle vector: 179 and -179 degrees are the same ellipse.
        self._angle = 0.7 * self._angle + 0.3 * _doubled(outline.angle_deg)
        self._remember(time_s, outline)

    def predicted(self, spacing: tuple[float, float]) -> Vessel:
        """The filter's current estimate as an outline, unlabelled (no history look-up)."""
        return self._outline(spacing, "unknown", 0.0)

    def miss(self) -> None:
        self.hits.append(False)
        self.missed += 1

    def _remember(self, time_s: float, detection: Vessel) -> None:
        self._shape.append((time_s, detection.a_mm, detection.b_mm))
        while self._shape and time_s - self._shape[0][0] > HISTORY_S:
            self._shape.popleft()

    def label(self) -> tuple[str, float]:
        times, a, b = (np.array(column) for column in zip(*self._shape, strict=True))
        return label_track(times, a, b)

    def as_vessel(self, spacing: tuple[float, float]) -> Vessel:
        """The filtered estimate in the current frame's pixels."""
        return self._outline(spacing, *self.label())

    def _outline(self, spacing: tuple[float, float], label: str, confidence: float) -> Vessel:
        cx_mm, cy_mm = self.kalman.centre
        a_mm, b_mm = self.kalman.axes
        angle = math.degrees(math.atan2(self._angle.imag, self._angle.real)) / 2
        row, col = spacing
        # Semi-axes back to pixels along their own directions.
        a_px = a_mm / mm_per_px_along(angle, spacing)
        b_px = b_mm / mm_per_px_along(angle + 90.0, spacing)
        return Vessel(
            cx=cx_mm / col,
            cy=cy_mm / row,
            a=max(a_px, 0.5),
            b=max(b_px, 0.5),
            angle_deg=angle,
            score=self.last.score,
            spacing_mm=spacing,
            track_id=self.id,
            label=label,
            label_confidence=confidence,
            fitness=self.last.fitness,
            state=self._state(),
        )

    def _state(self) -> str:
        if self.missed:
            return "predicted"
        if self.followed:
            return "followed"
        return "kept" if self.weak else "detected"


def _measurement(vessel: Vessel) -> np.ndarray:
    return np.array([vessel.cx_mm, vessel.cy_mm, vessel.a_mm, vessel.b_mm])


def _doubled(angle_deg: float) -> complex:
    return complex(math.cos(math.radians(2 * angle_deg)), math.sin(math.radians(2 * angle_deg)))
