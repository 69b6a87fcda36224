"""SimulatorSource: `sim://PRESET?seed=N&frames=N&size=R,C&spacing=MM&fps=F` as a Source.

Seekable and finite; frame i is the same whichever order frames are read in, because the
anatomy is built once and every frame takes its randomness from (seed, i).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from vesselscope.annotations import EllipseAnnotation
from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.simulator.cine import Simulation
from vesselscope.simulator.presets import PRESETS
from vesselscope.sources.base import Source

DEFAULT_FRAMES = 200
KNOWN_OPTIONS = {"seed", "frames", "size", "spacing", "fps"}


class SimulatorSource(Source):
    def __init__(self, uri: str) -> None:
        self.path = uri
        parts = urlsplit(uri)
        preset = parts.netloc or parts.path.strip("/")
        if preset not in PRESETS:
            raise SourceError(uri, f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = set(query) - KNOWN_OPTIONS
        if unknown:
            known = ", ".join(sorted(KNOWN_OPTIONS))
            raise SourceError(
                uri, f"unknown option(s) {', '.join(sorted(unknown))} (known: {known})"
            )
        try:
            seed = _number(int, "seed", query.get("seed", "0"))
            self.frame_count = _number(int, "frames", query.get("frames", str(DEFAULT_FRAMES)))
            size = _parse_size(query.get("size", "512,512"))
            spacing = _number(float, "spacing", query["spacing"]) if "spacing" in query else None
            fps = _number(float, "fps", query.get("fps", "30"))
            if self.frame_count < 1:
                raise ValueError(f"frames must be at least 1, got {self.frame_count}")
            self.simulation = Simulation(preset, seed=seed, size=size, spacing_mm=spacing, fps=fps)
        except ValueError as exc:
            raise SourceError(uri, str(exc)) from exc
        self.fps = self.simulation.fps
        self.spacing_mm = (self.simulation.spacing_mm, self.simulation.spacing_mm)

    def _read(self, index: int) -> Frame:
        frame, _ = self.simulation.render(index)
        return Frame(
            pixels=frame.pixels,
            spacing_mm=frame.spacing_mm,
            index=index,
            timestamp_s=frame.timestamp_s,
            origin=self.path,
        )

    def truth(self, index: int) -> list[EllipseAnnotation]:
        """Ground-truth vessel ellipses (px) of frame `index`."""
        if not 0 <= index < self.frame_count:
            raise IndexError(f"{self.path}: frame {index} out of range 0..{self.frame_count - 1}")
        return self.simulation.truth(index)


def _parse_size(text: str) -> tuple[int, int]:
    """ "512" or "512,384" (rows, cols)."""
    parts = [p for p in text.replace("x", ",").split(",") if p]
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ValueError(f"size must be ROWS,COLS or one number, got {text!r}")
    return int(parts[0]), int(parts[1])


def _number(kind: type, name: str, text: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, got {text!r}") from None
