"""CandidateSearch: stage 1 of the method, frame in, ranked ellipse candidates out."""

from __future__ import annotations

import time
import warnings
from typing import Protocol

import numpy as np

from vesselscope.candidates import follow as following
from vesselscope.candidates.candidate import Candidate
from vesselscope.candidates.numpy_backend import NumPyBackend
from vesselscope.candidates.plan import REFINE_ROUNDS, REFINE_SAMPLES, SearchPlan, build_plan
from vesselscope.candidates.presets import CandidatePreset, get_preset
from vesselscope.candidates.refine import MOVES, refine
from vesselscope.candidates.selection import LevelResult, greedy_nms, level_candidates
from vesselscope.frame import Frame


class OpenCLFallbackWarning(UserWarning):
    """No OpenCL device: the search runs on the (much slower) NumPy reference."""


class Backend(Protocol):
    name: str

    def levels(self, plan: SearchPlan, image: np.ndarray) -> list[LevelResult]: ...
    def prepare_refine(self, plan: SearchPlan, image: np.ndarray) -> None: ...
    def evaluate(self, params: np.ndarray) -> np.ndarray: ...
    def fit_seconds(self) -> float | None: ...
    def gather_seconds(self, plan: SearchPlan) -> float | None: ...


def make_backend(device: str | None) -> Backend:
    """Backend for `device`: "numpy" forces the reference; None picks OpenCL (GPU first) and
    falls back to the reference with one warning.

    An explicit device ("gpu", "cpu", "P:D") that does not exist is an error, not a fallback.
    """
    if device == "numpy":
        return NumPyBackend()
    try:
        from vesselscope.candidates.opencl_backend import OpenCLBackend
        from vesselscope.opencl_device import NoOpenCLDevice
    except ImportError as exc:  # pyopencl or its ICD loader missing altogether
        if device is not None:
            raise
        return _fallback(f"pyopencl cannot be imported: {exc}")
    try:
        return OpenCLBackend(device)
    except NoOpenCLDevice as exc:
        if device is not None:
            raise
        return _fallback(str(exc))


def _fallback(reason: str) -> Backend:
    warnings.warn(
        f"no OpenCL device ({reason}); the vessel candidate search runs on the NumPy reference "
        "instead, which is far slower than real time",
        OpenCLFallbackWarning,
        stacklevel=4,
    )
    return NumPyBackend()


class CandidateSearch:
    """Find vessel lumen candidates in frames: ellipse fitting over a multi-level grid of centres.

    preset: a name of PRESETS or a CandidatePreset (millimetres). device: None (auto: GPU, then
    CPU, PYOPENCL_CTX honoured), "gpu", "cpu", "P:D", or "numpy" for the reference.
    After each search, `last_timing` holds milliseconds per stage and the samples evaluated.
    """

    def __init__(
        self,
        preset: str | CandidatePreset = "general",
        *,
        device: str | None = None,
        top_k: int = 10,
        default_spacing_mm: float | None = None,
    ) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        if default_spacing_mm is not None and not default_spacing_mm > 0:
            raise ValueError(f"default_spacing_mm must be positive, got {default_spacing_mm}")
        self.preset = get_preset(preset)
        self.top_k = top_k
        self.default_spacing_mm = default_spacing_mm
        self._backend = make_backend(device)
        self._plan: SearchPlan | None = None
        self._searched: Frame | None = None  # the frame whose full-resolution gradient is ready
        self.last_timing: dict[str, float] = {}

    @property
    def backend(self) -> str:
        return self._backend.name

    def fit_kernel_seconds(self) -> float | None:
        """Device time of the last frame's fit kernels; None on the NumPy reference."""
        return self._backend.fit_seconds()

    def gather_probe_seconds(self) -> float | None:
        """Device time of the gather probe (opencl/gather_probe.cl) over the last frame's
        levels: the same loads as the fit with trivial arithmetic; None on the reference."""
        return self._backend.gather_seconds(self._plan) if self._plan else None

    def plan_for(self, frame: Frame) -> SearchPlan:
        """The plan of this frame's size and spacing (kept while they stay the same)."""
        spacing = frame.spacing_mm
        if spacing is None:
            if self.default_spacing_mm is None:
                raise ValueError(
                    f"frame {frame.index} of {frame.origin or 'an unnamed source'} has no pixel "
                    "spacing: the candidate search needs mm per pixel (pass default_spacing_mm=, "
                    "or open the source with spacing_mm=)"
                )
            spacing = (self.default_spacing_mm, self.default_spacing_mm)
        key = (frame.shape, tuple(float(s) for s in spacing))
        if self._plan is None or (self._plan.shape, self._plan.spacing_mm) != key:
            self._plan = build_plan(self.preset, frame.shape, key[1])
        return self._plan

    def search(self, frame: Frame) -> list[Candidate]:
        """At most top_k candidates, best fitness first."""
        start = time.perf_counter()
        plan = self.plan_for(frame)
        image = np.ascontiguousarray(frame.pixels, dtype=np.float32)
        results = self._backend.levels(plan, image)
        searched = time.perf_counter()
        everyone = level_candidates(plan, results)
        winners = everyone.take(greedy_nms(everyone, self.top_k, self.preset.nms_enlarge))
        selected = time.perf_counter()
        self._backend.prepare_refine(plan, image)
        self._searched = frame
        if len(winners):
            winners = refine(plan, results, winners, self._backend.evaluate)
        done = time.perf_counter()
        refine_samples = len(winners) * REFINE_ROUNDS * len(MOVES) * REFINE_SAMPLES
        self.last_timing = {
            "search_ms": (searched - start) * 1e3,
            "select_ms": (selected - searched) * 1e3,
            "refine_ms": (done - selected) * 1e3,
            "total_ms": (done - start) * 1e3,
            "level_samples": float(plan.samples_per_frame),
            "refine_samples": float(refine_samples),
        }
        spacing = plan.spacing_mm
        return [
            Candidate(
                cx=float(winners.cx[i]),
                cy=float(winners.cy[i]),
                a=float(winners.a[i]),
                b=float(winners.b[i]),
                angle_deg=float(winners.angle_deg[i]),
                fitness=float(winners.fitness[i]),
                wall_contrast=float(winners.contrast[i]),
                spacing_mm=spacing,
            )
            for i in range(len(winners))
        ]

    def edge_strength(self, frame: Frame, ellipses: np.ndarray) -> np.ndarray:
        """Uncapped mean edge step over each ellipse's outline (N, 5 px: cx, cy, a, b, angle)
        in `frame`, which must be the frame searched last."""
        self._require_searched(frame)
        return following.edge_strength(ellipses, self._backend.evaluate)

    def follow(
        self, frame: Frame, seeds: np.ndarray, references: np.ndarray, largest: np.ndarray
    ) -> list[tuple[np.ndarray, float, float]]:
        """Per seed ellipse (N, 5 px), the best ellipse near it in `frame` (searched last): the
        one of highest edge strength x wall contrast, with both (see follow.py)."""
        self._require_searched(frame)
        plan = self.plan_for(frame)
        found, strength = following.follow(plan, seeds, references, largest, self._backend.evaluate)
        wall_px = self.preset.wall_mm / float(np.sqrt(np.prod(plan.spacing_mm)))
        best = []
        for ellipses, strengths in zip(found, strength, strict=True):
            contrast = np.array(
                [following.wall_contrast(frame.pixels, e, wall_px) for e in ellipses]
            )
            i = int(np.argmax(strengths * np.clip(contrast, 0, 1)))
            best.append((ellipses[i], float(strengths[i]), float(contrast[i])))
        return best

    def _require_searched(self, frame: Frame) -> None:
        if self._searched is not frame:
            raise RuntimeError("follow and edge_strength work on the frame searched last")
