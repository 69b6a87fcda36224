"""Ellipses in pixels measured in millimetres, for pixels that need not be square."""

from __future__ import annotations

import math

from vesselscope.frame import Spacing


def mm_per_px_along(angle_deg: float, spacing: Spacing) -> float:
    """Millimetres per pixel along a direction (from +x towards +y, as cv2.ellipse)."""
    theta = math.radians(angle_deg)
    row, col = spacing
    return math.hypot(math.cos(theta) * col, math.sin(theta) * row)


class EllipseInMillimetres:
    """Adds mm views to a class with cx, cy, a, b, angle_deg (pixels) and spacing_mm."""

    cx: float
    cy: float
    a: float
    b: float
    angle_deg: float
    spacing_mm: Spacing

    @property
    def cx_mm(self) -> float:
        return self.cx * self.spacing_mm[1]

    @property
    def cy_mm(self) -> float:
        return self.cy * self.spacing_mm[0]

    @property
    def a_mm(self) -> float:
        return self.a * mm_per_px_along(self.angle_deg, self.spacing_mm)

    @property
    def b_mm(self) -> float:
        return self.b * mm_per_px_along(self.angle_deg + 90.0, self.spacing_mm)

    def contains(self, x: float, y: float) -> bool:
        """Whether the pixel position (x, y) lies inside this ellipse (its outline included)."""
        theta = math.radians(self.angle_deg)
        dx, dy = x - self.cx, y - self.cy
        u = (dx * math.cos(theta) + dy * math.sin(theta)) / self.a
        v = (dy * math.cos(theta) - dx * math.sin(theta)) / self.b
        return u * u + v * v <= 1.0
