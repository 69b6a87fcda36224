"""Vessels per frame: pulsating arteries, compressible veins, drawn where the truth says.

The lumen is drawn from the very ellipse that goes into the ground truth, so the truth matches
the image by construction; the tests check it from the pixels anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vesselscope.annotations import EllipseAnnotation
from vesselscope.simulator.geometry import distance_outside, ellipse_radius, scale_ellipse
from vesselscope.simulator.motion import ProbeState, depth_strain, view_depth
from vesselscope.simulator.presets import VesselSpec

BLOOD = (0.15, 0.3)  # echogenicity, attenuation (dB/cm/MHz): faint at 10 MHz, not black
WALL = {"artery": (0.7, 1.0), "vein": (0.6, 0.5)}  # wall echogenicity, specular reflectivity
VEIN_FLATTENING = 0.2  # a vein pressed flat widens: width grows by this share of its height loss
VEIN_BREATHING = 0.06  # veins fill on expiration and empty on inspiration by this share


@dataclass(frozen=True)
class VesselView:
    """One vessel's lumen in view pixels for one frame."""

    cx: float
    cy: float
    a: float
    b: float
    angle_deg: float
    label: str
    track: int
    wall_px: float
    open: bool  # lumen tall enough to resolve; a collapsed vein is drawn but not reported

    def annotation(self) -> EllipseAnnotation:
        return EllipseAnnotation(
            cx=round(float(self.cx), 3),
            cy=round(float(self.cy), 3),
            a=round(float(self.a), 3),
            b=round(float(self.b), 3),
            angle_deg=round(float(self.angle_deg), 3),
            label=self.label,
            track=self.track,
        )


def lumen_axes_mm(spec: VesselSpec, state: ProbeState, pulsation: float) -> tuple[float, float]:
    """Semi-axes (across, in depth) of the unstrained lumen at this moment."""
    if spec.label == "artery":
        scale = 1 + pulsation * state.pulse
        return spec.width_mm / 2 * scale, spec.height_mm / 2 * scale
    filling = max(0.0, 1 - state.press_mm / spec.collapse_mm)
    filling *= 1 + VEIN_BREATHING * state.breath_phase
    widening = 1 + VEIN_FLATTENING * max(0.0, 1 - filling)
    return spec.width_mm / 2 * widening, spec.height_mm / 2 * filling


def vessel_views(
    vessels: tuple[VesselSpec, ...],
    state: ProbeState,
    *,
    pulsation: float,
    spacing: float,
    shape: tuple[int, int],
    min_lumen_mm: float,
) -> list[VesselView]:
    """Where each vessel is in the view now: moved by the probe, strained by its pressure."""
    views = []
    for track, spec in enumerate(vessels, start=1):
        a, b = lumen_axes_mm(spec, state, pulsation)
        strain = depth_strain(spec.depth_mm, state)
        a, b, angle = scale_ellipse(a, max(b, 0.02), spec.angle_deg, strain)
        depth = float(view_depth(spec.depth_mm, state))
        views.append(
            VesselView(
                cx=(spec.x_mm - state.slide_mm) / spacing + (shape[1] - 1) / 2,
                cy=depth / spacing,
                a=a / spacing,
                b=b / spacing,
                angle_deg=angle,
                label=spec.label,
                track=track,
                wall_px=spec.wall_mm / spacing,
                open=2 * min(a, b) >= max(min_lumen_mm, 2 * spacing),
            )
        )
    return views


def draw_vessel(props: np.ndarray, memory: np.ndarray, vessel: VesselView) -> None:
    """Draw lumen and wall into the view maps (in place); blood forgets its speckle each frame."""
    reach = max(vessel.a, vessel.b) + vessel.wall_px + 2
    rows, cols = memory.shape
    r0, r1 = max(int(vessel.cy - reach), 0), min(int(vessel.cy + reach) + 2, rows)
    c0, c1 = max(int(vessel.cx - reach), 0), min(int(vessel.cx + reach) + 2, cols)
    if r0 >= r1 or c0 >= c1:
        return
    x, y = np.meshgrid(np.arange(c0, c1, dtype=np.float32), np.arange(r0, r1, dtype=np.float32))
    rho, nx, ny = ellipse_radius(x, y, vessel.cx, vessel.cy, vessel.a, vessel.b, vessel.angle_deg)
    outside = distance_outside(rho, x, y, vessel.cx, vessel.cy)  # px, negative in the lumen
    lumen = np.clip(0.5 - outside, 0.0, 1.0)  # anti-aliased one pixel wide
    wall = np.clip(np.minimum(outside + 0.5, vessel.wall_px + 0.5 - outside), 0.0, 1.0)
    # Two bright lines (intima, adventitia) with the darker media between: the double-line sign.
    depth_in_wall = outside / max(vessel.wall_px, 1e-6)
    layered = np.where((depth_in_wall > 0.35) & (depth_in_wall < 0.6), 0.35, 1.0)
    amplitude, reflectivity = WALL[vessel.label]
    window = props[r0:r1, c0:c1]
    keep = 1 - lumen - wall
    window[..., 0] = window[..., 0] * keep + BLOOD[0] * lumen + amplitude * wall
    # Refraction at the steep lateral walls scatters the beam away: the edge shadows.
    refraction = 0.8 + 1.2 * nx**8
    window[..., 2] = window[..., 2] * keep + BLOOD[1] * lumen + wall * refraction
    specular = 0.05 + 0.95 * ny**2  # walls facing the probe reflect most
    window[..., 3] = window[..., 3] * keep + wall * layered * specular * reflectivity
    memory[r0:r1, c0:c1] = np.minimum(memory[r0:r1, c0:c1], 1 - lumen)
