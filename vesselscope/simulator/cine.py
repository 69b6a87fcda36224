"""simulate_cine and write_simulation: the simulator's public entry points."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from vesselscope.annotations import Annotations, EllipseAnnotation, save_annotations
from vesselscope.frame import Frame
from vesselscope.simulator.bmode import Imager
from vesselscope.simulator.motion import ProbeState
from vesselscope.simulator.presets import Preset, get_preset
from vesselscope.simulator.scene import Scene
from vesselscope.simulator.vessels import VesselView
from vesselscope.writers import write_cine

SIMULATOR_VERSION = 1  # bump whenever the same seed would give different pixels or truth
MAX_PIXELS = 2048 * 2048  # per frame; a typo like --size 51200 should fail, not swap


class Simulation:
    """A seeded simulated scan: frame i is the same whichever order frames are rendered in.

    The anatomy is built once (the slow part, well under a second); each frame then draws its
    own randomness from (seed, i) and the motion is a closed-form function of time.
    """

    def __init__(
        self,
        preset: str | Preset,
        *,
        seed: int,
        size: tuple[int, int] = (512, 512),
        spacing_mm: float | None = None,
        fps: float = 30.0,
    ) -> None:
        self.preset = get_preset(preset)
        rows, cols = (int(v) for v in size)
        if rows < 16 or cols < 16 or rows * cols > MAX_PIXELS:
            raise ValueError(
                f"image size must be at least 16x16 and {MAX_PIXELS} pixels at most, got {size}"
            )
        if spacing_mm is not None and not 0.005 <= spacing_mm <= 2.0:
            raise ValueError(f"pixel spacing must be 0.005-2 mm, got {spacing_mm}")
        if int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        if not 0 < fps <= 1000:
            raise ValueError(f"fps must be positive (at most 1000), got {fps}")
        self.seed, self.fps, self.shape = int(seed), float(fps), (rows, cols)
        self.spacing_mm = float(spacing_mm or self.preset.spacing_for(rows))
        self.scene = Scene(self.preset, self.seed, self.shape, self.spacing_mm)
        self.imager = Imager(self.preset.probe, self.spacing_mm, self.shape, [self.seed, 3])
        self.origin = f"sim://{self.preset.name}?seed={self.seed}"

    @property
    def heart_rate_hz(self) -> float:
        return self.scene.motion.heart_rate_hz

    def state(self, index: int) -> ProbeState:
        return self.scene.motion.state(index / self.fps)

    def render(self, index: int) -> tuple[Frame, list[EllipseAnnotation]]:
        """Frame `index` and the lumen ellipses of the vessels visible in it."""
        state = self.state(index)
        props, static, memory, vessels = self.scene.view(state)
        iq = self.imager.iq(props, static, memory, np.random.default_rng([self.seed, 2, index]))
        frame = Frame(
            pixels=self.imager.display(self.imager.envelope(iq)),
            spacing_mm=(self.spacing_mm, self.spacing_mm),
            index=index,
            timestamp_s=state.time_s,
            origin=self.origin,
        )
        return frame, self._reported(vessels)

    def truth(self, index: int) -> list[EllipseAnnotation]:
        """The ground truth of frame `index` alone, without forming the image."""
        return self._reported(self.scene.vessels(self.state(index)))

    def _reported(self, vessels: list[VesselView]) -> list[EllipseAnnotation]:
        """Open lumens whose centre lies in the image; a collapsed vein is not a target."""
        rows, cols = self.shape
        return [
            v.annotation()
            for v in vessels
            if v.open and 0 <= v.cx <= cols - 1 and 0 <= v.cy <= rows - 1
        ]


def simulate_cine(
    preset: str | Preset,
    *,
    frames: int,
    seed: int,
    size: tuple[int, int] = (512, 512),
    spacing_mm: float | None = None,
    fps: float = 30.0,
) -> Iterator[tuple[Frame, list[EllipseAnnotation]]]:
    """Stream `frames` simulated frames with their ground-truth vessel ellipses (px)."""
    if frames < 1:
        raise ValueError(f"frames must be at least 1, got {frames}")
    simulation = Simulation(preset, seed=seed, size=size, spacing_mm=spacing_mm, fps=fps)
    return (simulation.render(index) for index in range(frames))


def truth_path(out_path: str | os.PathLike[str]) -> Path:
    """`cine.mha` -> `cine.truth.json`; a folder `frames/` -> `frames.truth.json` beside it."""
    target = Path(out_path)
    if target.suffix:
        return target.with_suffix(".truth.json")
    return target.with_name(target.name + ".truth.json")


def write_simulation(
    out_path: str | os.PathLike[str],
    preset: str | Preset,
    frames: int,
    seed: int,
    size: tuple[int, int] = (512, 512),
    spacing_mm: float | None = None,
    fps: float = 30.0,
) -> tuple[Path, Path]:
    """Write the cine with write_cine (format from the extension) and its truth file beside it."""
    stream = simulate_cine(
        preset, frames=frames, seed=seed, size=size, spacing_mm=spacing_mm, fps=fps
    )
    truth = Annotations(source=Path(out_path).name)

    def frames_recording_truth() -> Iterator[Frame]:
        for frame, vessels in stream:
            truth.spacing_mm = frame.spacing_mm
            truth.frames[frame.index] = vessels
            yield frame

    written = write_cine(out_path, frames_recording_truth(), fps=fps)
    if len(truth.frames) != frames:
        raise RuntimeError(
            f"the writer for {out_path} consumed {len(truth.frames)} of {frames} frames"
        )
    return written, save_annotations(truth_path(out_path), truth)
