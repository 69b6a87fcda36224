"""`vessel-data`: crops of the app's own candidates on simulated cines and real images, labelled.

The candidates come from the runtime's CandidateSearch and the crops from its crop_candidate,
so the classifier learns from exactly what it will be shown in the app.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import vesselscope
from tqdm import tqdm
from vesselscope import Frame
from vesselscope.candidates import CandidateSearch
from vesselscope.classifier import DEFAULT_MARGIN_PX, crop_candidate
from vesselscope.simulator import simulate_cine

from vesselscope_train import real_data
from vesselscope_train.dataset import CropDataset
from vesselscope_train.labels import NEGATIVE_COVERAGE, POSITIVE_IOU, overlap, truth_regions
from vesselscope_train.outlines import jittered, region_ellipses
from vesselscope_train.provenance import source_commit


@dataclass
class Harvest:
    """Crops (uint8, size x size) and one provenance record per crop."""

    size: int
    margin_px: float
    crops: list[np.ndarray] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, frame: Frame, regions: np.ndarray, ellipses: Iterable[Any], **provenance: Any
    ) -> None:
        """Crop and label `ellipses` (candidates, best first, or outline ellipses)."""
        for rank, c in enumerate(ellipses):
            found = overlap(regions, c, c.angle_deg)
            crop = crop_candidate(frame, c, self.size, self.margin_px)
            self.crops.append(np.clip(np.rint(crop), 0, 255).astype(np.uint8))
            self.records.append(
                {
                    **provenance,
                    "frame": frame.index,
                    "rank": rank,
                    "label": found.label,
                    "iou": round(found.iou, 4),
                    "coverage": round(found.coverage, 4),
                    "centre_inside": int(found.centre_inside),
                    **{k: round(float(getattr(c, k)), 3) for k in ("cx", "cy", "a", "b")},
                    "angle_deg": round(c.angle_deg, 3),
                    # outline ellipses have no search scores
                    "fitness": round(getattr(c, "fitness", math.nan), 3),
                    "wall_contrast": round(getattr(c, "wall_contrast", math.nan), 4),
                }
            )


def harvest_real(
    harvest: Harvest,
    folder: Path,
    spacing_mm: float,
    top_k: int,
    device: str | None,
    outline_copies: int,
    progress: bool = True,
) -> None:
    """Every usgra-seg image, searched with the general preset at an assumed spacing; plus
    crops of the outlined vessels and nerves (outlines.py) unless `outline_copies` < 0."""
    items = real_data.list_real_images(folder)
    frames = [real_data.read_frame(item, spacing_mm) for item in items]
    groups = real_data.similarity_groups(frames)
    search = CandidateSearch("general", device=device, top_k=top_k)
    for n, (item, frame, group) in enumerate(
        tqdm(list(zip(items, frames, groups, strict=True)), desc="real", disable=not progress)
    ):
        vessels, nerves = real_data.class_regions(item.mask, frame.shape)
        provenance = {
            "domain": "real",
            "source": f"{item.image.parent.name}/{item.image.name}",
            "group": f"real-{group:03d}",
            "preset": "general",
        }
        harvest.add(frame, vessels, search.search(frame), kind="candidate", **provenance)
        if outline_copies < 0:
            continue
        rng = np.random.default_rng([n, 7])
        for kind, regions in (("vessel-outline", vessels), ("nerve-outline", nerves)):
            ellipses = [
                variant
                for ellipse in region_ellipses(regions)
                for variant in jittered(ellipse, rng, outline_copies)
            ]
            harvest.add(frame, vessels, ellipses, kind=kind, **provenance)


def harvest_simulated(
    harvest: Harvest,
    presets: Sequence[str],
    seeds: Sequence[int],
    frames: int,
    every: int,
    size: tuple[int, int],
    top_k: int,
    device: str | None,
    outline_copies: int,
    progress: bool = True,
) -> None:
    """Every `every`-th frame of a `frames`-frame cine per preset and seed; one group per cine.

    Besides the candidates, every true vessel gives crops of its own ellipse (exact and
    `outline_copies` jittered; none if < 0). The search fits the flattest veins (a forearm's
    venae comitantes, a pressed jugular) only in part, so their candidate crops are mostly
    ambiguous: without the outline crops the classifier hardly ever sees such a vein labelled.
    """
    jobs = [(preset, seed) for preset in presets for seed in seeds]
    for preset, seed in tqdm(jobs, desc="simulated", disable=not progress):
        search = CandidateSearch(preset, device=device, top_k=top_k)
        cine = simulate_cine(preset, frames=frames, seed=seed, size=size)
        rng = np.random.default_rng([seed, len(preset), 11])
        for frame, truth in islice(cine, 0, None, every):
            regions = truth_regions(frame.shape, truth)
            provenance = {
                "domain": "simulated",
                "source": f"sim://{preset}?seed={seed}",
                "group": f"sim-{preset}-{seed}",
                "preset": preset,
            }
            harvest.add(frame, regions, search.search(frame), kind="candidate", **provenance)
            if outline_copies >= 0:
                outlines = [v for e in truth for v in jittered(e, rng, outline_copies)]
                harvest.add(frame, regions, outlines, kind="vessel-outline", **provenance)


@dataclass(frozen=True)
class HarvestSettings:
    real: Path | None  # the usgra-seg folder, or None to skip real images
    real_spacing_mm: float = 0.075  # usgra-seg records none; its README estimates 0.06-0.09
    outline_copies: int = 3  # jittered crops per outlined real vessel or nerve; -1: none
    sim_outline_copies: int = 1  # the same per true simulated vessel and frame; -1: none
    presets: tuple[str, ...] = ("femoral", "carotid", "forearm")
    # 24 cines per preset (12 until 2026-11-26): the forearm's small veins need the examples
    # (validation F1 0.77 / 0.92 -> 0.93 / 0.99)
    seeds: tuple[int, ...] = tuple(range(1, 25))
    frames: int = 120  # per cine: 4 s at 30 fps, a few heartbeats and probe movements
    every: int = 20  # the method's implementation used every 20th frame of its recordings
    sim_size: tuple[int, int] = (512, 512)
    top_k: int = 10
    size: int = 64
    margin_px: float = DEFAULT_MARGIN_PX
    device: str | None = None  # candidate search device: None = OpenCL if any, else NumPy


def harvest_dataset(settings: HarvestSettings, progress: bool = True) -> CropDataset:
    harvest = Harvest(settings.size, settings.margin_px)
    if settings.real is not None:
        harvest_real(
            harvest,
            settings.real,
            settings.real_spacing_mm,
            settings.top_k,
            settings.device,
            settings.outline_copies,
            progress,
        )
    if settings.presets and settings.seeds:
        harvest_simulated(
            harvest,
            settings.presets,
            settings.seeds,
            settings.frames,
            settings.every,
            settings.sim_size,
            settings.top_k,
            settings.device,
            settings.sim_outline_copies,
            progress,
        )
    if not harvest.records:
        raise ValueError(
            "no crops harvested: no real folder and no simulated cines, or no candidates"
        )
    meta = {
        "crop": {"size": settings.size, "margin_px": settings.margin_px},
        "labelling": {"positive_iou": POSITIVE_IOU, "negative_coverage": NEGATIVE_COVERAGE},
        "settings": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()
        },
        "attribution": real_data.ATTRIBUTION if settings.real is not None else None,
        "vesselscope": vesselscope.__version__,
        "vesselscope_commit": source_commit(),
    }
    return CropDataset(np.stack(harvest.crops), harvest.records, meta)
