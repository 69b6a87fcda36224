"""One frame's tissue maps in the probe's view: the moving world window, vessels, reverberation."""

from __future__ import annotations

import math

import cv2
import numpy as np

from vesselscope.simulator.anatomy import FASCIA_MM, World, build_world
from vesselscope.simulator.motion import MotionModel, ProbeState, view_depth, world_depth
from vesselscope.simulator.presets import Preset
from vesselscope.simulator.vessels import VesselView, draw_vessel, vessel_views

REVERB_ORDERS = (2, 3)  # echoes bouncing between probe and fascia land at 2x and 3x its depth


class Scene:
    """The static world of one seed, and the view of it the probe has at each moment."""

    def __init__(self, preset: Preset, seed: int, shape: tuple[int, int], spacing: float) -> None:
        self.preset, self.shape, self.spacing = preset, shape, spacing
        self.motion = MotionModel(preset.motion, np.random.default_rng([seed, 1]))
        rows, cols = shape
        self.margin = math.ceil((self.motion.max_slide_mm + 1.0) / spacing) + 2
        self.depth_mm = rows * spacing
        extra_mm = self.motion.max_press_mm + preset.motion.breathing_mm + 2.0
        world_shape = (math.ceil((self.depth_mm + extra_mm) / spacing), cols + 2 * self.margin)
        self.world: World = build_world(
            preset,
            np.random.default_rng([seed, 0]),
            spacing,
            world_shape,
            origin_col=self.margin + (cols - 1) / 2,
        )
        self.world_depth_mm = world_shape[0] * spacing

    def view(
        self, state: ProbeState
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[VesselView]]:
        """Tissue maps, static scatterers, speckle memory and vessels seen at this moment."""
        rows, cols = self.shape
        s = self.spacing
        map_x = np.arange(cols, dtype=np.float64) + state.slide_mm / s + self.margin
        map_y = world_depth(np.arange(rows) * s, state, self.world_depth_mm) / s
        grid_x = np.broadcast_to(map_x.astype(np.float32), (rows, cols))
        grid_y = np.broadcast_to(map_y.astype(np.float32)[:, None], (rows, cols))
        warp = dict(interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        props = cv2.remap(self.world.props, grid_x, grid_y, **warp)
        static = cv2.remap(self.world.scatterers, grid_x, grid_y, **warp)
        # Linear interpolation between independent scatterers lowers their variance by
        # (1-f)^2 + f^2 per axis; undo it so speckle brightness does not flicker as tissue moves.
        fx, fy = map_x[0] % 1, map_y % 1  # sliding moves every column by the same amount
        loss = ((1 - fx) ** 2 + fx**2) * ((1 - fy) ** 2 + fy**2)
        static *= (1 / np.sqrt(loss)).astype(np.float32)[:, None, None]
        memory = np.full((rows, cols), self.preset.motion.speckle_memory, np.float32)

        vessels = self.vessels(state)
        for vessel in vessels:
            draw_vessel(props, memory, vessel)
        self._add_reverberation(props[..., 3], map_x, state)
        return props, static, memory, vessels

    def vessels(self, state: ProbeState) -> list[VesselView]:
        """Every vessel's lumen in view pixels at this moment, visible or not."""
        return vessel_views(
            self.world.vessels,
            state,
            pulsation=self.preset.motion.pulsation,
            spacing=self.spacing,
            shape=self.shape,
            min_lumen_mm=self.preset.probe.axial_fwhm_mm,
        )

    def _add_reverberation(
        self, coherent: np.ndarray, map_x: np.ndarray, state: ProbeState
    ) -> None:
        """Multiple reflections between the probe face and the first fascia, as fainter copies."""
        if self.preset.reverberation <= 0:
            return
        columns = np.arange(self.world.reverb_depth_mm.size)
        depth_world = np.interp(map_x, columns, self.world.reverb_depth_mm)
        strength = np.interp(map_x, columns, self.world.reverb_strength) * FASCIA_MM / self.spacing
        depth = view_depth(depth_world, state) / self.spacing
        cols = np.arange(coherent.shape[1])
        for order in REVERB_ORDERS:
            row = order * depth
            top = np.floor(row).astype(int)
            weight = (row - top).astype(np.float32)
            echo = strength * self.preset.reverberation ** (order - 1)
            for offset, share in ((0, 1 - weight), (1, weight)):
                inside = top + offset < coherent.shape[0]
                coherent[top[inside] + offset, cols[inside]] += (echo * share)[inside]
