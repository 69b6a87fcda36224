"""The static anatomy of one simulated patient, on a pixel grid larger than the view.

The world holds, per pixel, what the image formation needs: echogenicity (scatterer amplitude),
scatterer density, attenuation, and coherent (specular) reflectivity, plus a static complex
scatterer field. The probe then looks at a moving, compressed window of it (motion.py); vessels
are drawn per frame on top (vessels.py) because they pulsate and collapse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from vesselscope.simulator.geometry import smooth_curve, smooth_noise
from vesselscope.simulator.presets import Preset, VesselSpec
from vesselscope.simulator.structures import draw_structure
from vesselscope.simulator.textures import add_fat_septa, add_muscle_streaks


@dataclass(frozen=True)
class Tissue:
    amplitude: float  # scatterer echogenicity relative to muscle-like tissue
    density: float  # share of pixels holding a scatterer (below ~0.3: grainy, non-Rayleigh)
    attenuation: float  # dB/cm/MHz


TISSUES: dict[str, Tissue] = {
    "skin": Tissue(1.5, 1.0, 1.0),
    "fat": Tissue(0.45, 0.3, 0.5),
    "muscle": Tissue(0.8, 1.0, 0.75),
}
FASCIA_MM = 0.4  # thickness of the bright fascia line at each layer boundary
SKIN_ECHO = 0.5  # integrated reflectivity (per mm of thickness times mm) of the skin surface
CHANNELS = ("amplitude", "density", "attenuation", "coherent")


@dataclass
class World:
    props: np.ndarray  # (rows, cols, 4) float32, channels as CHANNELS
    scatterers: np.ndarray  # (rows, cols, 2) float32: static complex field, E|w|^2 = 1
    reverb_depth_mm: np.ndarray  # per column: depth of the fascia that reverberates
    reverb_strength: np.ndarray  # per column: its reflectivity
    vessels: tuple[VesselSpec, ...]  # this patient's vessels, in world millimetres


def build_world(
    preset: Preset,
    rng: np.random.Generator,
    spacing: float,
    shape: tuple[int, int],
    origin_col: float,
) -> World:
    """The anatomy of `preset` for this rng on a (rows, cols) grid of `spacing` mm pixels,
    with x = 0 mm at column `origin_col`."""
    rows, cols = shape
    x_mm = (np.arange(cols) - origin_col) * spacing
    z_mm = np.arange(rows, dtype=np.float32)[:, None] * spacing
    props = np.zeros((rows, cols, 4), np.float32)

    boundaries = _layer_boundaries(preset, rng, x_mm)
    index = np.zeros((rows, cols), np.int8)
    for depth in boundaries:
        index += z_mm >= depth[None, :]
    for channel, name in enumerate(CHANNELS[:3]):
        values = np.array([getattr(TISSUES[layer.tissue], name) for layer in preset.layers])
        props[..., channel] = values[index]
    # Neighbouring muscles differ in brightness (fibre direction, fat content): a few dB.
    props[..., 0] *= rng.uniform(0.7, 1.3, len(preset.layers)).astype(np.float32)[index]

    # Echogenicity varies within a tissue: lobules in fat, fibre bundles in muscle (laterally
    # elongated in a transverse scan), a finer weave in the dermis.
    lobules = smooth_noise(rng, (rows, cols), 1.0 / spacing, 1.0 / spacing)
    fibres = smooth_noise(rng, (rows, cols), 0.12 / spacing, 1.2 / spacing)
    bundles = smooth_noise(rng, (rows, cols), 1.5 / spacing, 4.0 / spacing)
    regions = smooth_noise(rng, (rows, cols), 4.0 / spacing, 8.0 / spacing)
    kind = np.array([layer.tissue for layer in preset.layers])[index]
    muscle = 0.45 * fibres + 0.45 * bundles + 0.3 * regions
    texture = np.where(
        kind == "fat", 0.5 * lobules, np.where(kind == "muscle", muscle, 0.2 * fibres)
    )
    props[..., 0] *= np.exp(texture - texture.var() / 2)

    props[0, :, 3] += SKIN_ECHO / spacing  # the skin entry echo: a thin, strong reflector
    fascias = [_fascia_strength(rng, x_mm, depth) for depth in boundaries[1:]]
    for depth, strength in zip(boundaries[1:], fascias, strict=True):
        band = (z_mm >= depth[None, :]) & (z_mm < depth[None, :] + FASCIA_MM)
        props[..., 3] += band * strength[None, :]
        props[..., 0] += band * 0.6  # fascia is also dense collagen: it scatters as well
    add_fat_septa(rng, props[..., 3], kind == "fat", spacing)
    add_muscle_streaks(rng, props[..., 3], kind == "muscle", spacing)

    shift = rng.uniform(-1.0, 1.0, size=2)  # where the whole neighbourhood sits in this patient
    for spec in preset.structures:
        draw_structure(props, rng, spec, x_mm, z_mm[:, 0], shift)
    vessels = tuple(_jitter_vessel(rng, v, shift) for v in preset.vessels)

    density = props[..., 1]
    sparse = rng.random((rows, cols), dtype=np.float32) < density
    gain = sparse / np.sqrt(np.maximum(density, 1e-3))  # sparse scatterers are stronger
    scatterers = rng.standard_normal((rows, cols, 2), dtype=np.float32) * (gain * 0.7071)[..., None]
    # Reverberation bounces between the probe and the first fascia below the fat, if any.
    reverb_depth = boundaries[1] if fascias else np.zeros(cols)
    return World(
        props=props,
        scatterers=scatterers,
        reverb_depth_mm=reverb_depth.astype(np.float32),
        reverb_strength=fascias[0] if fascias else np.zeros(cols, np.float32),
        vessels=vessels,
    )


def _layer_boundaries(
    preset: Preset, rng: np.random.Generator, x_mm: np.ndarray
) -> list[np.ndarray]:
    """Depth (mm) of the top of every layer after the first, per world column, in order."""
    boundaries, top = [], np.zeros_like(x_mm)
    for layer in preset.layers[:-1]:
        thickness = layer.thickness_mm * rng.uniform(0.8, 1.2)
        slope = rng.uniform(-0.1, 0.1)  # muscle bellies meet at an angle
        undulation = (
            smooth_curve(rng, x_mm, min(0.08 * thickness, 0.8), (25.0, 60.0)) + slope * x_mm
        )
        top = np.maximum(top + thickness + undulation - (undulation.mean()), top + 0.3)
        boundaries.append(top)
    return boundaries


def _fascia_strength(rng: np.random.Generator, x_mm: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Reflectivity along a fascia: patchy, and weaker where it tilts away from the beam."""
    patches = smooth_curve(rng, x_mm, 1.0, wavelengths_mm=(3.0, 7.0, 15.0))
    tilt = np.arctan(np.gradient(depth, x_mm))
    return (
        rng.uniform(2.0, 3.5) * np.clip(0.8 + 0.8 * patches, 0.15, None) * np.cos(tilt) ** 8
    ).astype(np.float32)


def _jitter_vessel(rng: np.random.Generator, spec: VesselSpec, shift: np.ndarray) -> VesselSpec:
    size = rng.uniform(0.9, 1.1)
    height = spec.height_mm * size
    return replace(
        spec,
        x_mm=float(spec.x_mm + shift[0] + rng.uniform(-0.05, 0.05) * spec.width_mm),
        depth_mm=float(
            max(spec.depth_mm + shift[1] + rng.uniform(-0.05, 0.05) * height, height / 2 + 2)
        ),
        width_mm=spec.width_mm * size,
        height_mm=height,
        angle_deg=spec.angle_deg + rng.uniform(-4, 4),
    )
