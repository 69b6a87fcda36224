"""Ground truth for evaluation: an annotation JSON or a folder of label masks, as regions."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from vesselscope.annotations import Annotations, EllipseAnnotation, load_annotations
from vesselscope.errors import SourceError
from vesselscope.sources.image_folder import order_frames

MIN_REGION_PX = 20  # smaller mask components are annotation specks, not vessels


@dataclass(frozen=True)
class TruthVessel:
    """One true vessel in a frame: its ellipse (px) and the exact region it covers."""

    ellipse: EllipseAnnotation
    region: np.ndarray  # bool mask, the frame's shape


class Truth:
    """Per-frame true vessels from an annotation file or from label masks."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        mask_label: int = 2,
        annotations: Annotations | None = None,
    ) -> None:
        """`path`: an annotation JSON or a folder of masks; with `annotations` given, only
        the name they are known by (a simulator's sim:// URI)."""
        self.path = Path(path)
        self.name = os.fspath(path)  # as given: a sim:// URI is no path
        self.mask_label = mask_label
        if annotations is not None:
            self._annotations = annotations
            self._masks = []
            self.spacing_mm = annotations.spacing_mm
        elif self.path.is_dir():
            self._masks = order_frames(self.path)
            self._annotations = None
            self.spacing_mm = None
        else:
            self._annotations = load_annotations(self.path)
            self._masks = []
            self.spacing_mm = self._annotations.spacing_mm

    @property
    def annotated_source(self) -> str:
        """The recording an annotation file says it annotates ("" for masks or when unsaid)."""
        return self._annotations.source if self._annotations is not None else ""

    @property
    def frame_count(self) -> int | None:
        return len(self._masks) if self._annotations is None else None

    def check_pairs_with(self, images: list[Path]) -> None:
        """Masks pair with images by order; where the two share file names (usgra-seg's
        images/0001.png and masks/0001.png), every name must pair with its own."""
        names = [p.stem for p in self._masks]
        wanted = [p.stem for p in images]
        if names == wanted or not set(names) & set(wanted):
            return  # the same names, or a naming of their own (frame_0001 / mask_0001)
        # Both lists are in frame-number order, so differing names mean differing sets.
        first = next(i for i, (m, w) in enumerate(zip(names, wanted, strict=False)) if m != w)
        lonely = len(set(wanted) - set(names))
        raise SourceError(
            self.path,
            f"masks do not pair with the images by name: image {images[first].name} would be "
            f"scored against mask {self._masks[first].name} ({lonely} image(s) without a mask "
            "of the same name)",
        )

    def check_fits(self, frame_count: int) -> None:
        """Refuse masks that label structures but never the vessel label (a wrong --mask-label
        scored F1 1.00 on nothing; masks of background alone are frames without vessels) and
        annotations of none of the recording's frames; warn of annotated frames past its end."""
        if self._annotations is None and self._masks:
            labels: set[int] = set()
            for mask in self._masks:
                labels.update(np.unique(read_label_mask(mask)).tolist())
                if self.mask_label in labels:
                    break
            if self.mask_label not in labels and labels - {0}:
                found = ", ".join(str(label) for label in sorted(labels))
                raise SourceError(
                    self.path,
                    f"no mask holds label {self.mask_label} (labels in the masks: {found}); "
                    "give the vessels' label with --mask-label",
                )
        if self._annotations is None:
            return
        annotated = self._annotations.frames
        beyond = sorted(i for i in annotated if not 0 <= i < frame_count)
        if len(beyond) == len(annotated):  # every metric would read n/a, and the run "pass"
            some = f" (its first: frame {beyond[0]})" if beyond else ""
            raise SourceError(
                self.name, f"annotates none of the recording's {frame_count} frames{some}"
            )
        if beyond:
            warnings.warn(
                f"{self.name}: {len(beyond)} annotated frame(s) lie outside the recording's "
                f"{frame_count} frames (frame {beyond[0]}{', ...' * (len(beyond) > 1)}): "
                "not scored; is it the right truth file?",
                stacklevel=2,
            )

    def annotated(self, index: int) -> bool:
        """Whether frame `index` has ground truth. An annotation file lists the frames it
        annotates (often every Nth, or those the viewer was used on): a frame it leaves out is
        unknown, not a frame without vessels. Masks cover every frame."""
        return self._annotations is None or index in self._annotations.frames

    def vessels(self, index: int, shape: tuple[int, int]) -> list[TruthVessel]:
        if self._annotations is not None:
            return [
                TruthVessel(e, ellipse_mask(e, shape)) for e in self._annotations.vessels(index)
            ]
        if index >= len(self._masks):
            raise SourceError(self.path, f"no mask for frame {index} ({len(self._masks)} masks)")
        labels = read_label_mask(self._masks[index])
        if labels.shape != shape:
            raise SourceError(self._masks[index], f"mask is {labels.shape}, the frame is {shape}")
        return regions_of(labels == self.mask_label)


def regions_of(mask: np.ndarray) -> list[TruthVessel]:
    """Connected components of at least MIN_REGION_PX, each with its fitted ellipse."""
    count, components, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    found = []
    for label in range(1, count):
        if stats[label, cv2.CC_STAT_AREA] < MIN_REGION_PX:
            continue
        region = components == label
        found.append(TruthVessel(ellipse_of_region(region), region))
    return found


def ellipse_of_region(region: np.ndarray) -> EllipseAnnotation:
    """The ellipse with the region's centroid and second moments (same area and orientation)."""
    rows, cols = np.nonzero(region)
    cx, cy = float(cols.mean()), float(rows.mean())
    cov = np.cov(np.stack([cols - cx, rows - cy])) + np.eye(2) / 12.0  # pixel-size floor
    values, vectors = np.linalg.eigh(cov)
    b, a = (2.0 * np.sqrt(values)).tolist()  # a uniform ellipse has variance (semi-axis / 2)^2
    angle = float(np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1])))
    return EllipseAnnotation(cx=cx, cy=cy, a=a, b=b, angle_deg=angle)


def ellipse_mask(ellipse: EllipseAnnotation | object, shape: tuple[int, int]) -> np.ndarray:
    """Pixels whose centres lie inside an ellipse (anything with cx, cy, a, b, angle_deg).

    Exact at pixel centres, so Dice is not biased by how a drawing routine treats the outline.
    """
    mask = np.zeros(shape, bool)
    reach = max(ellipse.a, ellipse.b)
    x0, x1 = max(int(ellipse.cx - reach), 0), min(int(ellipse.cx + reach) + 2, shape[1])
    y0, y1 = max(int(ellipse.cy - reach), 0), min(int(ellipse.cy + reach) + 2, shape[0])
    if x0 >= x1 or y0 >= y1:
        return mask
    ys, xs = np.mgrid[y0:y1, x0:x1]
    theta = np.radians(ellipse.angle_deg)
    dx, dy = xs - ellipse.cx, ys - ellipse.cy
    along = dx * np.cos(theta) + dy * np.sin(theta)
    across = -dx * np.sin(theta) + dy * np.cos(theta)
    mask[y0:y1, x0:x1] = (along / ellipse.a) ** 2 + (across / ellipse.b) ** 2 <= 1.0
    return mask


def read_label_mask(path: Path) -> np.ndarray:
    """A label image as its integer labels: palette PNGs give their indices, not the colours."""
    try:
        with Image.open(path) as image:
            if image.mode not in ("P", "L", "I", "I;16", "1"):
                raise SourceError(path, f"label mask must be palette or grey, not {image.mode}")
            return np.array(image).astype(np.int32)
    except (OSError, UnidentifiedImageError) as exc:
        raise SourceError(path, f"cannot read label mask: {exc}") from exc
