"""One outline per vessel: accepted detections that outline the same vessel twice become one.

The candidate search keeps a much smaller ellipse inside a larger one (it may be the true lumen
that an off-centre fit swallowed), and the classifier may accept both. Shown together they are
two outlines of one vessel: on still images, where no tracker merges them, 42 of the 70 false
positives of the cross-validated usgra-seg evaluation had their centre inside a true vessel.
Of two accepted detections where either centre lies inside the other, the larger is kept: it
outlines the whole lumen, the smaller only part of it.
"""

from __future__ import annotations

from vesselscope.detection.results import Vessel


def one_per_vessel(accepted: list[Vessel]) -> tuple[list[Vessel], list[Vessel]]:
    """(kept, dropped): the largest of every group of nested detections is kept."""
    kept: list[Vessel] = []
    dropped: list[Vessel] = []
    for vessel in sorted(accepted, key=lambda v: v.a * v.b, reverse=True):
        nested = any(k.contains(vessel.cx, vessel.cy) or vessel.contains(k.cx, k.cy) for k in kept)
        (dropped if nested else kept).append(vessel)
    return kept, dropped
