"""Calipers: distance and ellipse measurements in millimetres, as plain data.

Points are in pixels of the frame (x = column, y = row, pixel centres at integers), so a caliper
stays on the anatomy whatever the zoom; millimetres come from the frame's (row, col) spacing,
which may differ between rows and columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vesselscope.frame import Spacing

KINDS = ("distance", "ellipse")
Point = tuple[float, float]


@dataclass(frozen=True)
class Caliper:
    """distance: from start to end. ellipse: the ellipse inscribed in the box start-end."""

    kind: str
    start: Point
    end: Point
    frame_index: int
    spacing_mm: Spacing | None  # None: the source gave none, so the caliper reads in pixels

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"caliper kind must be one of {KINDS}, got {self.kind!r}")

    @property
    def _scale(self) -> Spacing:
        return self.spacing_mm or (1.0, 1.0)

    @property
    def unit(self) -> str:
        return "mm" if self.spacing_mm else "px"

    @property
    def length(self) -> float:
        """Distance between the two points (mm, or px without spacing)."""
        row, col = self._scale
        return math.hypot((self.end[0] - self.start[0]) * col, (self.end[1] - self.start[1]) * row)

    @property
    def diameters(self) -> tuple[float, float]:
        """Horizontal and vertical diameters of the ellipse (mm, or px without spacing)."""
        row, col = self._scale
        return abs(self.end[0] - self.start[0]) * col, abs(self.end[1] - self.start[1]) * row

    @property
    def area(self) -> float:
        width, height = self.diameters
        return math.pi * width * height / 4.0

    @property
    def circumference(self) -> float:
        # Ramanujan's approximation: within 0.04 % for any flattening seen in vessels.
        a, b = (d / 2.0 for d in self.diameters)
        h = ((a - b) / (a + b)) ** 2 if a + b > 0 else 0.0
        return math.pi * (a + b) * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h)))

    def describe(self, short: bool = False) -> str:
        """The reading in the side panel; `short`: the one drawn on the image (an ellipse's
        diameters, its area and circumference being in the panel)."""
        unit = self.unit
        if self.kind == "distance":
            return f"{self.length:.2f} {unit}"
        width, height = self.diameters
        if short:
            return f"{width:.2f} × {height:.2f} {unit}"
        return f"{width:.2f} × {height:.2f} {unit}, area {self.area:.1f} {unit}², circ. " + (
            f"{self.circumference:.1f} {unit}"
        )


def caliper_names(calipers: list[Caliper]) -> list[str]:
    """D1, D2... for distances and E1, E2... for ellipses, in the order they were taken."""
    counts = {"distance": 0, "ellipse": 0}
    names = []
    for caliper in calipers:
        counts[caliper.kind] += 1
        names.append(f"{caliper.kind[0].upper()}{counts[caliper.kind]}")
    return names
