"""OpenCL kernels against the NumPy reference on the machine's device (PoCL here).

Tolerances: per-centre scores and wall contrasts within 1e-4 relative (plus 1e-4 absolute for
values near zero), best shapes identical wherever the two best scores of a centre are not
within that tolerance of each other; final winners identical in order, centre and shape
(positions within 1e-3 px). On PoCL the two agree to the bit; the tolerance leaves room for
GPUs, whose float32 summation and transcendental functions may differ in the last digits.
"""

import dataclasses

import numpy as np
import pytest

from tests.test_candidates import TINY, vessel_frame
from vesselscope.candidates import CandidateSearch
from vesselscope.candidates.numpy_backend import NumPyBackend
from vesselscope.candidates.presets import PRESETS
from vesselscope.frame import Frame

RTOL = ATOL = 1e-4


@pytest.fixture(scope="module")
def opencl():
    pytest.importorskip("pyopencl")
    from vesselscope.candidates.opencl_backend import OpenCLBackend
    from vesselscope.opencl_device import NoOpenCLDevice

    try:
        return OpenCLBackend()
    except NoOpenCLDevice as exc:
        pytest.skip(f"no OpenCL device: {exc}")


def compare_levels(backend, frame, preset):
    search = CandidateSearch(preset, device="numpy")
    plan = search.plan_for(frame)
    image = np.ascontiguousarray(frame.pixels, np.float32)
    for ref, dev in zip(
        NumPyBackend().levels(plan, image), backend.levels(plan, image), strict=True
    ):
        live = np.isfinite(ref.fitness)
        assert np.array_equal(live, np.isfinite(dev.fitness))
        np.testing.assert_allclose(dev.fitness[live], ref.fitness[live], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(dev.contrast, ref.contrast, rtol=RTOL, atol=ATOL)
        differ = dev.shape != ref.shape
        assert not differ[live].any(), f"{differ.sum()} centres chose another shape"


def compare_winners(backend, frame, preset):
    ref = CandidateSearch(preset, device="numpy").search(frame)
    search = CandidateSearch(preset, device="numpy")
    search._backend = backend  # the device under test, behind the public search
    dev = search.search(frame)
    assert len(ref) == len(dev) > 0
    for r, d in zip(ref, dev, strict=True):
        assert (d.cx, d.cy) == pytest.approx((r.cx, r.cy), abs=1e-3)
        assert (d.a, d.b, d.angle_deg) == pytest.approx((r.a, r.b, r.angle_deg), abs=1e-3)
        assert d.fitness == pytest.approx(r.fitness, rel=RTOL, abs=ATOL)
        assert d.wall_contrast == pytest.approx(r.wall_contrast, rel=RTOL, abs=ATOL)


def test_kernels_match_the_reference_on_a_small_generated_frame(opencl):
    compare_levels(opencl, vessel_frame(), TINY)
    compare_winners(opencl, vessel_frame(), TINY)


def test_kernels_match_the_reference_next_to_a_black_border(opencl):
    pixels = vessel_frame(seed=2).pixels.copy()
    pixels[:, :12] = 0
    pixels[50:, :] = 0
    frame = Frame(pixels, (0.1, 0.1), 0, 0.0, "")
    compare_levels(opencl, frame, TINY)
    compare_winners(opencl, frame, TINY)


def test_kernels_match_the_reference_on_a_simulated_frame(opencl):
    from vesselscope.simulator import simulate_cine

    frame, _ = next(iter(simulate_cine("femoral", frames=1, seed=1, size=(128, 128))))
    compare_levels(opencl, frame, PRESETS["femoral"])
    compare_winners(opencl, frame, PRESETS["femoral"])


def test_kernels_match_the_reference_with_thin_shapes_moved_one_level_finer(opencl):
    from vesselscope.simulator import simulate_cine

    frame, _ = next(iter(simulate_cine("forearm", frames=1, seed=1, size=(128, 128))))
    assert PRESETS["forearm"].min_minor_px > 0
    compare_levels(opencl, frame, PRESETS["forearm"])
    compare_winners(opencl, frame, PRESETS["forearm"])


def test_kernels_match_the_reference_on_a_real_image(opencl, usgra_seg):
    import cv2

    pixels = cv2.imread(str(usgra_seg / "images" / "0000.png"), cv2.IMREAD_GRAYSCALE)
    frame = Frame(pixels, (0.075, 0.075), 0, 0.0, "usgra-seg 0000.png")
    compare_levels(opencl, frame, PRESETS["general"])
    compare_winners(opencl, frame, PRESETS["general"])


def test_the_gpu_layout_of_one_centre_per_work_item_matches_too(opencl):
    from vesselscope.candidates.opencl_backend import OpenCLBackend

    one_lane = OpenCLBackend(lanes=1)
    compare_levels(one_lane, vessel_frame(seed=3), TINY)
    compare_winners(one_lane, vessel_frame(seed=3), TINY)
    compare_levels(one_lane, CUT_FRAME, PARTIAL)
    compare_winners(one_lane, CUT_FRAME, PARTIAL)


# Lumens cut by the left, top and right edges, scored by their outline in view.
CUT_FRAME = vessel_frame((48, 85), centre=(6.0, 20.0), axes=(9.0, 7.0), seed=4)
CUT_FRAME.pixels[:14, 60:] = vessel_frame((14, 25), centre=(14.0, 2.0), seed=5).pixels
CUT_FRAME.pixels[20:, 70:] = vessel_frame((28, 15), centre=(14.0, 14.0), seed=6).pixels
PARTIAL = dataclasses.replace(TINY, min_in_view=0.75, skin_mm=0.1)


def test_kernels_match_the_reference_when_outlines_run_off_the_image(opencl):
    compare_levels(opencl, CUT_FRAME, PARTIAL)
    compare_winners(opencl, CUT_FRAME, PARTIAL)


def test_buffers_are_reused_while_the_geometry_stays(opencl):
    search = CandidateSearch(TINY)
    search.search(vessel_frame(seed=1))
    buffers = search._backend._buffers
    search.search(vessel_frame(seed=2))
    assert search._backend._buffers is buffers
    search.search(vessel_frame((64, 80)))
    assert search._backend._buffers is not buffers


def test_the_benchmark_hooks_report_kernel_time(opencl):
    search = CandidateSearch(TINY)
    search.search(vessel_frame())
    assert search.fit_kernel_seconds() > 0 and search.gather_probe_seconds() > 0
    assert search.last_timing["level_samples"] > 0


def test_following_a_vessel_by_its_edges_matches_the_reference(opencl):
    frame = vessel_frame((90, 120), centre=(60.0, 45.0), axes=(20.0, 5.0), angle_deg=10.0)
    seeds = np.array([[58.0, 47.0, 18.0, 8.0, 0.0], [30.0, 30.0, 8.0, 8.0, 0.0]])
    largest = np.array([[24.0, 12.0], [10.0, 8.0]])
    found = []
    for backend in (NumPyBackend(), opencl):
        search = CandidateSearch(TINY, device="numpy")
        search._backend = backend
        search.search(frame)
        references = search.edge_strength(frame, seeds)
        found.append((references, search.follow(frame, seeds, references, largest)))
    (ref_strengths, ref), (dev_strengths, dev) = found
    np.testing.assert_allclose(dev_strengths, ref_strengths, rtol=RTOL, atol=ATOL)
    for (r_ellipse, r_strength, r_contrast), (d_ellipse, d_strength, d_contrast) in zip(
        ref, dev, strict=True
    ):
        np.testing.assert_allclose(d_ellipse, r_ellipse, atol=1e-3)
        assert d_strength == pytest.approx(r_strength, rel=RTOL, abs=ATOL)
        assert d_contrast == pytest.approx(r_contrast, rel=RTOL, abs=ATOL)
