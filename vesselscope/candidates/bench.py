"""Benchmark of the candidate search: latency, throughput against the gather limit, speed-up.

Frames are decoded before timing starts, so only the search is measured. Latencies are
wall-clock per frame. Kernel throughputs come from the queue's profiling counters and compare
the best run of the fit (over the frames) with the best of PROBE_RUNS runs of the gather probe:
on a shared machine the best run is the one least disturbed by other work. The probe runs over
the last frame's levels, so the fit's best run is taken among the frames of that geometry (a
folder of stills may mix sizes, each with its own count of samples).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from vesselscope.candidates.candidate import Candidate
from vesselscope.candidates.search import CandidateSearch
from vesselscope.frame import Frame

PROBE_RUNS = 10


@dataclass(frozen=True)
class BenchReport:
    frames: int
    shapes: list[tuple[int, int]]  # the distinct frame sizes (rows, cols), in order of appearance
    spacing_mm: tuple[float, float]
    preset: str
    top_k: int
    device: str
    p50_ms: float
    p95_ms: float
    p99_ms: float
    frames_per_s: float
    stage_ms: dict[str, float]  # mean per stage
    level_samples: float  # ellipse outline samples per frame in the level search
    refine_samples: float  # and in the full-resolution refinement
    samples_per_s: float  # all samples over wall-clock time
    fit_samples_per_s: float | None  # in the fit kernel alone (OpenCL only)
    gather_samples_per_s: float | None  # same loads, trivial arithmetic: the practical limit
    efficiency: float | None  # fit / gather
    reference_frames: int
    reference_ms: float | None  # NumPy reference, mean per frame on the first frames
    opencl_ms_same_frames: float | None
    speedup: float | None
    same_winners: int | None  # frames whose winners agree between OpenCL and the reference


def _same(a: list[Candidate], b: list[Candidate], tolerance_px: float = 0.5) -> bool:
    return len(a) == len(b) and all(
        abs(x.cx - y.cx) <= tolerance_px and abs(x.cy - y.cy) <= tolerance_px
        for x, y in zip(a, b, strict=True)
    )


def bench_candidates(
    frames: list[Frame],
    preset: str = "general",
    *,
    device: str | None = None,
    top_k: int = 10,
    reference_frames: int = 10,
    warmup: int = 3,
    default_spacing_mm: float | None = None,
) -> BenchReport:
    search = CandidateSearch(
        preset, device=device, top_k=top_k, default_spacing_mm=default_spacing_mm
    )
    for _ in range(warmup):  # build programs, allocate buffers, warm caches
        search.search(frames[0])
    times, stages, found = [], [], []
    fit_runs = []  # (frame size, level samples, samples per second) of each frame's fit kernel
    for frame in frames:
        start = time.perf_counter()
        found.append(search.search(frame))
        times.append((time.perf_counter() - start) * 1e3)
        stages.append(search.last_timing)
        seconds = search.fit_kernel_seconds()
        if seconds:
            samples = stages[-1]["level_samples"]
            fit_runs.append((frame.shape, samples, samples / seconds))
    ms = np.array(times)
    level_samples = float(np.mean([s["level_samples"] for s in stages]))
    refine_samples = float(np.mean([s["refine_samples"] for s in stages]))
    fit_rate = gather_rate = None
    if fit_runs:
        shape, samples, _ = fit_runs[-1]
        fit_rate = max(rate for s, n, rate in fit_runs if (s, n) == (shape, samples))
        probe = [search.gather_probe_seconds() or np.inf for _ in range(PROBE_RUNS)]
        gather_rate = samples / min(probe)
    reference_ms = opencl_same = speedup = same = None
    count = min(reference_frames, len(frames))
    if count and search.backend != "NumPy reference":
        reference = CandidateSearch(
            preset, device="numpy", top_k=top_k, default_spacing_mm=default_spacing_mm
        )
        spent, same = 0.0, 0
        for frame, mine in zip(frames[:count], found, strict=False):
            start = time.perf_counter()
            theirs = reference.search(frame)
            spent += time.perf_counter() - start
            same += _same(mine, theirs)
        reference_ms = spent * 1e3 / count
        opencl_same = float(np.mean(ms[:count]))
        speedup = reference_ms / opencl_same
    plan = search.plan_for(frames[0])
    return BenchReport(
        frames=len(frames),
        shapes=list(dict.fromkeys(frame.shape for frame in frames)),
        spacing_mm=plan.spacing_mm,
        preset=search.preset.name,
        top_k=top_k,
        device=search.backend,
        p50_ms=float(np.percentile(ms, 50)),
        p95_ms=float(np.percentile(ms, 95)),
        p99_ms=float(np.percentile(ms, 99)),
        frames_per_s=1e3 / float(np.mean(ms)),
        stage_ms={
            k: float(np.mean([s[k] for s in stages]))
            for k in ("search_ms", "select_ms", "refine_ms")
        },
        level_samples=level_samples,
        refine_samples=refine_samples,
        samples_per_s=(level_samples + refine_samples) / (float(np.mean(ms)) * 1e-3),
        fit_samples_per_s=fit_rate,
        gather_samples_per_s=gather_rate,
        efficiency=fit_rate / gather_rate if fit_rate and gather_rate else None,
        reference_frames=count if reference_ms is not None else 0,
        reference_ms=reference_ms,
        opencl_ms_same_frames=opencl_same,
        speedup=speedup,
        same_winners=same,
    )


def describe_sizes(shapes: list[tuple[int, int]]) -> str:
    """ "512 x 512", or "512 x 512 to 761 x 632" for frames (rows, cols) of several sizes."""
    sizes = sorted(shapes, key=lambda shape: shape[0] * shape[1])
    return " to ".join(f"{cols} x {rows}" for rows, cols in dict.fromkeys((sizes[0], sizes[-1])))


def report_lines(source: str, r: BenchReport) -> list[str]:
    size = describe_sizes(r.shapes)
    lines = [
        f"candidate search on {source}: {r.frames} frames of {size} px at "
        f"{r.spacing_mm[1]:.4f} mm/px, preset {r.preset}, top {r.top_k}",
        f"device:          {r.device}",
        f"per frame:       p50 {r.p50_ms:.1f} ms   p95 {r.p95_ms:.1f} ms   p99 {r.p99_ms:.1f} ms"
        f"   ({r.frames_per_s:.1f} frames/s)",
        "stages (mean):   " + ", ".join(f"{k[:-3]} {v:.1f} ms" for k, v in r.stage_ms.items()),
        f"samples/frame:   {r.level_samples / 1e6:.2f} M ellipse samples in the level search"
        f" + {r.refine_samples / 1e6:.3f} M in the refinement",
        f"throughput:      {r.samples_per_s / 1e9:.2f} G samples/s end to end",
    ]
    if r.fit_samples_per_s and r.gather_samples_per_s and r.efficiency:
        lines.append(
            f"fit kernel:      {r.fit_samples_per_s / 1e9:.2f} G samples/s; gather probe (same "
            f"loads, no arithmetic) {r.gather_samples_per_s / 1e9:.2f} G samples/s; "
            f"efficiency {100 * r.efficiency:.0f}%"
        )
    if r.reference_ms is not None and r.speedup is not None:
        lines.append(
            f"NumPy reference: {r.reference_ms:.0f} ms per frame on the first "
            f"{r.reference_frames} frames (OpenCL {r.opencl_ms_same_frames:.1f} ms): "
            f"{r.speedup:.1f}x faster; same winners on {r.same_winners}/{r.reference_frames}"
        )
    return lines
