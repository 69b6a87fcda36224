"""Anatomy presets in millimetres: layers, vessels, distractors, probe and motion settings.

Every value is a nominal adult value; the seed varies thicknesses, positions, sizes and the
heart rate around it (anatomy.py, motion.py), so two seeds give two different "patients".
Lateral positions `x_mm` are measured from the image centre, depths from the skin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Layer:
    tissue: str  # a key of anatomy.TISSUES
    thickness_mm: float  # the last layer extends to any depth


@dataclass(frozen=True)
class VesselSpec:
    label: Literal["artery", "vein"]
    x_mm: float
    depth_mm: float  # lumen centre
    width_mm: float  # lumen diameter across (at diastole for an artery, unloaded for a vein)
    height_mm: float  # lumen diameter in depth
    angle_deg: float = 0.0
    wall_mm: float = 0.5
    # Probe indentation that closes a vein; arteries keep their shape at clinical pressures.
    collapse_mm: float = float("inf")


@dataclass(frozen=True)
class StructureSpec:
    kind: Literal["nerve", "node", "hypoechoic", "tendon", "gland", "bone", "calcification"]
    x_mm: float
    depth_mm: float  # centre (for "bone": the top of the surface)
    width_mm: float
    height_mm: float
    angle_deg: float = 0.0


@dataclass(frozen=True)
class Probe:
    """Linear array and scanner settings; resolutions are two-way FWHM of the pulse-echo PSF."""

    frequency_mhz: float = 10.0
    axial_fwhm_mm: float = 0.16
    lateral_fwhm_mm: float = 0.42  # at the focus
    focus_mm: float = 20.0
    depth_of_field_mm: float = 18.0  # the beam widens by sqrt(2) this far from the focus
    dynamic_range_db: float = 70.0
    gain_db: float = 0.0
    tgc_db_cm_mhz: float = 0.55  # what the TGC curve assumes; real tissue differs from it
    noise_db: float = -68.0  # receiver noise, relative to unit-echogenicity tissue at the skin
    clutter_db: float = -10.0  # reverberation clutter at the skin, relative to the same tissue


@dataclass(frozen=True)
class Motion:
    heart_rate_bpm: float = 70.0
    pulsation: float = 0.08  # artery radius change, systole over diastole - 1
    breathing_rate_bpm: float = 15.0
    breathing_mm: float = 0.4  # depth excursion of deep tissue
    slide_mm: float = 1.5  # amplitude of the probe's lateral sliding
    press_mm: float = 3.0  # largest probe indentation
    speckle_memory: float = 0.93  # share of the scatterer field kept from frame to frame


@dataclass(frozen=True)
class Preset:
    name: str
    depth_mm: float  # image depth that the default spacing fills
    layers: tuple[Layer, ...]
    vessels: tuple[VesselSpec, ...]
    structures: tuple[StructureSpec, ...] = ()
    probe: Probe = field(default_factory=Probe)
    motion: Motion = field(default_factory=Motion)
    reverberation: float = 0.08  # echo ratio of the probe-to-fascia reverberation

    def spacing_for(self, rows: int) -> float:
        """Pixel spacing (mm) that makes `rows` pixels cover the preset depth."""
        return self.depth_mm / rows


FEMORAL = Preset(
    name="femoral",
    depth_mm=40.0,
    layers=(
        Layer("skin", 1.8),
        Layer("fat", 9.0),
        Layer("muscle", 7.0),
        Layer("muscle", 10.0),
        Layer("muscle", 30.0),
    ),
    vessels=(
        VesselSpec("artery", x_mm=-2.0, depth_mm=19.0, width_mm=9.0, height_mm=9.0, wall_mm=0.8),
        VesselSpec(
            "vein",
            x_mm=11.5,
            depth_mm=20.0,
            width_mm=12.0,
            height_mm=8.5,
            angle_deg=-8.0,
            wall_mm=0.4,
            collapse_mm=6.0,
        ),
    ),
    structures=(
        StructureSpec("nerve", x_mm=-12.0, depth_mm=18.0, width_mm=8.0, height_mm=3.5, angle_deg=8),
        StructureSpec("node", x_mm=9.0, depth_mm=6.0, width_mm=7.0, height_mm=3.5, angle_deg=-5),
        StructureSpec("bone", x_mm=-6.0, depth_mm=33.0, width_mm=26.0, height_mm=4.0),
        StructureSpec("calcification", x_mm=15.0, depth_mm=27.0, width_mm=1.2, height_mm=0.8),
    ),
    probe=Probe(frequency_mhz=10.0, focus_mm=20.0),
    motion=Motion(heart_rate_bpm=70.0, pulsation=0.08, press_mm=4.0),
)

CAROTID = Preset(
    name="carotid",
    depth_mm=35.0,
    layers=(
        Layer("skin", 1.5),
        Layer("fat", 3.0),
        Layer("muscle", 8.0),
        Layer("muscle", 12.0),
        Layer("muscle", 40.0),
    ),
    vessels=(
        VesselSpec("artery", x_mm=-1.0, depth_mm=19.0, width_mm=7.0, height_mm=7.0, wall_mm=0.7),
        VesselSpec(
            "vein",
            x_mm=8.5,
            depth_mm=15.0,
            width_mm=12.0,
            height_mm=6.5,
            angle_deg=15.0,
            wall_mm=0.35,
            collapse_mm=3.5,
        ),
    ),
    structures=(
        StructureSpec("gland", x_mm=-13.0, depth_mm=17.0, width_mm=14.0, height_mm=13.0),
        StructureSpec("nerve", x_mm=4.5, depth_mm=22.5, width_mm=2.8, height_mm=2.2),
        StructureSpec("node", x_mm=14.0, depth_mm=24.0, width_mm=6.0, height_mm=3.0, angle_deg=10),
        StructureSpec("bone", x_mm=3.0, depth_mm=29.0, width_mm=16.0, height_mm=3.0),
    ),
    probe=Probe(frequency_mhz=10.0, focus_mm=18.0, clutter_db=-12.0),
    motion=Motion(heart_rate_bpm=72.0, pulsation=0.09, press_mm=2.5),
)

FOREARM = Preset(
    name="forearm",
    depth_mm=20.0,
    layers=(
        Layer("skin", 1.2),
        Layer("fat", 2.5),
        Layer("muscle", 6.0),
        Layer("muscle", 30.0),
    ),
    vessels=(
        VesselSpec("artery", x_mm=0.0, depth_mm=5.5, width_mm=2.6, height_mm=2.6, wall_mm=0.35),
        VesselSpec(
            "vein",
            x_mm=-2.9,
            depth_mm=5.6,
            width_mm=1.5,
            height_mm=1.1,
            wall_mm=0.2,
            collapse_mm=1.2,
        ),
        VesselSpec(
            "vein",
            x_mm=2.9,
            depth_mm=5.3,
            width_mm=1.4,
            height_mm=1.0,
            wall_mm=0.2,
            collapse_mm=1.2,
        ),
        VesselSpec(
            "vein",
            x_mm=7.5,
            depth_mm=2.6,
            width_mm=3.2,
            height_mm=2.0,
            wall_mm=0.25,
            collapse_mm=0.9,
        ),
    ),
    structures=(
        StructureSpec("tendon", x_mm=-6.5, depth_mm=5.5, width_mm=5.0, height_mm=2.8),
        StructureSpec("nerve", x_mm=4.8, depth_mm=3.4, width_mm=1.6, height_mm=1.0),
        StructureSpec("hypoechoic", x_mm=-1.0, depth_mm=9.5, width_mm=3.5, height_mm=1.8),
        StructureSpec("bone", x_mm=0.0, depth_mm=15.0, width_mm=22.0, height_mm=1.5),
    ),
    probe=Probe(
        frequency_mhz=13.0,
        axial_fwhm_mm=0.14,
        lateral_fwhm_mm=0.3,
        focus_mm=7.0,
        depth_of_field_mm=6.0,
        clutter_db=-16.0,  # a thin body wall reverberates little
    ),
    motion=Motion(heart_rate_bpm=68.0, pulsation=0.07, press_mm=0.8, slide_mm=0.8),
    reverberation=0.2,
)

PRESETS: dict[str, Preset] = {p.name: p for p in (FEMORAL, CAROTID, FOREARM)}


def get_preset(preset: str | Preset) -> Preset:
    """The preset itself, or the one named; a wrong name raises ValueError listing the known."""
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})") from None
