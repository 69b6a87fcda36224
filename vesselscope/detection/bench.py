"""End-to-end benchmark of the Detector: per-stage latency percentiles and frames per second."""

from __future__ import annotations

import time

from vesselscope.candidates.bench import describe_sizes
from vesselscope.detection.detector import Detector, DetectorSettings
from vesselscope.evaluation.metrics import percentiles
from vesselscope.frame import Frame

WARM_UP_FRAMES = 3  # kernel compilation, first allocations and ONNX Runtime's first run


def bench_pipeline(frames: list[Frame], settings: DetectorSettings) -> dict:
    """Run every frame through one Detector (after a warm-up) and summarise the timings."""
    detector = Detector(settings)
    for frame in frames[:WARM_UP_FRAMES]:
        detector.warm_up(frame)
    stages: dict[str, list[float]] = {}
    vessels = 0
    started = time.perf_counter()
    for frame in frames:
        result = detector.process(frame)
        vessels += len(result.vessels)
        for stage, ms in result.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    wall = time.perf_counter() - started
    return {
        "frames": len(frames),
        "frame_shape": list(frames[0].shape),
        "frame_shapes": [list(shape) for shape in dict.fromkeys(f.shape for f in frames)],
        "spacing_mm": list(detector.search.plan_for(frames[0]).spacing_mm),
        "device": detector.device,
        "provider": detector.provider,
        "preset": detector.search.preset.name,
        "top_k": detector.search.top_k,
        "frames_per_second": len(frames) / wall,
        "vessels_per_frame": vessels / len(frames),
        "latency_ms": {stage: percentiles(values) for stage, values in stages.items()},
    }


def pipeline_lines(source: str, report: dict) -> list[str]:
    size = describe_sizes([tuple(shape) for shape in report["frame_shapes"]])
    lines = [
        f"source:   {source} ({report['frames']} frames of {size} px, "
        f"{report['spacing_mm'][1]:.4f} mm/px)",
        f"device:   {report['device']}",
        f"provider: {report['provider']}",
        f"preset:   {report['preset']}, top {report['top_k']} candidates classified per frame",
        f"speed:    {report['frames_per_second']:.1f} frames/s end to end, "
        f"{report['vessels_per_frame']:.2f} vessels per frame",
        f"{'stage':12s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s}",
    ]
    for stage, p in report["latency_ms"].items():
        lines.append(f"{stage:12s} {p['p50']:8.2f} {p['p95']:8.2f} {p['p99']:8.2f}")
    return lines
