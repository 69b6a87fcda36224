"""The real usgra-seg images (CC-BY 4.0, T. M. K.): frames, vessel masks and subject groups.

Images are read through the app's own `open_source` (colour PNGs become grey B-mode the way the
app sees them). Masks are palette PNGs (index 0 background, 1 nerve, 2 vessel): OpenCV would
decode them to colours, so Pillow reads the palette indices themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError
from vesselscope import Frame, open_source

NERVE_INDEX, VESSEL_INDEX = 1, 2
ATTRIBUTION = (
    "usgra-seg dataset by T. M. K. (github.com/tmkand/usgra-seg), CC-BY 4.0: B-mode images with "
    "expert nerve and vessel masks (Mindray TE7, L14-6Ns probe)"
)


@dataclass(frozen=True)
class RealImage:
    image: Path
    mask: Path


def list_real_images(folder: Path) -> list[RealImage]:
    """Every images/NNNN.png with its masks/NNNN.png, in name order (.PNG too: skipped, such an
    image was left out unsaid)."""
    found = (folder / "images").glob("*")
    images = sorted(p for p in found if p.suffix.lower() == ".png" and p.is_file())
    if not images:
        raise FileNotFoundError(f"{folder}: no images/*.png (expected the usgra-seg layout)")
    missing = [p.name for p in images if not (folder / "masks" / p.name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder}/masks lacks {len(missing)} masks, e.g. {missing[0]}")
    return [RealImage(p, folder / "masks" / p.name) for p in images]


def read_frame(item: RealImage, spacing_mm: float) -> Frame:
    # The dataset records no spacing; the caller's assumption replaces the unknown.
    with open_source(item.image, spacing_mm=spacing_mm) as source:
        return source.read(0)


def read_class_mask(path: Path) -> np.ndarray:
    """The palette indices of a mask PNG as a uint8 array (0 background, 1 nerve, 2 vessel)."""
    try:
        with Image.open(path) as image:
            if image.mode not in ("P", "L"):
                raise ValueError(
                    f"{path}: expected a palette or grey index mask, got mode {image.mode}"
                )
            indices = np.array(image)
    except (OSError, UnidentifiedImageError) as exc:
        raise ValueError(f"{path}: not a readable mask image ({exc})") from exc
    if indices.max(initial=0) > VESSEL_INDEX:
        raise ValueError(f"{path}: mask index {indices.max()} beyond 0-2 (background/nerve/vessel)")
    return indices


def class_regions(path: Path, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(vessel, nerve) connected regions of a mask as int32 labels (0 = none), size-checked."""
    indices = read_class_mask(path)
    if indices.shape != shape:
        raise ValueError(f"{path}: mask is {indices.shape}, its image {shape}")

    def regions(index: int) -> np.ndarray:
        mask = (indices == index).astype(np.uint8)
        return cv2.connectedComponents(mask, connectivity=8)[1].astype(np.int32)

    return regions(VESSEL_INDEX), regions(NERVE_INDEX)


def similarity_groups(frames: list[Frame], threshold: float = 0.8, thumb: int = 32) -> list[int]:
    """Group ids joining near-duplicate images (likely the same subject and region).

    The file numbers are shuffled relative to acquisition (neighbours correlate at 0-0.7 while
    near-duplicates sit far apart at 0.9+), so groups come from image similarity: the
    correlation of thumb x thumb thumbnails, joined transitively above `threshold`. At 0.8 the
    204 images form about 140 groups, the largest 9 images: on the cautious side, since a
    split that leaks a subject into both train and test would flatter the accuracy.
    """
    thumbs = []
    for frame in frames:
        small = cv2.resize(
            frame.pixels.astype(np.float32), (thumb, thumb), interpolation=cv2.INTER_AREA
        )
        small = small.ravel() - small.mean()
        thumbs.append(small / (np.linalg.norm(small) + 1e-6))
    similar = np.stack(thumbs) @ np.stack(thumbs).T >= threshold
    parent = list(range(len(frames)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(similar, 1)), strict=True):
        parent[root(int(i))] = root(int(j))
    roots = [root(i) for i in range(len(frames))]
    renumber = {r: n for n, r in enumerate(dict.fromkeys(roots))}
    return [renumber[r] for r in roots]
