"""Candidate recall: the share of true vessel regions that hold a top-K candidate centre.

A region is a connected component (8-connected) of the vessel mask with at least MIN_REGION_PX
pixels; it is found when the centre of at least one of the frame's candidates lies inside it.
Real data: usgra-seg (images/NNNN.png, masks/NNNN.png with palette index 2 = vessel; CC-BY 4.0,
T. M. K.). Simulated data: the simulator's truth ellipses, filled.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vesselscope.annotations import EllipseAnnotation
from vesselscope.candidates.candidate import Candidate
from vesselscope.candidates.search import CandidateSearch
from vesselscope.frame import Frame
from vesselscope.sources import Source

MIN_REGION_PX = 20
VESSEL_INDEX = 2  # usgra-seg palette: 0 background, 1 nerve, 2 blood vessel


@dataclass(frozen=True)
class Recall:
    found: int
    regions: int
    frames: int

    @property
    def share(self) -> float:
        return self.found / self.regions if self.regions else float("nan")

    def __add__(self, other: Recall) -> Recall:
        return Recall(
            self.found + other.found, self.regions + other.regions, self.frames + other.frames
        )


def frame_recall(vessels: np.ndarray, candidates: Iterable[Candidate]) -> Recall:
    """Recall of one frame: `vessels` is a boolean mask of the true lumens."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(vessels.astype(np.uint8), 8)
    big = {i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= MIN_REGION_PX}
    rows, cols = vessels.shape
    hit = set()
    for c in candidates:
        x, y = int(round(c.cx)), int(round(c.cy))
        if 0 <= x < cols and 0 <= y < rows and labels[y, x] in big:
            hit.add(int(labels[y, x]))
    return Recall(len(hit), len(big), 1)


def palette_mask(path: Path, index: int) -> np.ndarray:
    """Pixels of a palette PNG whose palette index is `index` (OpenCV decodes palettes to BGR)."""
    data = path.read_bytes()
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    if image.ndim == 2:  # stored as plain indices
        return image == index
    palette = _png_palette(data, path)
    if index >= len(palette):
        return np.zeros(image.shape[:2], bool)
    return np.all(image[..., :3] == palette[index][::-1], axis=-1)


def _png_palette(data: bytes, path: Path) -> np.ndarray:
    position = 8
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        if data[position + 4 : position + 8] == b"PLTE":
            chunk = data[position + 8 : position + 8 + length]
            return np.frombuffer(chunk, np.uint8).reshape(-1, 3)
        position += 12 + length
    raise ValueError(f"{path}: colour mask without a palette (PLTE chunk)")


def usgra_frames(folder: Path, spacing_mm: float) -> Iterator[tuple[Frame, np.ndarray]]:
    """(frame, vessel mask) for every images/NNNN.png with a masks/NNNN.png beside it."""
    found = (folder / "images").glob("*")  # .PNG too, not left out unsaid
    images = sorted(p for p in found if p.suffix.lower() == ".png" and p.is_file())
    if not images:
        raise FileNotFoundError(f"{folder}: no images/*.png (expected the usgra-seg layout)")
    for index, path in enumerate(images):
        pixels = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if pixels is None:
            raise ValueError(f"{path}: not a readable image")
        mask = palette_mask(folder / "masks" / path.name, VESSEL_INDEX)
        yield Frame(pixels, (spacing_mm, spacing_mm), index, 0.0, str(path)), mask


def ellipse_mask(shape: tuple[int, int], vessels: Iterable[EllipseAnnotation]) -> np.ndarray:
    """Filled truth ellipses (the simulator's lumens) as a boolean mask."""
    canvas = np.zeros(shape, np.uint8)
    for v in vessels:
        box = ((float(v.cx), float(v.cy)), (2.0 * float(v.a), 2.0 * float(v.b)), float(v.angle_deg))
        cv2.ellipse(canvas, box, 1, thickness=-1)
    return canvas.astype(bool)


def usgra_recall(folder: Path, search: CandidateSearch, spacing_mm: float) -> Recall:
    """Recall over a usgra-seg style folder, every image taken at `spacing_mm`."""
    total = Recall(0, 0, 0)
    for frame, vessels in usgra_frames(folder, spacing_mm):
        total = total + frame_recall(vessels, search.search(frame))
    return total


def simulated_recall(source: Source, search: CandidateSearch) -> Recall:
    """Recall over a sim:// source, against the simulator's truth ellipses."""
    total = Recall(0, 0, 0)
    for index in range(len(source)):
        frame = source[index]
        truth = ellipse_mask(frame.shape, source.truth(index))  # type: ignore[attr-defined]
        total = total + frame_recall(truth, search.search(frame))
    return total
