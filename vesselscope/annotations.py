"""Ground-truth annotation files: per-frame vessel ellipses in pixels (see DESIGN.md).

Written by the simulator and the viewer's annotation tool; read by the evaluator and training.

    {
      "format": "vesselscope-annotations", "version": 1,
      "spacing_mm": [row, col] | null,
      "source": "cine.mha",
      "frames": [
        {"index": 0, "vessels": [
          {"cx": 120.5, "cy": 88.0, "a": 30.0, "b": 22.0, "angle_deg": 10.0,
           "label": "artery", "track": 1}
        ]}
      ]
    }

Ellipse: centre (cx, cy) in pixels (x = column, y = row, pixel centres at integers), semi-axis
`a` along the direction `angle_deg`, measured from the +x (column) axis towards +y (down the
image), the same convention as OpenCV's cv2.ellipse; semi-axis `b` across it. `track` identifies the
same vessel across frames (optional).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vesselscope.errors import SourceError
from vesselscope.writers.atomic import atomic_file

FORMAT = "vesselscope-annotations"
VERSION = 1
LABELS = ("artery", "vein", "unknown")


@dataclass(frozen=True)
class EllipseAnnotation:
    cx: float
    cy: float
    a: float
    b: float
    angle_deg: float = 0.0
    label: str = "unknown"
    track: int | None = None

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"label must be one of {LABELS}, got {self.label!r}")
        if not (self.a > 0 and self.b > 0):
            raise ValueError(f"semi-axes must be positive, got a={self.a}, b={self.b}")


@dataclass
class Annotations:
    spacing_mm: tuple[float, float] | None = None
    source: str = ""
    frames: dict[int, list[EllipseAnnotation]] = field(default_factory=dict)

    def vessels(self, index: int) -> list[EllipseAnnotation]:
        return self.frames.get(index, [])

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "spacing_mm": list(self.spacing_mm) if self.spacing_mm else None,
            "source": self.source,
            "frames": [
                {"index": index, "vessels": [asdict(v) for v in vessels]}
                for index, vessels in sorted(self.frames.items())
            ],
        }


def save_annotations(path: str | os.PathLike[str], annotations: Annotations) -> Path:
    target = Path(path)
    with atomic_file(target) as out:  # never leave a half-written truth file behind
        out.write(json.dumps(annotations.to_json(), indent=1).encode())
    return target


def load_annotations(path: str | os.PathLike[str]) -> Annotations:
    """Read an annotation file; any problem raises SourceError naming the file."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(path, f"cannot read annotations: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SourceError(path, f"not a {FORMAT} file (missing or wrong 'format')")
    if data.get("version") != VERSION:
        raise SourceError(path, f"unsupported annotation version {data.get('version')!r}")
    try:
        spacing = data.get("spacing_mm")
        frames: dict[int, list[EllipseAnnotation]] = {}
        for record in data["frames"]:
            index = int(record["index"])
            if index in frames:  # which of the two is the truth? neither may silently win
                raise SourceError(path, f"frame {index} is listed twice")
            frames[index] = [EllipseAnnotation(**v) for v in record["vessels"]]
        return Annotations(
            spacing_mm=(float(spacing[0]), float(spacing[1])) if spacing else None,
            source=str(data.get("source", "")),
            frames=frames,
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise SourceError(path, f"malformed annotation record: {exc}") from exc
