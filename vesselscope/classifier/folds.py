"""Fold-model manifest (folds.json): which cross-validation model never saw which real images.

    {
      "format": "vesselscope-fold-models", "version": 1,
      "folds": [
        {"model": "fold1.onnx", "threshold": 0.8, "images": ["0003.png", "0049.png", ...]},
        ...
      ],
      ...  (grouping, attribution: kept verbatim in `details`)
    }

Written by the training package beside the fold models (each an ONNX file with its model card,
paths relative to the manifest); read by `vesselscope evaluate --fold-models`, so that every
image is scored by the one model that did not train on it, at the threshold chosen on the
other folds. An image held out by two folds would make that promise ambiguous: refused.
Faults are SourceErrors (a bad input file), so the command line reports them in one line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vesselscope.errors import SourceError

FORMAT = "vesselscope-fold-models"
VERSION = 1
FOLD_MANIFEST = "folds.json"


class FoldManifestError(SourceError):
    """An unreadable or inconsistent fold manifest; the message names the file and the fault."""


@dataclass(frozen=True)
class Fold:
    model: str  # the ONNX file, relative to the manifest's folder; its card beside it
    threshold: float  # P(vessel) to accept, chosen without this fold's images
    images: tuple[str, ...]  # file names (e.g. "0049.png") of the real images it held out


@dataclass(frozen=True)
class FoldManifest:
    folds: tuple[Fold, ...]
    details: dict[str, Any] = field(default_factory=dict)

    def fold_of_image(self) -> dict[str, int]:
        """Image file name -> index of the fold that held it out."""
        return {name: index for index, fold in enumerate(self.folds) for name in fold.images}


def save_fold_manifest(path: str | os.PathLike[str], manifest: FoldManifest) -> Path:
    folds = [
        {"model": f.model, "threshold": f.threshold, "images": list(f.images)}
        for f in manifest.folds
    ]
    data = {"format": FORMAT, "version": VERSION, "folds": folds, **manifest.details}
    target = Path(path)
    target.write_text(json.dumps(data, indent=1) + "\n")
    return target


def load_fold_manifest(path: str | os.PathLike[str]) -> FoldManifest:
    """Read and check a manifest (its models must be beside it); faults raise
    FoldManifestError naming the file."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FoldManifestError(path, f"cannot read the fold manifest: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FoldManifestError(path, f"not a {FORMAT} file (missing or wrong 'format')")
    if data.get("version") != VERSION:
        version = data.get("version")
        raise FoldManifestError(path, f"unsupported fold manifest version {version!r}")
    try:
        folds = tuple(
            Fold(str(f["model"]), float(f["threshold"]), tuple(str(n) for n in f["images"]))
            for f in data["folds"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FoldManifestError(path, f"malformed fold entry: {exc!r}") from exc
    if not folds:
        raise FoldManifestError(path, "lists no folds")
    seen: dict[str, int] = {}
    for index, fold in enumerate(folds):
        if not (Path(path).parent / fold.model).is_file():
            raise FoldManifestError(path, f"fold {index + 1}'s model {fold.model} is not beside it")
        for name in fold.images:
            if name in seen:
                raise FoldManifestError(
                    path, f"{name} is held out by both fold {seen[name] + 1} and fold {index + 1}"
                )
            seen[name] = index
    details = {k: v for k, v in data.items() if k not in ("format", "version", "folds")}
    return FoldManifest(folds, details)
