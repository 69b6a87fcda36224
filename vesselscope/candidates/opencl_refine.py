"""The full-resolution half of the OpenCL backend: the frame's gradient and variant fitness."""

from __future__ import annotations

import numpy as np
import pyopencl as cl

from vesselscope.candidates.opencl_buffers import PlanBuffers, constant
from vesselscope.candidates.opencl_kernels import Kernels
from vesselscope.candidates.plan import REFINE_SAMPLES, SearchPlan
from vesselscope.candidates.reference_gradient import LIVE_ENOUGH
from vesselscope.candidates.reference_refine import COS_T, SIN_T
from vesselscope.candidates.refine import MOVES

PAD = 2  # zero border of the full-resolution gradient (see ellipse_refine.cl)


class DeviceRefinement:
    def __init__(self, run: Kernels, context: cl.Context) -> None:
        self.run = run
        self.cos_t, self.sin_t = constant(context, COS_T), constant(context, SIN_T)
        self.moves = constant(context, MOVES)

    def enqueue_gradient(self, plan: SearchPlan, b: PlanBuffers) -> None:
        """Smoothed full-resolution gradient of the uploaded frame (no wait)."""
        rows, cols = plan.shape
        smoothed = (b.smooth_values, b.smooth_weight)
        planes, temp, taps = (b.values, b.live), (b.temp_a, b.temp_b), b.refine_taps
        radius = len(plan.refine_taps) // 2
        self.run.smooth(planes, temp, smoothed, (rows, cols), taps, radius)
        strips = -(-cols // self.run.lanes)
        self.run(
            "gradient_full",
            (strips, rows),
            *smoothed,
            rows,
            cols,
            PAD,
            cols + 2 * PAD,
            plan.refine_gain,
            LIVE_ENOUGH,
            b.full_gx,
            b.full_gy,
        )

    def evaluate(self, plan: SearchPlan, b: PlanBuffers, params: np.ndarray) -> np.ndarray:
        """(K, len(MOVES)) fitness of the shape variants of K winners (refine.py)."""
        winners, variants = params.shape[0], len(MOVES)
        b.refine_room(winners)
        cl.enqueue_copy(self.run.queue, b.params, np.ascontiguousarray(params, np.float32))
        rows, cols = plan.shape
        lanes = -(-variants // 8) * 8
        # One work-group per winner, whatever their count: with the driver choosing, PoCL
        # compiles the kernel anew for each count it meets (70-180 ms each with a cold cache,
        # seen when the tracker's edge following asked for 1, 2, 3... outlines).
        self.run(
            "refine_variants",
            (lanes, winners),
            b.full_gx,
            b.full_gy,
            cols + 2 * PAD,
            rows,
            cols,
            b.params,
            self.moves,
            variants,
            self.cos_t,
            self.sin_t,
            REFINE_SAMPLES,
            1.0 / REFINE_SAMPLES,
            plan.refine_min_in_view,
            b.fitness,
            local=(lanes, 1),
        )
        fitness = np.empty((winners, variants), np.float32)
        cl.enqueue_copy(self.run.queue, fitness, b.fitness)
        return fitness
