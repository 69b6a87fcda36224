"""Physics of the B-mode simulator: speckle, contrast, shadow, enhancement, pulsation, truth."""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np
import pytest

from vesselscope.simulator import PRESETS, Simulation
from vesselscope.simulator.bmode import Imager
from vesselscope.simulator.presets import Layer, Motion, Preset, Probe, StructureSpec, VesselSpec

STILL = Motion(slide_mm=0.0, press_mm=0.0, breathing_mm=0.0)


def ellipse_mask(shape, vessel, scale: float = 1.0) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    axes = (2 * vessel.a * scale, 2 * vessel.b * scale)
    cv2.ellipse(mask, ((vessel.cx, vessel.cy), axes, vessel.angle_deg), 1, -1)
    return mask.astype(bool)


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2 * (a & b).sum() / (a.sum() + b.sum())


def phantom(structures=(), vessels=(), motion=STILL, **probe) -> Preset:
    """Homogeneous muscle under a thin skin, with whatever the test puts in it."""
    return Preset(
        name="phantom",
        depth_mm=40.0,
        layers=(Layer("skin", 1.5), Layer("muscle", 60.0)),
        vessels=tuple(vessels),
        structures=tuple(structures),
        probe=Probe(**probe),
        motion=motion,
    )


def test_envelope_of_homogeneous_tissue_is_rayleigh():
    # No TGC, clutter, noise or attenuation: every pixel has the same scattering statistics.
    probe = Probe(tgc_db_cm_mhz=0.0, clutter_db=-300.0, noise_db=-300.0)
    shape = (256, 256)
    imager = Imager(probe, 0.08, shape, pool_seed=1)
    props = np.zeros((*shape, 4), np.float32)
    props[..., 0] = props[..., 1] = 1.0
    static = np.random.default_rng(2).standard_normal((*shape, 2), dtype=np.float32) * 0.7071
    memory = np.full(shape, 0.9, np.float32)
    envelope = imager.envelope(imager.iq(props, static, memory, np.random.default_rng(3)))
    values = envelope[16:-16, 16:-16].ravel()  # away from the reflected borders
    # Rayleigh: mean/std = sqrt(pi / (4 - pi)) = 1.913, and log-compressed std = 5.57 dB.
    assert values.mean() / values.std() == pytest.approx(1.913, rel=0.05)
    assert (20 * np.log10(values)).std() == pytest.approx(5.57, rel=0.06)
    sigma2 = (values**2).mean() / 2
    sample = np.sort(values)
    rayleigh_cdf = 1 - np.exp(-(sample**2) / (2 * sigma2))
    ks = np.abs(rayleigh_cdf - np.arange(1, sample.size + 1) / sample.size).max()
    assert ks < 0.02


def test_lumen_is_darker_than_wall_and_tissue():
    sim = Simulation("femoral", seed=4, size=(256, 256))
    frame, truth = sim.render(0)
    assert {v.label for v in truth} == {"artery", "vein"}
    for vessel in truth:
        lumen = frame.pixels[ellipse_mask(frame.shape, vessel, 0.7)].mean()
        outer = 1 + 2 * sim.preset.vessels[vessel.track - 1].wall_mm / sim.spacing_mm / vessel.b
        wall = ellipse_mask(frame.shape, vessel, outer) & ~ellipse_mask(frame.shape, vessel, 1.0)
        assert lumen < 0.5 * frame.pixels[wall].mean(), vessel


def test_bone_casts_an_acoustic_shadow():
    bone = StructureSpec("bone", x_mm=-5.0, depth_mm=15.0, width_mm=20.0, height_mm=2.0)
    sim = Simulation(phantom([bone]), seed=1, size=(200, 200))
    image = sim.render(0)[0].pixels.astype(float)
    x_mm = (np.arange(200) - 99.5) * sim.spacing_mm
    rows = slice(int(20 / sim.spacing_mm), int(35 / sim.spacing_mm))
    under = image[rows][:, (x_mm > -12) & (x_mm < 2)].mean()
    beside = image[rows][:, (x_mm > 9) & (x_mm < 16)].mean()
    assert under < 0.4 * beside


def test_vessel_shows_posterior_enhancement():
    vessel = VesselSpec("artery", x_mm=0.0, depth_mm=12.0, width_mm=10.0, height_mm=10.0)
    sim = Simulation(phantom(vessels=[vessel]), seed=2, size=(200, 200))
    image = sim.render(0)[0].pixels.astype(float)
    x_mm = (np.arange(200) - 99.5) * sim.spacing_mm
    rows = slice(int(20 / sim.spacing_mm), int(32 / sim.spacing_mm))
    behind = image[rows][:, np.abs(x_mm) < 2.5].mean()
    beside = image[rows][:, (np.abs(x_mm) > 9) & (np.abs(x_mm) < 15)].mean()
    assert behind > beside + 8  # grey levels; a few dB of less attenuation through blood


def test_artery_radius_follows_the_heart_rate():
    fps, frames = 30.0, 120
    sim = Simulation("femoral", seed=5, size=(256, 256), fps=fps)
    arteries, measured, area = [], [], []
    for index in range(frames):
        frame, truth = sim.render(index)
        artery = next(v for v in truth if v.label == "artery")
        arteries.append(artery.a * sim.spacing_mm)
        # The lumen seen in the pixels: dark pixels around the truth centre.
        roi = ellipse_mask(frame.shape, artery, 1.2)
        smooth = cv2.GaussianBlur(frame.pixels, (0, 0), 2.0)
        measured.append(((smooth < 25) & roi).sum())
        area.append(math.pi * artery.a * artery.b)
    radius = np.array(arteries)
    change = radius.max() / radius.min() - 1
    assert 0.04 < change < 0.12  # radius change of several percent
    spectrum = np.abs(np.fft.rfft(radius - radius.mean(), n=4096))
    peak_hz = np.fft.rfftfreq(4096, 1 / fps)[np.argmax(spectrum)]
    assert peak_hz == pytest.approx(sim.heart_rate_hz, abs=0.08)
    assert np.corrcoef(measured, area)[0, 1] > 0.8


def test_truth_ellipses_match_the_drawn_lumen():
    for preset, seed in (("femoral", 1), ("carotid", 2)):
        sim = Simulation(preset, seed=seed, size=(256, 256))
        state = sim.state(3)
        _, _, memory, _ = sim.scene.view(state)
        frame, truth = sim.render(3)
        for vessel in truth:
            roi = ellipse_mask(frame.shape, vessel, 1.3)
            drawn = (memory < 0.5) & roi  # blood is the only tissue that forgets its speckle
            assert dice(drawn, ellipse_mask(frame.shape, vessel)) > 0.97
            seen = segment_dark(frame.pixels, vessel)
            assert dice(seen, ellipse_mask(frame.shape, vessel)) > 0.85, (preset, vessel)


def segment_dark(image: np.ndarray, vessel) -> np.ndarray:
    """The dark region around a truth centre, as a reader would outline it."""
    smooth = cv2.GaussianBlur(image.astype(np.float32), (0, 0), 2.0)
    inner = ellipse_mask(image.shape, vessel, 0.6)
    ring = ellipse_mask(image.shape, vessel, 1.3) & ~ellipse_mask(image.shape, vessel, 1.05)
    threshold = (np.median(smooth[inner]) + np.median(smooth[ring])) / 2
    dark = ((smooth < threshold) & ellipse_mask(image.shape, vessel, 1.25)).astype(np.uint8)
    dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _, labels = cv2.connectedComponents(dark)
    label = labels[round(vessel.cy), round(vessel.cx)]
    return (labels == label) & (label > 0)


def test_veins_compress_with_probe_pressure_and_collapse_unreported():
    femoral = PRESETS["femoral"]
    pressing = replace(femoral, motion=replace(femoral.motion, press_mm=9.0, slide_mm=0.0))
    sim = Simulation(pressing, seed=3, size=(128, 128), fps=10.0)
    vein_spec = sim.scene.world.vessels[1]
    press, heights, reported = [], [], []
    for index in range(80):
        state = sim.state(index)
        truth = sim.render(index)[1]
        veins = [v for v in truth if v.label == "vein"]
        press.append(state.press_mm)
        heights.append(veins[0].b if veins else 0.0)
        reported.append(bool(veins))
        if state.press_mm >= vein_spec.collapse_mm:
            assert not veins  # closed: drawn as touching walls, left out of the truth
    assert np.corrcoef(press, heights)[0, 1] < -0.9
    assert not all(reported) and any(reported)


def test_speckle_decorrelates_partly_from_frame_to_frame():
    sim = Simulation(phantom(), seed=6, size=(128, 128))
    first, second = (sim.render(i)[0].pixels[20:100].astype(float) for i in (10, 11))
    correlation = np.corrcoef(first.ravel(), second.ravel())[0, 1]
    assert 0.6 < correlation < 0.97


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_vessel_lumens_never_overlap(preset):
    for seed in range(1, 5):
        sim = Simulation(preset, seed=seed, size=(128, 128), fps=5.0)
        for index in range(0, 60, 6):
            masks = [ellipse_mask((128, 128), v) for v in sim.render(index)[1]]
            for i, first in enumerate(masks):
                for second in masks[i + 1 :]:
                    assert not (first & second).any(), (seed, index)
