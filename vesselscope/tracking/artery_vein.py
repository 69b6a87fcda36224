"""Artery or vein from a track's temporal signal: arteries pulsate at the heart rate and stay
round; veins are oval and deform with probe pressure and breathing, without a cardiac rhythm."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CARDIAC_BAND_HZ = (0.75, 3.0)  # 45-180 beats per minute
MIN_HISTORY_S = 1.5  # at least one or two heartbeats before saying anything
# Below this confidence the label stays "unknown": a wrong colour (an artery drawn as a vein)
# misleads a needle more than an honest "not sure". Chosen on the validation cines (simulated
# seeds 201-202): accuracy of the labels given 0.90 with every label shown, 0.96 from 0.2 and
# 1.00 from 0.3, where 80% of the matched vessels carry a label (the small forearm artery,
# whose pulsation hardly shows above the shape noise, is the one that goes unlabelled).
MIN_CONFIDENCE = 0.3


@dataclass(frozen=True)
class PulseFeatures:
    pulsatility: float  # share of the detrended radius signal's power in the cardiac band
    roundness: float  # median minor/major semi-axis ratio
    deformation: float  # relative spread (p90 - p10) of the minor/major ratio


def pulse_features(times: np.ndarray, a_mm: np.ndarray, b_mm: np.ndarray) -> PulseFeatures:
    ratio = np.minimum(a_mm, b_mm) / np.maximum(a_mm, b_mm)
    radius = np.sqrt(a_mm * b_mm)
    # Resample to a uniform grid: live streams have jitter, and the FFT needs even steps.
    duration = float(times[-1] - times[0])
    steps = max(int(len(times)), 8)
    grid = np.linspace(times[0], times[-1], steps)
    signal = np.interp(grid, times, radius)
    signal = signal - np.polyval(np.polyfit(grid, signal, 1), grid)  # remove slow drift
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(steps))) ** 2
    freqs = np.fft.rfftfreq(steps, d=duration / (steps - 1))
    band = (freqs >= CARDIAC_BAND_HZ[0]) & (freqs <= CARDIAC_BAND_HZ[1])
    total = float(spectrum[1:].sum())
    pulsatility = float(spectrum[band].sum() / total) if total > 0 else 0.0
    spread = float(np.percentile(ratio, 90) - np.percentile(ratio, 10))
    return PulseFeatures(pulsatility, float(np.median(ratio)), spread)


def label_from_features(features: PulseFeatures, duration_s: float) -> tuple[str, float]:
    """(label, confidence). The evidence: pulsation and roundness for an artery; ovality and
    deformation for a vein. Confidence grows with the evidence and the history length."""
    evidence = (
        4.0 * (features.pulsatility - 0.45)
        + 6.0 * (features.roundness - 0.75)
        - 8.0 * (features.deformation - 0.12)
    )
    p_artery = 1.0 / (1.0 + math.exp(-evidence))
    certainty = abs(2.0 * p_artery - 1.0) * min(1.0, duration_s / 4.0)
    return ("artery" if p_artery >= 0.5 else "vein"), certainty


def label_track(times: np.ndarray, a_mm: np.ndarray, b_mm: np.ndarray) -> tuple[str, float]:
    """Label a track from its recent measurements; "unknown" until there is enough history and
    evidence (MIN_CONFIDENCE)."""
    if len(times) < 8 or times[-1] - times[0] < MIN_HISTORY_S:
        return "unknown", 0.0
    features = pulse_features(times, a_mm, b_mm)
    label, confidence = label_from_features(features, float(times[-1] - times[0]))
    return (label, confidence) if confidence >= MIN_CONFIDENCE else ("unknown", 0.0)
