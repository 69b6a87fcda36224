"""Static non-vessel structures drawn into the world maps: the detector's distractors and bone.

Nerves (honeycomb of dark fascicles in a bright epineurium), lymph nodes and other hypoechoic
ovals that a plain ellipse fit takes for a lumen, a fibrillar tendon, a gland, a bone surface and
a calcification, both casting an acoustic shadow through their attenuation.
props channels: 0 amplitude, 1 density, 2 attenuation (dB/cm/MHz), 3 coherent reflectivity.
"""

from __future__ import annotations

import numpy as np

from vesselscope.simulator.geometry import distance_outside, ellipse_radius, smooth_noise
from vesselscope.simulator.presets import StructureSpec


def _ring(distance: np.ndarray, thickness: float) -> np.ndarray:
    return (distance >= 0) & (distance < thickness)


def _nerve(view, rng, x, z, cx, cz, a, b, angle):
    rho, _, ny = ellipse_radius(x, z, cx, cz, a, b, angle)
    inside = rho < 1
    view[..., 0][inside] = 1.8
    view[..., 1][inside] = 1.0
    placed: list[tuple[float, float, float]] = []
    for _ in range(400):  # rejection sampling of non-overlapping round fascicles
        radius = rng.uniform(0.3, 0.6) * min(1.0, b / 1.2)
        fx, fz = rng.uniform(-a, a), rng.uniform(-b, b)
        r_in, _, _ = ellipse_radius(np.array(fx), np.array(fz), 0, 0, a - radius, b - radius, angle)
        if r_in >= 0.9 or any(
            np.hypot(fx - px, fz - pz) < radius + pr + 0.08 for px, pz, pr in placed
        ):
            continue
        placed.append((fx, fz, radius))
        fascicle = np.hypot(x - cx - fx, z - cz - fz) < radius
        view[..., 0][fascicle] = 0.15
    ring = _ring(distance_outside(rho, x, z, cx, cz), 0.25)
    view[..., 3] += ring * (0.6 + 1.4 * ny**2)


def _node(view, rng, x, z, cx, cz, a, b, angle):
    rho, _, ny = ellipse_radius(x, z, cx, cz, a, b, angle)
    inside = rho < 1
    view[..., 0][inside] = 0.22
    view[..., 1][inside] = 1.0
    view[..., 2][inside] = 0.4  # low attenuation: a little enhancement behind, like a cyst
    hilum, _, _ = ellipse_radius(x, z, cx + 0.2 * a, cz, 0.5 * a, 0.3 * b, angle)
    view[..., 0][hilum < 1] = 1.3
    view[..., 3] += _ring(distance_outside(rho, x, z, cx, cz), 0.2) * (0.3 + 0.7 * ny**2)


def _hypoechoic(view, rng, x, z, cx, cz, a, b, angle):
    rho, _, _ = ellipse_radius(x, z, cx, cz, a, b, angle)
    edge = np.clip((rho - 0.8) / 0.4, 0.0, 1.0)  # no wall: it fades into the surroundings
    view[..., 0] *= 0.25 + 0.75 * edge
    view[..., 2] = np.where(rho < 1, 0.5, view[..., 2])


def _tendon(view, rng, x, z, cx, cz, a, b, angle):
    rho, _, _ = ellipse_radius(x, z, cx, cz, a, b, angle)
    inside = rho < 1
    view[..., 0][inside] = 2.5
    view[..., 2][inside] = 1.3
    spacing = abs(z[1, 0] - z[0, 0]) if z.shape[0] > 1 else 0.1
    wobble = smooth_noise(rng, z.shape, 0.3 / spacing, 2.0 / spacing)
    fibrils = (0.5 + 0.5 * np.sin(2 * np.pi * (z - cz) / 0.3 + 1.5 * wobble)) ** 6
    view[..., 3] += inside * fibrils * 1.5


def _gland(view, rng, x, z, cx, cz, a, b, angle):
    rho, _, ny = ellipse_radius(x, z, cx, cz, a, b, angle)
    inside = rho < 1
    view[..., 0][inside] = 1.7
    view[..., 1][inside] = 1.0
    view[..., 2][inside] = 0.8
    view[..., 3] += _ring(distance_outside(rho, x, z, cx, cz), 0.25) * (0.3 + 0.9 * ny**2)


def _bone(view, rng, x, z, cx, cz, a, b, angle):
    along = np.clip((x - cx) / a, -0.999, 0.999)
    surface = cz + b * (1 - np.sqrt(1 - along**2))  # convex towards the probe, rounded ends
    below = (np.abs(x - cx) < a) & (z >= surface)
    tilt = np.arctan(b * along / (a * np.sqrt(1 - along**2)))
    cortex = below & (z < surface + 0.5)
    view[..., 3] += cortex * 15.0 * np.cos(tilt) ** 4
    view[..., 0][below] = 0.1
    view[..., 2][below] = 40.0  # almost nothing gets through: the acoustic shadow


def _calcification(view, rng, x, z, cx, cz, a, b, angle):
    rho, _, _ = ellipse_radius(x, z, cx, cz, a, b, angle)
    view[..., 3] += (rho < 1) * 4.0
    view[..., 2][rho < 1] = 60.0


DRAW = {
    "nerve": _nerve,
    "node": _node,
    "hypoechoic": _hypoechoic,
    "tendon": _tendon,
    "gland": _gland,
    "bone": _bone,
    "calcification": _calcification,
}


def draw_structure(
    props: np.ndarray,
    rng: np.random.Generator,
    spec: StructureSpec,
    x_mm: np.ndarray,
    z_mm: np.ndarray,
    shift: np.ndarray,
) -> None:
    """Draw one structure (jittered by the patient's `shift` and size) into `props` in place."""
    size = rng.uniform(0.9, 1.1)
    a, b = spec.width_mm * size / 2, spec.height_mm * size / 2
    cx, cz = spec.x_mm + shift[0], spec.depth_mm + shift[1]
    reach = max(a, b) + 1.0
    cols = np.flatnonzero(np.abs(x_mm - cx) < reach)
    rows = (
        np.flatnonzero(z_mm > cz - reach)
        if spec.kind == "bone"
        else np.flatnonzero(np.abs(z_mm - cz) < reach)
    )
    if cols.size == 0 or rows.size == 0:
        return
    window = props[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    x, z = np.meshgrid(x_mm[cols[0] : cols[-1] + 1], z_mm[rows[0] : rows[-1] + 1])
    DRAW[spec.kind](window, rng, x, z, cx, cz, a, b, spec.angle_deg + rng.uniform(-5, 5))
