"""The detector's output contract (DESIGN.md): Vessel and FrameResult, plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field

from vesselscope.frame import Spacing
from vesselscope.geometry import EllipseInMillimetres

LABELS = ("artery", "vein", "unknown")
# What placed a shown vessel's outline in this frame: a candidate the classifier accepted
# ("detected"), one it scored below the threshold that keeps a confirmed vessel ("kept", the
# tracker's hysteresis), the vessel's own edges near where it was ("followed", see
# candidates/follow.py), or only the tracker's prediction ("predicted", for a few missed
# frames). A clinician must be able to tell an outline held by edges, a low score or a
# prediction from one the classifier confirmed in this very frame.
STATES = ("detected", "kept", "followed", "predicted")


@dataclass(frozen=True)
class Vessel(EllipseInMillimetres):
    """An ellipse in the frame's pixels (the annotations' convention: x = column, angle from +x
    towards +y, a along the angle, b across), with millimetre views via the frame's spacing.

    score: P(vessel) from the classifier for a candidate; for a tracked vessel the score of its
    latest detection. track_id is None for untracked candidates. label is artery, vein or
    unknown, with label_confidence in [0, 1]. state: see STATES.
    """

    cx: float
    cy: float
    a: float
    b: float
    angle_deg: float
    score: float
    spacing_mm: Spacing
    track_id: int | None = None
    label: str = "unknown"
    label_confidence: float = 0.0
    fitness: float = 0.0  # the candidate search's own score, kept for analysis
    state: str = "detected"

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"label must be one of {LABELS}, got {self.label!r}")
        if self.state not in STATES:
            raise ValueError(f"state must be one of {STATES}, got {self.state!r}")

    def to_json(self) -> dict:
        return {
            "cx": round(self.cx, 3),
            "cy": round(self.cy, 3),
            "a": round(self.a, 3),
            "b": round(self.b, 3),
            "angle_deg": round(self.angle_deg, 2),
            "cx_mm": round(self.cx_mm, 3),
            "cy_mm": round(self.cy_mm, 3),
            "a_mm": round(self.a_mm, 3),
            "b_mm": round(self.b_mm, 3),
            "score": round(self.score, 4),
            "track": self.track_id,
            "label": self.label,
            "label_confidence": round(self.label_confidence, 3),
            "state": self.state,
        }


@dataclass(frozen=True)
class FrameResult:
    """What the detector made of one frame.

    vessels: the accepted, tracked vessels shown to the user.
    candidates: every candidate the classifier scored this frame (accepted or not), best first;
      `rejected` are those under the decision threshold (for debugging and training).
    timings_ms: milliseconds per stage ("candidates", "classifier", "tracker", "total").
    """

    frame_index: int
    timestamp_s: float
    vessels: tuple[Vessel, ...]
    candidates: tuple[Vessel, ...] = ()
    threshold: float = 0.5
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def rejected(self) -> tuple[Vessel, ...]:
        return tuple(c for c in self.candidates if c.score < self.threshold)

    def _candidate_json(self, candidate: Vessel) -> dict:
        """A candidate is no tracked vessel: its score and whether it passed the threshold,
        without the track, label and state a vessel shown has (a rejected one read
        "state": "detected")."""
        fields = candidate.to_json()
        for vessel_only in ("track", "label", "label_confidence", "state"):
            del fields[vessel_only]
        return {**fields, "accepted": candidate.score >= self.threshold}

    def to_json(self) -> dict:
        return {
            "frame": self.frame_index,
            "timestamp_s": round(self.timestamp_s, 6),
            "vessels": [v.to_json() for v in self.vessels],
            "candidates": [self._candidate_json(c) for c in self.candidates],
            "threshold": self.threshold,
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
        }
