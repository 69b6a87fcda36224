"""Fine tissue texture drawn as coherent reflectors: muscle fibre septa and fat septa.

Coherent values are reflectivity per millimetre of thickness; a line drawn one pixel thick
that stands for a reflector of integrated reflectivity G (reflectivity x mm) gets G / spacing,
so its echo does not depend on the pixel size.
"""

from __future__ import annotations

import cv2
import numpy as np

from vesselscope.simulator.geometry import smooth_noise

MUSCLE_STREAKS_PER_MM2 = 0.22  # perimysium septa seen end-on: short bright dashes
FAT_SEPTA_PER_MM2 = 0.04


def _random_points(rng: np.random.Generator, mask: np.ndarray, count: int) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    if rows.size == 0 or count == 0:
        return np.zeros((0, 2))
    pick = rng.integers(0, rows.size, count)
    return np.stack([cols[pick], rows[pick]], axis=1).astype(np.float64)


def add_muscle_streaks(
    rng: np.random.Generator, coherent: np.ndarray, mask: np.ndarray, spacing: float
) -> None:
    """Short, nearly horizontal bright dashes (0.8-4 mm) inside muscle, added in place."""
    count = int(mask.sum() * spacing**2 * MUSCLE_STREAKS_PER_MM2)
    layer = np.zeros_like(coherent)
    # Fascicles differ: some bundles are full of bright septa, others nearly plain.
    bundles = np.exp(0.6 * smooth_noise(rng, coherent.shape, 2.0 / spacing, 4.0 / spacing))
    for x, y in _random_points(rng, mask, count):
        half = rng.uniform(0.3, 1.6) / spacing
        angle = np.radians(rng.normal(0.0, 5.0))
        dx, dy = half * np.cos(angle), half * np.sin(angle)
        value = rng.gamma(1.0, 0.25) * bundles[int(y), int(x)] / spacing
        start = (round(x - dx), round(y - dy))
        cv2.line(layer, start, (round(x + dx), round(y + dy)), float(value), 1, cv2.LINE_8)
    coherent += layer * mask


def add_fat_septa(
    rng: np.random.Generator, coherent: np.ndarray, mask: np.ndarray, spacing: float
) -> None:
    """Longer, gently curved and more oblique connective septa in subcutaneous fat."""
    count = int(mask.sum() * spacing**2 * FAT_SEPTA_PER_MM2)
    layer = np.zeros_like(coherent)
    for x, y in _random_points(rng, mask, count):
        length = rng.uniform(3.0, 10.0) / spacing
        angle = np.radians(rng.uniform(-30.0, 30.0))
        bend = np.radians(rng.normal(0.0, 12.0))
        steps = np.linspace(-0.5, 0.5, 6)
        heading = angle + bend * steps
        points = np.stack(
            [
                x + np.cumsum(np.cos(heading)) * length / 6,
                y + np.cumsum(np.sin(heading)) * length / 6,
            ],
            axis=1,
        )
        width = max(1, round(0.12 / spacing))
        corners = np.round(points).astype(np.int32)
        for start, stop in zip(corners[:-1], corners[1:], strict=True):
            # Septa come and go along their course as they tilt in and out of the beam.
            value = rng.choice((0.0, 1.0), p=(0.2, 0.8)) * rng.uniform(0.1, 0.5)
            cv2.line(layer, start.tolist(), stop.tolist(), float(value / (width * spacing)), width)
    coherent += layer * mask
