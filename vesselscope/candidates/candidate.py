"""Candidate: one ellipse the search proposes as a vessel lumen, in pixels and millimetres."""

from __future__ import annotations

from dataclasses import dataclass

from vesselscope.geometry import EllipseInMillimetres


@dataclass(frozen=True)
class Candidate(EllipseInMillimetres):
    """A proposed lumen: an ellipse in full-resolution pixels of the frame, with its scores.

    Ellipse as cv2.ellipse and vesselscope.annotations: centre (cx, cy) with x = column and
    y = row (pixel centres at integers), semi-axis `a` along angle_deg (from +x towards +y),
    `b` across it; here a >= b and angle_deg is in (-90, 90].
    fitness: the search's score, higher is more vessel-like: the mean grey-level step across
      the outline (dark inside, bright outside; each sample capped at the preset's edge_cap),
      times sqrt(mean radius in mm), times the wall contrast clipped to [0, 1].
    wall_contrast: (outside - inside) / outside of the smoothed intensity; the method's wall test.
    Both are measured at the working resolution the candidate was found at; the geometry is
    refined at full resolution.
    """

    cx: float
    cy: float
    a: float
    b: float
    angle_deg: float
    fitness: float
    wall_contrast: float
    spacing_mm: tuple[float, float]  # (row, col) mm per pixel of the frame searched
