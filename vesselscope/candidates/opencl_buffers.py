"""Device buffers of one search plan: allocated once, reused for every frame of that geometry."""

from __future__ import annotations

import numpy as np
import pyopencl as cl

from vesselscope.candidates.plan import LevelPlan, SearchPlan
from vesselscope.candidates.refine import MOVES, PARAMS

_FLOAT = 4


def constant(context: cl.Context, array: np.ndarray) -> cl.Buffer:
    flags = cl.mem_flags.READ_ONLY | cl.mem_flags.COPY_HOST_PTR
    return cl.Buffer(context, flags, hostbuf=np.ascontiguousarray(array))


def scratch(context: cl.Context, items: int) -> cl.Buffer:
    return cl.Buffer(context, cl.mem_flags.READ_WRITE, max(1, items) * _FLOAT)


class LevelBuffers:
    """Binned planes, padded gradient images, fit outputs and shape tables of one level."""

    def __init__(self, context: cl.Context, level: LevelPlan) -> None:
        self.level = level
        pixels = level.rows * level.cols
        padded = level.padded_rows * level.stride
        outputs = level.window_rows * level.cols_padded
        tables = level.tables
        self.values, self.live = scratch(context, pixels), scratch(context, pixels)
        self.intensity, self.gx, self.gy, self.live_padded = (
            scratch(context, padded) for _ in range(4)
        )
        self.score, self.shape, self.contrast = (scratch(context, outputs) for _ in range(3))
        self.sink = scratch(context, outputs)  # the gather probe's output
        self.offsets = constant(context, tables.flat_offsets("outline", level.stride))
        self.normals = constant(context, tables.normals())
        self.weights = constant(context, level.weights)
        self.steps = constant(context, tables.steps())
        reach = tables.outline_reach()
        self.reach, self.max_reach = constant(context, reach), int(reach.max())
        self.beyond = constant(context, tables.beyond_edges())
        self.out_offsets = constant(context, tables.flat_offsets("out", level.stride))
        self.in_offsets = constant(context, tables.flat_offsets("in", level.stride))


class PlanBuffers:
    """Everything a frame of `plan`'s size and spacing needs on the device."""

    def __init__(self, queue: cl.CommandQueue, plan: SearchPlan) -> None:
        context = self.context = queue.context
        pixels = plan.shape[0] * plan.shape[1]
        self.image = scratch(context, pixels)
        self.values, self.live = scratch(context, pixels), scratch(context, pixels)
        # smoothing intermediates, shared by the levels and the full-resolution pass (one
        # in-order queue: a level's smoothing never overlaps another's)
        self.temp_a, self.temp_b = scratch(context, pixels), scratch(context, pixels)
        self.smooth_values, self.smooth_weight = scratch(context, pixels), scratch(context, pixels)
        padded = (plan.shape[0] + 4) * (plan.shape[1] + 4)  # a zero border of 2 px
        self.full_gx, self.full_gy = scratch(context, padded), scratch(context, padded)
        self.level_taps = constant(context, plan.level_taps)
        self.refine_taps = constant(context, plan.refine_taps)
        self.levels = [LevelBuffers(context, level) for level in plan.levels]
        for border in (self.full_gx, self.full_gy):  # kernels write only the inside
            cl.enqueue_fill_buffer(queue, border, np.float32(0), 0, padded * _FLOAT)
        self.winners = 0
        self.params = self.fitness = scratch(context, 1)

    def refine_room(self, winners: int) -> None:
        """Grow the refinement buffers to hold `winners` (they only ever grow)."""
        if winners > self.winners:
            self.params = scratch(self.context, winners * PARAMS)
            self.fitness = scratch(self.context, winners * len(MOVES))
            self.winners = winners
