"""The realism statistics, and simulated frames against the real usgra-seg images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vesselscope.simulator.compare import (
    image_area,
    image_stats,
    load_labelled,
    median_stats,
    simulated,
    speckle_size,
    table,
    vessel_contrast,
)


def test_speckle_size_measures_the_autocorrelation_width():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((256, 256)).astype(np.float32)
    blurred = cv2.GaussianBlur(noise, (0, 0), sigmaX=3.0, sigmaY=1.0)
    image = 100 + 20 * blurred / blurred.std()
    axial, lateral = speckle_size(image)
    # Blurred white noise has a Gaussian autocorrelation of sigma * sqrt(2).
    assert axial == pytest.approx(2.355 * 1.0 * np.sqrt(2), rel=0.15)
    assert lateral == pytest.approx(2.355 * 3.0 * np.sqrt(2), rel=0.1)


def test_vessel_contrast_and_image_area():
    image = np.full((100, 120), 80, np.uint8)
    image[:10] = 0  # a scanner's black border
    cv2.circle(image, (60, 55), 20, 20, -1)
    mask = np.zeros(image.shape, bool)
    cv2.circle(mask.view(np.uint8), (60, 55), 20, 1, -1)
    rows, cols = image_area(image)
    assert (rows.start, rows.stop, cols.start, cols.stop) == (10, 100, 0, 120)
    lumen, band = vessel_contrast(image, mask)
    assert lumen == pytest.approx(20) and band == pytest.approx(80)
    stats = image_stats(image, mask)
    assert stats.contrast == pytest.approx(0.75)


def test_table_lists_each_image_set():
    stats, count = median_stats(simulated("forearm", seeds=(1,), frames=(0,), size=(128, 128)))
    text = table([("simulated forearm", stats, count)])
    assert text.splitlines()[0].startswith("| images | n |")
    assert "| simulated forearm | 1 |" in text


def test_simulated_frames_resemble_the_real_images(usgra_seg):
    """Medians within the spread of the real set; docs/simulator.md has the full table."""
    real, _ = median_stats(load_labelled(usgra_seg, every=8))
    sim, _ = median_stats(simulated("femoral", seeds=(1, 2), frames=(0,)))
    assert abs(sim.p50 - real.p50) < 12
    assert abs(sim.mean - real.mean) < 12
    assert sim.speckle_axial_px == pytest.approx(real.speckle_axial_px, rel=0.3)
    assert sim.speckle_lateral_px == pytest.approx(real.speckle_lateral_px, rel=0.35)
    assert 0.4 < sim.contrast < 0.85  # the real set's 10th to 90th percentile
