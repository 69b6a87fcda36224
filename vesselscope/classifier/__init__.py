"""Stage 2 of the vessel detector: an ONNX crop classifier checked against its model card.

    from vesselscope.classifier import VesselClassifier
    classifier = VesselClassifier()                  # the shipped model, its card checked
    p_vessel = classifier.classify(frame, candidates)  # one batch, one value per candidate
    accepted = [c for c, p in zip(candidates, p_vessel) if p > classifier.threshold]

Training (the separate vesselscope-train package) crops with the same `crop_candidate`.
"""

from vesselscope.classifier.bench import benchmark_classifier
from vesselscope.classifier.card import (
    ModelCard,
    ModelCardError,
    card_path_for,
    file_sha256,
    load_model_card,
    save_model_card,
)
from vesselscope.classifier.crop import (
    DEFAULT_MARGIN_PX,
    Ellipse,
    crop_batch,
    crop_box,
    crop_candidate,
)
from vesselscope.classifier.engine import VesselClassifier, default_model_path
from vesselscope.classifier.folds import (
    FOLD_MANIFEST,
    Fold,
    FoldManifest,
    FoldManifestError,
    load_fold_manifest,
    save_fold_manifest,
)
from vesselscope.classifier.verify import CLASSES_METADATA

__all__ = [
    "CLASSES_METADATA",
    "DEFAULT_MARGIN_PX",
    "FOLD_MANIFEST",
    "Ellipse",
    "Fold",
    "FoldManifest",
    "FoldManifestError",
    "ModelCard",
    "ModelCardError",
    "VesselClassifier",
    "benchmark_classifier",
    "card_path_for",
    "crop_batch",
    "crop_box",
    "crop_candidate",
    "default_model_path",
    "file_sha256",
    "load_fold_manifest",
    "load_model_card",
    "save_fold_manifest",
    "save_model_card",
]
