"""Cross-validated evaluation: each frame scored by the fold model that never trained on it.

`vesselscope evaluate --fold-models DIR/folds.json` (written by `vesselscope-train vessel
--export-folds DIR`). A frame is matched to its fold by its source file's name (a folder of
stills: one image per frame). A frame whose file no fold held out has no model that is sure
not to have trained on it, so it stops the evaluation with an error naming the file, rather
than be scored optimistically.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from vesselscope.classifier import FoldManifestError, ModelCardError, load_fold_manifest
from vesselscope.detection.detector import Detector, DetectorSettings
from vesselscope.errors import SourceError
from vesselscope.frame import Frame


class FoldDetectors:
    """`detector_for(frame)` for evaluate(): one detector per fold model.

    settings: everything but the model; their threshold, when set, overrides every fold's own.
    All detectors are made at once, so a bad fold model stops the run before any frame.
    """

    def __init__(self, manifest_path: str | os.PathLike[str], settings: DetectorSettings) -> None:
        self.path = Path(manifest_path)
        self.manifest = load_fold_manifest(self.path)
        self._fold_of = self.manifest.fold_of_image()
        self.thresholds = [
            settings.threshold if settings.threshold is not None else fold.threshold
            for fold in self.manifest.folds
        ]
        self.detectors = [
            self._detector(index, settings) for index in range(len(self.manifest.folds))
        ]
        self.frames_scored = [0] * len(self.detectors)

    def __call__(self, frame: Frame) -> Detector:
        fold = self._fold_of.get(Path(frame.origin).name)
        if fold is None:
            raise SourceError(
                frame.origin,
                f"frame {frame.index} is held out by no fold of {self.path} "
                f"({len(self._fold_of)} images listed), so every fold model may have trained "
                "on it; evaluate only the images the fold models were cross-validated on",
            )
        self.frames_scored[fold] += 1
        return self.detectors[fold]

    def summary(self) -> dict[str, Any]:
        """For metrics.json: the manifest, and each fold's model, threshold and frames."""
        return {
            "manifest": str(self.path),
            "folds": [
                {
                    "model": fold.model,
                    "threshold": self.thresholds[index],
                    "images_held_out": len(fold.images),
                    "frames_scored": self.frames_scored[index],
                }
                for index, fold in enumerate(self.manifest.folds)
            ],
        }

    def _detector(self, index: int, settings: DetectorSettings) -> Detector:
        model = self.path.parent / self.manifest.folds[index].model
        try:
            return Detector(replace(settings, model=model, threshold=self.thresholds[index]))
        except ModelCardError as exc:
            raise FoldManifestError(self.path, f"fold {index + 1}: {exc}") from exc
