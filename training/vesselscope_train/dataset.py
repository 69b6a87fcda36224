"""The crop dataset on disk: crops.npz (uint8 crops + settings) and crops.csv (provenance).

One CSV row per crop: domain (real/simulated), source file or cine, frame, group (the unit of
cross-validation: a real image cluster or a simulated cine), label (1 vessel, 0 not, -1
ambiguous), overlap figures and the candidate's geometry and scores. Datasets live outside the
repository (default ~/.cache/vesselscope-train/vessel-data); only the trained model ships.
"""

from __future__ import annotations

import csv
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CROPS, TABLE = "crops.npz", "crops.csv"
COLUMNS = ("label", "kind", "domain", "group", "source")  # the provenance training reads


def default_data_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vesselscope-train" / "vessel-data"


@dataclass
class CropDataset:
    crops: np.ndarray  # (N, size, size) uint8
    records: list[dict[str, Any]]
    meta: dict[str, Any]  # crop size, margin, harvest settings, attribution

    def column(self, name: str) -> np.ndarray:
        return np.array([r[name] for r in self.records])

    @property
    def labels(self) -> np.ndarray:
        return self.column("label").astype(np.int64)

    def subset(self, keep: np.ndarray) -> CropDataset:
        index = np.flatnonzero(keep) if keep.dtype == bool else keep
        return CropDataset(self.crops[index], [self.records[i] for i in index], self.meta)


def save_dataset(folder: Path, dataset: CropDataset) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / CROPS, crops=dataset.crops, meta=json.dumps(dataset.meta))
    with open(folder / TABLE, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(dataset.records[0]))
        writer.writeheader()
        writer.writerows(dataset.records)
    return folder


def load_dataset(folder: Path) -> CropDataset:
    if not (folder / CROPS).is_file():
        raise FileNotFoundError(f"{folder}: no {CROPS}; run `vesselscope-train vessel-data` first")
    try:
        with np.load(folder / CROPS) as stored:
            crops, meta = stored["crops"], json.loads(str(stored["meta"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{folder / CROPS}: not a crop dataset written by `vesselscope-train vessel-data` "
            f"({type(exc).__name__}); harvest it again"
        ) from exc
    if not (folder / TABLE).is_file():
        raise FileNotFoundError(f"{folder}: no {TABLE} beside {CROPS}; harvest it again")
    with open(folder / TABLE, newline="") as handle:
        records = [_typed(row) for row in csv.DictReader(handle)]
    missing = set(COLUMNS) - set(records[0] if records else {})
    if records and missing:
        raise ValueError(f"{folder / TABLE}: no {', '.join(sorted(missing))} column")
    if len(records) != len(crops):
        raise ValueError(f"{folder}: {len(crops)} crops but {len(records)} provenance rows")
    return CropDataset(crops, records, meta)


def _typed(row: dict[str, str]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for key, text in row.items():
        try:
            typed[key] = int(text)
        except ValueError:
            try:
                typed[key] = float(text)
            except ValueError:
                typed[key] = text
    return typed
