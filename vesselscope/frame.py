"""The Frame contract: what every source yields, whatever its format (see DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Spacing = tuple[float, float]  # (row, col) in millimetres per pixel


@dataclass(frozen=True, eq=False)
class Frame:
    """One ultrasound image.

    pixels: 2-D grayscale B-mode (uint8 or float32); what detection sees.
    spacing_mm: (row, col) millimetres per pixel, or None when the source does not say.
    index: position in the source (0-based); timestamp_s: acquisition time in seconds.
    origin: the file or stream it came from.
    color: the original HxWx3 uint8 RGB image when the input was colour, for display only.
    """

    pixels: np.ndarray
    spacing_mm: Spacing | None
    index: int
    timestamp_s: float
    origin: str
    color: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.pixels.ndim != 2:
            raise ValueError(f"Frame pixels must be 2-D, got shape {self.pixels.shape}")
        if self.pixels.dtype not in (np.uint8, np.float32):
            raise ValueError(f"Frame pixels must be uint8 or float32, got {self.pixels.dtype}")
        if self.spacing_mm is not None:
            row, col = self.spacing_mm
            if not (row > 0 and col > 0):
                raise ValueError(f"Frame spacing must be positive, got {self.spacing_mm}")
        if self.color is not None and self.color.shape != (*self.pixels.shape, 3):
            raise ValueError(
                f"Frame color must be {(*self.pixels.shape, 3)}, got {self.color.shape}"
            )

    @property
    def shape(self) -> tuple[int, int]:
        return self.pixels.shape  # type: ignore[return-value]
