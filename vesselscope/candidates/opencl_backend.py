"""The OpenCL backend: the kernels of opencl/ on the chosen device (GPU first, then CPU).

Per frame: one upload, then for each level binning, smoothing, gradient, fit and wall test, and
one read of the per-centre results; the refinement adds a full-resolution gradient (enqueued
right behind the reads, so the device computes it while the host selects the winners) and a
small kernel per round (opencl_refine.py). Programs are cached per (device, options)
(programs.py); buffers live as long as the frame geometry stays the same (opencl_buffers.py).
"""

from __future__ import annotations

import numpy as np
import pyopencl as cl

from vesselscope.candidates.opencl_buffers import LevelBuffers, PlanBuffers
from vesselscope.candidates.opencl_kernels import Kernels
from vesselscope.candidates.opencl_refine import DeviceRefinement
from vesselscope.candidates.plan import LANES, SearchPlan
from vesselscope.candidates.programs import context_for
from vesselscope.candidates.reference_gradient import DEAD_LEVEL, LIVE_ENOUGH
from vesselscope.candidates.selection import LevelResult
from vesselscope.opencl_device import choose_device


def kernel_seconds(events: list[cl.Event]) -> float:
    """Device time of finished kernels, from the queue's profiling counters."""
    return sum((e.profile.end - e.profile.start) * 1e-9 for e in events)


class OpenCLBackend:
    """lanes: centres per work-item; None picks 1 on GPUs (work-items are the lanes there) and
    LANES on other devices (one work-item fills a CPU vector)."""

    def __init__(self, preference: str | None = None, lanes: int | None = None) -> None:
        info, device = choose_device(preference)
        self.name = info.describe()
        self.context = context_for(device)
        self.queue = cl.CommandQueue(
            self.context, properties=cl.command_queue_properties.PROFILING_ENABLE
        )
        if lanes is None:
            lanes = 1 if info.kind == "GPU" else LANES
        self.run = Kernels(device, self.queue, lanes)
        self.refinement = DeviceRefinement(self.run, self.context)
        self._plan: SearchPlan | None = None
        self._buffers: PlanBuffers | None = None
        self.fit_events: list[cl.Event] = []  # the last frame's fit kernels, for the benchmark

    def buffers(self, plan: SearchPlan) -> PlanBuffers:
        if self._buffers is None or self._plan is not plan:
            self._buffers = PlanBuffers(self.queue, plan)
            self._plan = plan
        return self._buffers

    def levels(self, plan: SearchPlan, image: np.ndarray) -> list[LevelResult]:
        b = self.buffers(plan)
        rows, cols = plan.shape
        cl.enqueue_copy(self.queue, b.image, image)
        self.run("live_input", (rows * cols,), b.image, DEAD_LEVEL, b.values, b.live)
        radius = len(plan.level_taps) // 2
        smoothed = (b.smooth_values, b.smooth_weight)
        self.fit_events = []
        source, source_cols = (b.values, b.live), cols
        for lb in b.levels:
            level = lb.level
            bins = (level.bin_rows, level.bin_cols) if level.index == 0 else (2, 2)
            self.run(
                "bin_mean",
                (level.cols, level.rows),
                *source,
                source_cols,
                *bins,
                1.0 / (bins[0] * bins[1]),
                lb.values,
                lb.live,
            )
            source, source_cols = (lb.values, lb.live), level.cols
            self.run.smooth(
                source,
                (b.temp_a, b.temp_b),
                smoothed,
                (level.rows, level.cols),
                b.level_taps,
                radius,
            )
            self.run(
                "gradient",
                (level.stride, level.padded_rows),
                *smoothed,
                lb.live,
                level.rows,
                level.cols,
                level.pad,
                level.stride,
                plan.level_gain,
                LIVE_ENOUGH,
                lb.intensity,
                lb.gx,
                lb.gy,
                lb.live_padded,
            )
            if level.window_rows:
                self.fit_events.append(self._fit(plan, lb))
        results, reads = zip(*(self._read(lb) for lb in b.levels), strict=True)
        self.refinement.enqueue_gradient(plan, b)
        cl.wait_for_events([e for events in reads for e in events])
        return list(results)

    def _fit(self, plan: SearchPlan, lb: LevelBuffers) -> cl.Event:
        level, tables = lb.level, lb.level.tables
        where = (level.stride, level.pad, level.first_row, level.cols_padded)
        strips = (level.cols_padded // self.run.lanes, level.window_rows)
        event = self.run(
            "fit_ellipses",
            strips,
            lb.gx,
            lb.gy,
            lb.live_padded,
            *where,
            lb.offsets,
            lb.normals,
            lb.weights,
            tables.count,
            tables.samples,
            plan.preset.edge_cap,
            LIVE_ENOUGH,
            level.rows,
            level.cols,
            lb.steps,
            lb.reach,
            lb.beyond,
            lb.max_reach,
            level.min_in_view,
            lb.score,
            lb.shape,
        )
        self.run(
            "wall_contrast",
            (level.cols_padded, level.window_rows),
            lb.intensity,
            *where,
            lb.out_offsets,
            lb.in_offsets,
            tables.samples,
            lb.shape,
            lb.contrast,
        )
        return event

    def _read(self, lb: LevelBuffers) -> tuple[LevelResult, list[cl.Event]]:
        """The level's results, read without waiting: valid once the events completed."""
        level = lb.level
        size = (level.window_rows, level.cols_padded)
        score, contrast = np.empty(size, np.float32), np.empty(size, np.float32)
        shape = np.empty(size, np.int32)
        events = []
        if level.window_rows:
            for host, device in ((score, lb.score), (shape, lb.shape), (contrast, lb.contrast)):
                events.append(cl.enqueue_copy(self.queue, host, device, is_blocking=False))
        crop = np.s_[:, : level.cols]  # drop the centres that only fill the last vector
        return LevelResult(score[crop], shape[crop], contrast[crop]), events

    def prepare_refine(self, plan: SearchPlan, image: np.ndarray) -> None:
        """Nothing left to do: levels() enqueued the full-resolution gradient already."""

    def evaluate(self, params: np.ndarray) -> np.ndarray:
        assert self._plan is not None and self._buffers is not None
        return self.refinement.evaluate(self._plan, self._buffers, params)

    def fit_seconds(self) -> float:
        return kernel_seconds(self.fit_events)

    def gather_seconds(self, plan: SearchPlan) -> float:
        """The gather probe over the last frame's levels, same tables and launch sizes."""
        events = []
        for lb in self.buffers(plan).levels:
            level = lb.level
            if level.window_rows:
                strips = (level.cols_padded // self.run.lanes, level.window_rows)
                where = (level.stride, level.pad, level.first_row, level.cols_padded)
                events.append(
                    self.run(
                        "gather_probe",
                        strips,
                        lb.gx,
                        lb.gy,
                        *where,
                        lb.offsets,
                        level.tables.count,
                        level.tables.samples,
                        lb.sink,
                    )
                )
        cl.wait_for_events(events)
        return kernel_seconds(events)
