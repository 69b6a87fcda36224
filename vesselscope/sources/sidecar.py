"""Optional sidecar JSON for formats that carry no geometry (video, image folders).

    {"mm_per_pixel": 0.075 | [row, col], "fps": 30, "crop": [x, y, width, height]}

`crop` is the scanner's image area within the captured frame, in pixels. The sidecar of
`clip.mp4` is `clip.json` (or `clip.mp4.json`); that of a folder is `sidecar.json` inside it
(or `<folder>.json` beside it).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Spacing
from vesselscope.sources.base import check_spacing

Crop = tuple[int, int, int, int]  # x, y, width, height


@dataclass(frozen=True)
class Sidecar:
    spacing_mm: Spacing | None = None
    fps: float | None = None
    crop: Crop | None = None
    path: Path | None = None

    def crop_image(self, image: np.ndarray) -> np.ndarray:
        if self.crop is None:
            return image
        x, y, width, height = self.crop
        return image[y : y + height, x : x + width]

    def check_crop_fits(self, origin: str, rows: int, cols: int) -> None:
        if self.crop is None:
            return
        x, y, width, height = self.crop
        if x + width > cols or y + height > rows:
            raise SourceError(
                self.path or origin,
                f"crop {list(self.crop)} reaches outside the {cols}x{rows} frame of {origin}",
            )


def sidecar_candidates(source: Path) -> list[Path]:
    if source.is_dir():
        return [source / "sidecar.json", source.with_name(source.name + ".json")]
    return [source.with_suffix(".json"), source.with_name(source.name + ".json")]


SIDECAR_KEYS = {"mm_per_pixel", "fps", "crop"}


def load_sidecar(source: Path) -> Sidecar:
    """The sidecar of `source`, or an empty one when there is none."""
    for candidate in sidecar_candidates(source):
        if candidate.is_file():
            return parse_sidecar(candidate)
    return Sidecar()


def parse_sidecar(path: Path) -> Sidecar:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(path, f"cannot read sidecar JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SourceError(path, "sidecar JSON must be an object")
    unknown = sorted(set(data) - SIDECAR_KEYS)
    if unknown:  # a misspelt key would otherwise leave the spacing silently unknown
        warnings.warn(
            f"{path}: unknown sidecar key(s) {', '.join(map(repr, unknown))} ignored "
            f"(known: {', '.join(sorted(SIDECAR_KEYS))})",
            UserWarning,
            stacklevel=4,
        )
    return Sidecar(
        spacing_mm=_spacing(path, data.get("mm_per_pixel")),
        fps=_fps(path, data.get("fps")),
        crop=_crop(path, data.get("crop")),
        path=path,
    )


def _spacing(path: Path, value: object) -> Spacing | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return check_spacing(str(path), (value, value))
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        return check_spacing(str(path), (value[0], value[1]))
    raise SourceError(path, f"mm_per_pixel must be a number or [row, col], got {value!r}")


def _fps(path: Path, value: object) -> float | None:
    if value is None:
        return None
    if not _is_number(value) or not 0 < float(value) < 10000:  # type: ignore[arg-type]
        raise SourceError(path, f"fps must be a positive number, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def _crop(path: Path, value: object) -> Crop | None:
    if value is None:
        return None
    if (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[0] >= 0
        and value[1] >= 0
        and value[2] > 0
        and value[3] > 0
    ):
        return (value[0], value[1], value[2], value[3])
    raise SourceError(path, f"crop must be [x, y, width, height] in whole pixels, got {value!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
