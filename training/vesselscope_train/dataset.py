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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vesselscope_train.labels import AMBIGUOUS, NEGATIVE, POSITIVE

CROPS, TABLE = "crops.npz", "crops.csv"
COLUMNS = ("label", "kind", "domain", "group", "source")  # the provenance training reads
_LABELS = tuple(str(label) for label in (POSITIVE, NEGATIVE, AMBIGUOUS))


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
    records = _read_table(folder / TABLE)
    if len(records) != len(crops):
        raise ValueError(
            f"{folder / TABLE}: {len(records)} rows for the {len(crops)} crops of {CROPS} "
            "(truncated or edited?); harvest it again"
        )
    return CropDataset(crops, records, meta)


def _read_table(path: Path) -> list[dict[str, Any]]:
    """The rows of crops.csv, typed; a damaged or hand-edited row is refused naming it, as it
    would otherwise fail deep in training (a missing field, a label torch cannot take)."""
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            _check_header(path, reader.fieldnames)
            return [
                _typed(_checked_row(path, number, reader.line_num, row))
                for number, row in enumerate(reader, start=1)
            ]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path}: not a crop table ({exc}); harvest it again") from exc


def _check_header(path: Path, fieldnames: Sequence[str] | None) -> None:
    missing = set(COLUMNS) - set(fieldnames or ())
    if missing:
        raise ValueError(f"{path}: no {', '.join(sorted(missing))} column; harvest it again")


def _checked_row(path: Path, number: int, line: int, row: dict[str, Any]) -> dict[str, str]:
    """`row` (the number-th, ending on `line`) if it has every field and a known label."""
    where = f"{path}: row {number} (line {line})"
    if None in row:  # csv.DictReader's key for the fields beyond the header's
        raise ValueError(f"{where}: more fields than the header names")
    empty = [name for name in COLUMNS if row.get(name) in (None, "")]
    if empty:
        raise ValueError(f"{where}: no {', '.join(empty)} (a truncated or edited row)")
    absent = [name for name, text in row.items() if text is None]
    if absent:
        raise ValueError(f"{where}: only {len(row) - len(absent)} of {len(row)} fields")
    if row["label"].strip() not in _LABELS:
        raise ValueError(
            f"{where}: label {row['label']!r} is not one of {', '.join(_LABELS)} "
            "(vessel, not a vessel, ambiguous)"
        )
    return row


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
