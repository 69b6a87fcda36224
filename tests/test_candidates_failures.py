"""Candidate search without a device, with a broken kernel, and its bench command."""

import json
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.test_candidates import TINY, vessel_frame
from vesselscope.candidates import CandidateSearch, OpenCLFallbackWarning
from vesselscope.candidates.bench import bench_candidates, report_lines
from vesselscope.cli import main


@pytest.fixture
def no_opencl(monkeypatch):
    try:
        from vesselscope import opencl_device
    except ImportError:  # no pyopencl at all: the search falls back by itself
        return
    monkeypatch.setattr(opencl_device, "_platforms", lambda: [])


def test_no_device_gives_one_clear_warning_and_the_numpy_path(no_opencl):
    with pytest.warns(OpenCLFallbackWarning, match="no OpenCL device .*NumPy reference") as w:
        search = CandidateSearch(TINY)
    assert len(w) == 1 and search.backend == "NumPy reference"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one warning, not one per frame
        assert search.search(vessel_frame())
    assert search.fit_kernel_seconds() is None


def test_an_explicit_device_that_does_not_exist_is_an_error_not_a_fallback():
    pytest.importorskip("pyopencl")
    from vesselscope.opencl_device import NoOpenCLDevice

    with pytest.raises(NoOpenCLDevice, match="no OpenCL device '7:3'"):
        CandidateSearch(TINY, device="7:3")


def test_a_broken_kernel_fails_with_the_compiler_log():
    cl = pytest.importorskip("pyopencl")
    from vesselscope.candidates.programs import KernelBuildError, build, context_for
    from vesselscope.opencl_device import NoOpenCLDevice, choose_device

    try:
        _, device = choose_device()
    except NoOpenCLDevice as exc:
        pytest.skip(f"no OpenCL device: {exc}")
    source = "__kernel void broken(__global float *x) { x[0] = undeclared_name; }"
    with pytest.raises(KernelBuildError, match="broken.cl failed to build") as error:
        build(context_for(device), device, source, "broken.cl")
    assert "undeclared_name" in str(error.value)
    assert isinstance(error.value.__cause__, cl.Error)


def test_a_driver_that_logs_successful_builds_prints_nothing(monkeypatch):
    """NVIDIA's driver writes a build log even on success; pyopencl turns it into a warning
    that every first run on such a GPU printed (doctor on an H100)."""
    cl = pytest.importorskip("pyopencl")
    from vesselscope.candidates.programs import build, context_for
    from vesselscope.opencl_device import NoOpenCLDevice, choose_device, smoke_test

    try:
        _, device = choose_device()
    except NoOpenCLDevice as exc:
        pytest.skip(f"no OpenCL device: {exc}")
    real_build = cl.Program.build

    def chatty_build(self, *args, **kwargs):
        built = real_build(self, *args, **kwargs)
        warnings.warn("Non-empty compiler output encountered", cl.CompilerWarning, stacklevel=2)
        return built

    monkeypatch.setattr(cl.Program, "build", chatty_build)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        smoke_test(device)
        source = "__kernel void quiet(__global float *x) { x[0] = 1.0f; }"
        build(context_for(device), device, source, "quiet.cl")


def test_programs_are_built_once_per_device_and_options():
    pytest.importorskip("pyopencl")
    from vesselscope.candidates.programs import kernel_source, program
    from vesselscope.opencl_device import NoOpenCLDevice, choose_device

    fit = kernel_source("ellipse_fit.cl")
    assert "__kernel void fit_ellipses" in fit
    assert "#define LOADV" in fit and "#include" not in fit  # the shared header, inlined
    try:
        _, device = choose_device()
    except NoOpenCLDevice as exc:
        pytest.skip(f"no OpenCL device: {exc}")
    first = program(device, "gather_probe.cl", ("-DVW=4",))
    assert program(device, "gather_probe.cl", ("-DVW=4",)) is first
    assert program(device, "gather_probe.cl", ("-DVW=1",)) is not first


def test_bench_reports_latency_device_throughput_and_speedup(capsys):
    code = main(
        [
            "bench",
            "--stage",
            "candidates",
            "sim://femoral?seed=1&frames=3&size=96,96",
            "--reference-frames",
            "1",
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["frames"] == 3
    assert report["p50_ms"] <= report["p95_ms"] <= report["p99_ms"]
    assert report["device"] and report["samples_per_s"] > 0
    if report["device"] != "NumPy reference":
        assert report["gather_samples_per_s"] > 0 and report["efficiency"] > 0
        assert report["speedup"] > 0 and report["same_winners"] == 1


def test_bench_on_frames_of_two_sizes_compares_the_fit_with_the_probe_on_the_same_size(
    monkeypatch,
):
    # Device counters stand-ins: the fit runs at 2 G samples/s, the probe at 4 G, on every
    # size. Each size has its own sample count, so mixing them would skew the ratio.
    def fit_seconds(search):
        return search.last_timing["level_samples"] / 2e9

    def probe_seconds(search):
        return search.last_timing["level_samples"] / 4e9

    monkeypatch.setattr(CandidateSearch, "fit_kernel_seconds", fit_seconds)
    monkeypatch.setattr(CandidateSearch, "gather_probe_seconds", probe_seconds)
    small, large = vessel_frame((60, 80), seed=1), vessel_frame((90, 120), seed=2)
    report = bench_candidates(
        [large, small, large, small], TINY, device="numpy", reference_frames=0, warmup=0
    )
    assert report.shapes == [(90, 120), (60, 80)]
    assert report.fit_samples_per_s == pytest.approx(2e9)
    assert report.efficiency == pytest.approx(0.5)
    assert "4 frames of 80 x 60 to 120 x 90 px" in report_lines("frames", report)[0]


def palette_png(path: Path, indices: np.ndarray) -> None:
    """An 8-bit palette PNG (the usgra-seg mask format), written by hand: OpenCV cannot."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows, cols = indices.shape
    raw = b"".join(b"\0" + bytes(row) for row in indices.astype(np.uint8))
    palette = bytes([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * 3 * 253)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", cols, rows, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", palette)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_recall_on_a_folder_laid_out_like_usgra_seg(tmp_path, capsys):
    import cv2

    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    frame = vessel_frame((96, 96), (48.0, 56.0), (16.0, 12.0), angle_deg=0.0, spacing=0.15)
    cv2.imwrite(str(tmp_path / "images" / "0000.png"), frame.pixels)
    labels = np.zeros((96, 96), np.uint8)
    cv2.ellipse(labels, (48, 56), (15, 11), 0, 0, 360, 2, -1)  # vessel
    cv2.ellipse(labels, (20, 20), (6, 6), 0, 0, 360, 1, -1)  # nerve: not counted
    palette_png(tmp_path / "masks" / "0000.png", labels)
    code = main(
        ["bench", "--recall", str(tmp_path), "--spacing", "0.15", "--device", "numpy", "--json"]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (summary["found"], summary["regions"], summary["frames"]) == (1, 1, 1)
    assert summary["spacing_mm"] == 0.15 and summary["top_k"] == 10


def test_recall_on_a_simulated_cine(capsys):
    code = main(
        [
            "bench",
            "--recall",
            "sim://carotid?seed=2&frames=2&size=128,128",
            "--preset",
            "carotid",
            "--device",
            "numpy",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "vessel regions" in out and "preset carotid" in out
