"""Small geometric and random-field helpers shared by the anatomy and vessel modules."""

from __future__ import annotations

import math

import cv2
import numpy as np


def ellipse_radius(
    x: np.ndarray, y: np.ndarray, cx: float, cy: float, a: float, b: float, angle_deg: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised elliptic radius (1 on the outline) and the outline normal's (x, y) parts.

    `a` lies along `angle_deg` (from +x towards +y, as cv2.ellipse). The normal is that of
    the level set through each point, which is what a wall's specular reflection depends on.
    """
    cos, sin = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    u = (x - cx) * cos + (y - cy) * sin
    v = -(x - cx) * sin + (y - cy) * cos
    rho = np.sqrt((u / a) ** 2 + (v / b) ** 2)
    gu, gv = u / a**2, v / b**2  # gradient of rho^2 / 2 in the rotated frame
    norm = np.sqrt(gu**2 + gv**2) + 1e-12
    nx = (gu * cos - gv * sin) / norm
    ny = (gu * sin + gv * cos) / norm
    return rho, nx, ny


def distance_outside(rho: np.ndarray, x: np.ndarray, y: np.ndarray, cx: float, cy: float):
    """Approximate distance beyond an ellipse outline, in the units of x and y.

    Along the ray from the centre, the outline lies at 1/rho of the point's radius, so the
    distance past it is r * (1 - 1/rho): exact on the axes, close elsewhere for the thin rings
    (vessel walls, capsules) it is used for.
    """
    r = np.hypot(x - cx, y - cy)
    return r * (1.0 - 1.0 / np.maximum(rho, 1e-6))


def scale_ellipse(a: float, b: float, angle_deg: float, sy: float) -> tuple[float, float, float]:
    """The ellipse (a, b, angle) after stretching the y axis by `sy` (tissue compression).

    Works on the conic matrix; the returned `a` is the axis nearer the original `a` direction.
    """
    theta = math.radians(angle_deg)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    conic = rot @ np.diag([1 / a**2, 1 / b**2]) @ rot.T
    inverse_scale = np.diag([1.0, 1.0 / sy])
    values, vectors = np.linalg.eigh(inverse_scale @ conic @ inverse_scale)
    along = np.array([math.cos(theta), math.sin(theta)])
    first = int(np.argmax(np.abs(vectors.T @ along)))
    direction = vectors[:, first]
    new_angle = math.degrees(math.atan2(direction[1], direction[0]))
    new_angle = (new_angle + 90.0) % 180.0 - 90.0  # same axis, angle kept in [-90, 90)
    return 1 / math.sqrt(values[first]), 1 / math.sqrt(values[1 - first]), new_angle


def smooth_noise(
    rng: np.random.Generator, shape: tuple[int, int], sigma_rows: float, sigma_cols: float
) -> np.ndarray:
    """Zero-mean, unit-std Gaussian random field with the given correlation lengths (px)."""
    field = rng.standard_normal(shape, dtype=np.float32)
    kx = 2 * int(3 * sigma_cols) + 1
    ky = 2 * int(3 * sigma_rows) + 1
    field = cv2.GaussianBlur(
        field, (kx, ky), sigmaX=max(sigma_cols, 0.1), sigmaY=max(sigma_rows, 0.1)
    )
    return (field - field.mean()) / (field.std() + 1e-12)


def smooth_curve(
    rng: np.random.Generator, x_mm: np.ndarray, amplitude_mm: float, wavelengths_mm=(12.0, 35.0)
) -> np.ndarray:
    """A gently undulating curve over x (sum of sines with random phases), e.g. a fascia."""
    curve = np.zeros_like(x_mm, dtype=np.float64)
    for wavelength in wavelengths_mm:
        stretch = rng.uniform(0.7, 1.4)
        curve += rng.uniform(0.3, 1.0) * np.sin(
            2 * np.pi * x_mm / (wavelength * stretch) + rng.uniform(0, 2 * np.pi)
        )
    return amplitude_mm * curve / len(wavelengths_mm)
