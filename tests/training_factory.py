"""Tiny generated inputs for the training package's tests: crop datasets and usgra-seg folders."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image


def disc_crop(rng: np.random.Generator, size: int, vessel: bool) -> np.ndarray:
    """Speckle-like texture; a vessel crop has a dark disc with a bright rim in the middle."""
    image = rng.rayleigh(60.0, (size, size))
    if vessel:
        centre, radius = (size // 2, size // 2), size // 5
        cv2.circle(image, centre, radius + 2, 220.0, 2)
        cv2.circle(image, centre, radius, 10.0, -1)
    return np.clip(image, 0, 255).astype(np.uint8)


def write_crop_dataset(folder: Path, per_group: int = 6, size: int = 32, seed: int = 0) -> Path:
    """A crop dataset in the harvest's format: 6 real groups and 4 simulated cines."""
    from vesselscope_train.dataset import CropDataset, save_dataset

    rng = np.random.default_rng(seed)
    crops, records = [], []
    groups = [("real", f"real-{g:03d}") for g in range(6)]
    groups += [("simulated", f"sim-femoral-{g}") for g in range(4)]
    for domain, group in groups:
        for i in range(per_group):
            label = i % 2
            crops.append(disc_crop(rng, size, bool(label)))
            records.append(
                {
                    "domain": domain,
                    "kind": "candidate",
                    "source": f"{group}.png",
                    "group": group,
                    "frame": i,
                    "label": label,
                    "iou": 0.8 * label,
                    "coverage": 0.0,
                    "cx": 1.0,
                    "cy": 1.0,
                    "a": 5.0,
                    "b": 4.0,
                    "angle_deg": 0.0,
                }
            )
    crops.append(disc_crop(rng, size, True))  # an outline crop: trained on, never scored
    records.append({**records[0], "kind": "vessel-outline", "label": 1})
    crops.append(disc_crop(rng, size, True))  # an ambiguous crop, never trained on
    records.append({**records[-1], "label": -1})
    meta = {
        "crop": {"size": size, "margin_px": 50.0},
        "attribution": "test images",
        "settings": {"presets": ["femoral"], "seeds": [0, 1, 2, 3]},
    }
    return save_dataset(folder, CropDataset(np.stack(crops), records, meta))


def write_usgra_folder(folder: Path, count: int = 2, side: int = 96) -> Path:
    """A usgra-seg-like folder: grey B-mode PNGs with a dark vessel, palette masks (2 = vessel)."""
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    rng = np.random.default_rng(1)
    for n in range(count):
        image = np.clip(rng.rayleigh(70.0, (side, side)), 0, 255)
        mask = np.zeros((side, side), np.uint8)
        centre = (side // 2 + 4 * n, side // 2)
        cv2.circle(image, centre, 14, 230.0, 3)
        cv2.circle(image, centre, 12, 8.0, -1)
        cv2.circle(mask, centre, 12, 2, -1)
        cv2.circle(mask, (15, 15), 6, 1, -1)  # a "nerve": index 1 is not a vessel
        Image.fromarray(image.astype(np.uint8)).convert("RGB").save(folder / f"images/{n:04d}.png")
        palette = Image.frombytes("P", (side, side), mask.tobytes())
        palette.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * 759)
        palette.save(folder / f"masks/{n:04d}.png")
    return folder
