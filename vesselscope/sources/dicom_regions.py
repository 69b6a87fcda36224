"""Pixel spacing and the B-mode box of a DICOM header: ultrasound regions first, then PixelSpacing.

Ultrasound files describe their geometry in the Sequence of Ultrasound Regions (0018,6011): one
item per area of the screen (B-mode image, Doppler strip, ECG trace...), each with its own box and
physical units. Only a tissue region measured in centimetres gives a millimetre pixel spacing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from vesselscope.frame import Spacing

TISSUE = 1  # RegionDataType: tissue (the B-mode image)
CENTIMETRE = 3  # PhysicalUnitsX/YDirection: cm


@dataclass(frozen=True)
class UltrasoundRegion:
    """One item of the Sequence of Ultrasound Regions; the box is inclusive, in pixels."""

    x0: int
    y0: int
    x1: int
    y1: int
    data_type: int
    spacing_mm: Spacing | None  # (row, col), only when both directions are in cm

    @property
    def area(self) -> int:
        return max(0, self.x1 - self.x0 + 1) * max(0, self.y1 - self.y0 + 1)

    def crop_box(self, rows: int, columns: int) -> tuple[slice, slice] | None:
        """(row slice, column slice) of the box clipped to the image, or None if nothing is left."""
        x0, y0 = max(self.x0, 0), max(self.y0, 0)
        x1, y1 = min(self.x1, columns - 1), min(self.y1, rows - 1)
        if x0 > x1 or y0 > y1:
            return None
        return slice(y0, y1 + 1), slice(x0, x1 + 1)


def ultrasound_regions(ds: Any) -> list[UltrasoundRegion]:
    """The well-formed items of (0018,6011); items with missing or garbage values are skipped."""
    regions = []
    for item in ds.get("SequenceOfUltrasoundRegions") or []:
        region = _region_from_item(item)
        if region is not None:
            regions.append(region)
    return regions


def tissue_region(ds: Any) -> UltrasoundRegion | None:
    """The B-mode region: data type tissue, preferring one with a cm scale, then the largest."""
    tissue = [r for r in ultrasound_regions(ds) if r.data_type == TISSUE]
    if not tissue:
        return None
    return max(tissue, key=lambda r: (r.spacing_mm is not None, r.area))


def header_spacing(ds: Any, region: UltrasoundRegion | None) -> Spacing | None:
    """(row, col) mm per pixel: the tissue region's, else PixelSpacing, else ImagerPixelSpacing."""
    if region is not None and region.spacing_mm is not None:
        return region.spacing_mm
    for keyword in ("PixelSpacing", "ImagerPixelSpacing"):
        pair = _positive_pair(ds.get(keyword))
        if pair is not None:
            return pair
    return None


def _region_from_item(item: Any) -> UltrasoundRegion | None:
    try:
        x0, y0 = int(item.RegionLocationMinX0), int(item.RegionLocationMinY0)
        x1, y1 = int(item.RegionLocationMaxX1), int(item.RegionLocationMaxY1)
        data_type = int(item.RegionDataType)
    except (AttributeError, TypeError, ValueError):
        return None
    spacing = None
    in_cm = (item.get("PhysicalUnitsXDirection"), item.get("PhysicalUnitsYDirection")) == (
        CENTIMETRE,
        CENTIMETRE,
    )
    if in_cm:
        # The deltas are cm per pixel; a Frame's spacing is mm per pixel, rows (Y) first.
        deltas = _positive_pair([item.get("PhysicalDeltaY"), item.get("PhysicalDeltaX")])
        if deltas is not None:
            spacing = (10.0 * deltas[0], 10.0 * deltas[1])
    return UltrasoundRegion(x0, y0, x1, y1, data_type, spacing)


def _positive_pair(values: Any) -> Spacing | None:
    """Two finite positive numbers, or None for anything else (absent, one value, zero, text)."""
    try:
        row, col = (float(v) for v in values)
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) and v > 0 for v in (row, col)):
        return None
    return (row, col)
