"""Probe and body motion over time, and the mapping from the probe's view into the world.

Every trace is a closed-form function of time (sums of sines with phases drawn from the seed), so
any frame can be rendered without rendering the ones before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vesselscope.simulator.presets import Motion

COMPRESSION_DEPTH_MM = 15.0  # probe pressure strains superficial tissue most, decaying with depth
BREATHING_DEPTH_MM = 20.0  # breathing moves deep tissue, the skin stays under the probe


@dataclass(frozen=True)
class ProbeState:
    time_s: float
    slide_mm: float  # probe position to the right of where it started
    press_mm: float  # indentation of the skin
    breath_mm: float  # excursion of deep tissue (positive: deeper)
    breath_phase: float  # -1..1, the breathing cycle (veins fill on expiration)
    pulse: float  # 0 at end-diastole, 1 at the systolic peak


def pulse_wave(phase: np.ndarray | float) -> np.ndarray:
    """Arterial distension over one cardiac cycle (phase 0..1): fast systolic rise, a small
    dicrotic notch, slow diastolic run-off back to 0."""
    p = np.mod(phase, 1.0)
    rise = np.sin(np.pi / 2 * np.clip(p / 0.14, 0, 1)) ** 2
    fall = np.exp(-np.clip(p - 0.14, 0, None) / 0.22)
    notch = 0.08 * np.exp(-(((p - 0.42) / 0.04) ** 2))
    end = math.exp(-(1 - 0.14) / 0.22)
    wave = np.where(p < 0.14, rise, (fall - end) / (1 - end) + notch)
    return np.clip(wave, 0.0, 1.0)


class MotionModel:
    """The motion of one simulated scan, drawn once from the seed."""

    def __init__(self, motion: Motion, rng: np.random.Generator) -> None:
        self.motion = motion
        self.heart_rate_hz = motion.heart_rate_bpm / 60 * rng.uniform(0.9, 1.1)
        self.breathing_hz = motion.breathing_rate_bpm / 60 * rng.uniform(0.85, 1.15)
        self._cardiac_phase = rng.uniform(0, 1)
        self._slide = [
            (rng.uniform(0.06, 0.14), rng.uniform(0, 2 * np.pi), 0.7),
            (rng.uniform(0.2, 0.4), rng.uniform(0, 2 * np.pi), 0.3),
        ]
        self._press_hz = rng.uniform(0.1, 0.25)
        self._press_phase = rng.uniform(0, 2 * np.pi)
        self._press_peak = motion.press_mm * rng.uniform(0.5, 1.0)
        self._breath_phase = rng.uniform(0, 2 * np.pi)

    def state(self, time_s: float) -> ProbeState:
        m = self.motion
        slide = m.slide_mm * sum(
            w * math.sin(2 * math.pi * f * time_s + p) for f, p, w in self._slide
        )
        press = (
            self._press_peak
            * 0.5
            * (1 - math.cos(2 * math.pi * self._press_hz * time_s + self._press_phase))
        )
        breath = math.sin(2 * math.pi * self.breathing_hz * time_s + self._breath_phase)
        pulse = float(pulse_wave(self.heart_rate_hz * time_s + self._cardiac_phase))
        return ProbeState(time_s, slide, press, m.breathing_mm * breath, breath, pulse)

    @property
    def max_slide_mm(self) -> float:
        return self.motion.slide_mm

    @property
    def max_press_mm(self) -> float:
        return self._press_peak


def view_depth(z_world_mm: np.ndarray | float, state: ProbeState) -> np.ndarray:
    """Depth below the probe face (mm) of tissue that lies at `z_world_mm` when unloaded."""
    z = np.asarray(z_world_mm, dtype=np.float64)
    pressed = state.press_mm * (1 - np.exp(-z / COMPRESSION_DEPTH_MM))
    breathing = state.breath_mm * (1 - np.exp(-z / BREATHING_DEPTH_MM))
    return z - pressed + breathing


def depth_strain(z_world_mm: float, state: ProbeState) -> float:
    """d(view depth)/d(world depth) at one depth: below 1 where the probe compresses tissue."""
    return float(
        1
        - state.press_mm / COMPRESSION_DEPTH_MM * math.exp(-z_world_mm / COMPRESSION_DEPTH_MM)
        + state.breath_mm / BREATHING_DEPTH_MM * math.exp(-z_world_mm / BREATHING_DEPTH_MM)
    )


def world_depth(z_view_mm: np.ndarray, state: ProbeState, z_max_mm: float) -> np.ndarray:
    """Inverse of view_depth, by interpolation in a table (the mapping is monotonic)."""
    table = np.linspace(0.0, z_max_mm, 2048)
    return np.interp(z_view_mm, view_depth(table, state), table)
