"""Export a trained VesselNet to ONNX (dynamic batch axis, softmax output) with its model card."""

from __future__ import annotations

import io
import json
import os
import warnings
from pathlib import Path
from typing import Any

import onnx
import torch
from vesselscope.classifier import (
    CLASSES_METADATA,
    ModelCard,
    card_path_for,
    file_sha256,
    save_model_card,
)

from vesselscope_train.net import CLASSES, WithProbabilities
from vesselscope_train.trainer import Trained

INPUT, OUTPUT = "crops", "probabilities"
OPSET = 17
MODEL_NAME = "vessel_classifier.onnx"


def onnx_bytes(trained: Trained) -> bytes:
    """The network as ONNX: float32 (N, 1, S, S) normalised crops in, (N, 2) probabilities out."""
    wrapped = WithProbabilities(trained.model).cpu().eval()
    size = trained.model.size
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript-based exporter announces its own deprecation; it is the one that needs
        # only `onnx` (dynamo=True would add onnxscript) and it matches ONNX Runtime to 1e-7.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            wrapped,
            (torch.zeros(2, 1, size, size),),
            buffer,
            input_names=[INPUT],
            output_names=[OUTPUT],
            dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
    model = onnx.load_from_string(buffer.getvalue())
    # The class order travels inside the network too, so a card listing it differently is caught.
    entry = model.metadata_props.add()
    entry.key, entry.value = CLASSES_METADATA, json.dumps(list(CLASSES))
    model.producer_name = "vesselscope-train"
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _check_finite_weights(trained: Trained, path: Path) -> None:
    # A diverged network answers NaN for every crop; the runtime would refuse it, but only later.
    if not all(bool(torch.isfinite(p).all()) for p in trained.model.parameters()):
        raise ValueError(f"{path}: not written: the network's weights are not finite (diverged)")


def write_model(
    out_dir: Path,
    trained: Trained,
    *,
    margin_px: float,
    threshold: float,
    details: dict[str, Any],
    name: str = MODEL_NAME,
) -> tuple[Path, Path]:
    """Write the model `name` (vessel_classifier.onnx) and its .card.json into `out_dir`."""
    _check_finite_weights(trained, out_dir / name)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = onnx_bytes(trained)
    model_path = out_dir / name
    card = ModelCard(
        model=name,
        sha256=file_sha256(data),
        input_name=INPUT,
        input_size=trained.model.size,
        output_name=OUTPUT,
        classes=CLASSES,
        scale=1.0 / 255.0,
        mean=trained.normalisation.mean,
        std=trained.normalisation.std,
        margin_px=margin_px,
        decision_threshold=threshold,
        details=details,
    )
    return model_path, _replace_pair(model_path, data, card)


def _replace_pair(model_path: Path, data: bytes, card: ModelCard) -> Path:
    """Put the model and its card in place of the old pair; the card's path.

    Both are written whole under temporary names first. Then the old card goes, the model is
    moved in, and its card last: a run killed at any point leaves the old pair, a model without
    a card (which the app refuses as such) or the new pair, never a new model beside an old card.
    """
    card_path = card_path_for(model_path)
    temporaries = [path.with_name(f".{path.name}.tmp") for path in (model_path, card_path)]
    try:
        temporaries[0].write_bytes(data)
        save_model_card(temporaries[1], card)
        card_path.unlink(missing_ok=True)
        os.replace(temporaries[0], model_path)
        os.replace(temporaries[1], card_path)
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
    return card_path
