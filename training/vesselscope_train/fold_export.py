"""`vessel --export-folds DIR`: every cross-validation model, and which real images it never saw.

A crop accuracy says little about detection; `vesselscope evaluate --fold-models DIR/folds.json`
measures detection on the real images with no image scored by a model that trained on it. For
that it needs each fold's model (DIR/foldN.onnx + card, threshold chosen on the other folds)
and the file names of the real images each fold held out (DIR/folds.json).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from vesselscope.classifier import FOLD_MANIFEST, Fold, FoldManifest, save_fold_manifest

from vesselscope_train.crossval import GROUPING, CrossValidation
from vesselscope_train.dataset import CropDataset
from vesselscope_train.export import write_model


def held_out_images(
    data: CropDataset, usable: CropDataset, fold_of: np.ndarray, folds: int
) -> list[list[str]]:
    """Per fold, the sorted file names of the real images whose group that fold held out.

    Folds are dealt by group (a cluster of near-duplicate images), so an image belongs to its
    group's fold. `data` holds every crop, `usable` (with `fold_of`) those cross-validated: an
    image whose crops were all ambiguous was trained on by no model, yet belongs with its group.
    """
    fold_of_group = dict(zip(usable.column("group").tolist(), fold_of.tolist(), strict=True))
    images: list[set[str]] = [set() for _ in range(folds)]
    for record in data.records:
        if record["domain"] == "real" and record["group"] in fold_of_group:
            # the source is "images/0049.png": evaluation matches frames by file name
            images[fold_of_group[record["group"]]].add(Path(record["source"]).name)
    return [sorted(names) for names in images]


def export_fold_models(
    out_dir: Path,
    cv: CrossValidation,
    data: CropDataset,
    usable: CropDataset,
    *,
    margin_px: float,
    details_of: Callable[[int], dict[str, Any]],
) -> Path:
    """Write foldN.onnx + foldN.card.json per fold and folds.json; return the manifest's path.

    details_of(fold): the card's descriptive sections for that fold's model.
    """
    folds = len(cv.models)
    images = held_out_images(data, usable, cv.fold_of, folds)
    entries = []
    for fold, trained in enumerate(cv.models):
        threshold = float(cv.report["fold_thresholds"][fold])  # chosen without this fold
        model_path, _ = write_model(
            out_dir,
            trained,
            margin_px=margin_px,
            threshold=threshold,
            details=details_of(fold),
            name=f"fold{fold + 1}.onnx",
        )
        entries.append(Fold(model_path.name, threshold, tuple(images[fold])))
    details = {"grouping": GROUPING, "real_images": data.meta.get("attribution")}
    return save_fold_manifest(out_dir / FOLD_MANIFEST, FoldManifest(tuple(entries), details))
