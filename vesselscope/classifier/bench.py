"""Time the classifier on one frame's worth of candidates (p50/p95/p99 over many runs).

Called by the benchmark command; numbers belong in its output and the README, never in tests.
"""

from __future__ import annotations

import os
import time

import numpy as np

from vesselscope.annotations import EllipseAnnotation
from vesselscope.classifier.engine import VesselClassifier


def _frame_and_candidates(n_crops: int, seed: int) -> tuple[np.ndarray, list[EllipseAnnotation]]:
    """A 512x512 speckle-like frame and `n_crops` ellipses of typical vessel sizes on it."""
    rng = np.random.default_rng(seed)
    pixels = np.clip(rng.rayleigh(40.0, (512, 512)), 0, 255).astype(np.uint8)
    ellipses = [
        EllipseAnnotation(
            cx=float(rng.uniform(40, 470)),
            cy=float(rng.uniform(40, 470)),
            a=float(rng.uniform(12, 60)),
            b=float(rng.uniform(8, 12)),
            angle_deg=float(rng.uniform(-90, 90)),
        )
        for _ in range(n_crops)
    ]
    return pixels, ellipses


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1e3
    return {f"p{q}_ms": float(np.percentile(ms, q)) for q in (50, 95, 99)}


def benchmark_classifier(
    n_crops: int = 8,
    runs: int = 200,
    model_path: str | os.PathLike[str] | None = None,
    warmup: int = 10,
) -> dict[str, object]:
    """Latency of classify(frame, candidates) (crop + normalise + network) and of the network
    alone, for `n_crops` candidates, after `warmup` untimed runs."""
    if n_crops < 1 or runs < 1:
        raise ValueError(f"n_crops and runs must be at least 1, got {n_crops}, {runs}")
    classifier = VesselClassifier(model_path)
    pixels, ellipses = _frame_and_candidates(n_crops, seed=0)
    crops = classifier.crops(pixels, ellipses)
    for _ in range(warmup):
        classifier.classify(pixels, ellipses)
    total, network = [], []
    for _ in range(runs):
        start = time.perf_counter()
        classifier.classify(pixels, ellipses)
        middle = time.perf_counter()
        classifier.classify_crops(crops)
        network.append(time.perf_counter() - middle)
        total.append(middle - start)
    return {
        "n_crops": n_crops,
        "runs": runs,
        "provider": classifier.provider,
        "model": str(classifier.model_path),
        "classify": _percentiles(total),
        "network": _percentiles(network),
    }
