"""Model card: the JSON beside each ONNX classifier saying how to feed it and what it learnt.

    {
      "format": "vesselscope-model-card", "version": 1,
      "model": "vessel_classifier.onnx", "sha256": "<hex of the ONNX file>",
      "input": {"name": "crops", "shape": ["batch", 1, 64, 64], "dtype": "float32"},
      "output": {"name": "probabilities", "shape": ["batch", 2]},
      "classes": ["background", "vessel"],
      "normalisation": {"scale": 0.00392156862745098, "mean": 0.2, "std": 0.16},
      "crop": {"margin_px": 50.0},
      "decision_threshold": 0.5,
      "training": {...}, "cross_validation": {...}
    }

Crop pixels x (0-255 grey) enter the network as (x * scale - mean) / std, in NCHW float32.
Sections the app does not interpret (training data and attribution, metrics) are kept verbatim
in `details`. The card is written by the training package and checked by the app (verify.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "vesselscope-model-card"
VERSION = 1
VESSEL_CLASS = "vessel"
_STRUCTURED = ("format", "version", "model", "sha256", "input", "output", "classes")
_STRUCTURED += ("normalisation", "crop", "decision_threshold")


class ModelCardError(ValueError):
    """A model and its card disagree, or the card is unreadable; the message names what."""


@dataclass(frozen=True)
class ModelCard:
    model: str  # the ONNX file's name, beside the card
    sha256: str
    input_name: str
    input_size: int  # crops are input_size x input_size, one grey channel
    output_name: str
    classes: tuple[str, ...]
    scale: float
    mean: float
    std: float
    margin_px: float
    decision_threshold: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def vessel_index(self) -> int:
        return self.classes.index(VESSEL_CLASS)

    def to_json(self) -> dict[str, Any]:
        size = self.input_size
        return {
            "format": FORMAT,
            "version": VERSION,
            "model": self.model,
            "sha256": self.sha256,
            "input": {
                "name": self.input_name,
                "shape": ["batch", 1, size, size],
                "dtype": "float32",
            },
            "output": {"name": self.output_name, "shape": ["batch", len(self.classes)]},
            "classes": list(self.classes),
            "normalisation": {"scale": self.scale, "mean": self.mean, "std": self.std},
            "crop": {"margin_px": self.margin_px},
            "decision_threshold": self.decision_threshold,
            **self.details,
        }


def card_path_for(model_path: str | os.PathLike[str]) -> Path:
    """`vessel_classifier.onnx` -> `vessel_classifier.card.json` beside it."""
    return Path(model_path).with_suffix(".card.json")


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_model_card(path: str | os.PathLike[str], card: ModelCard) -> Path:
    target = Path(path)
    # strict JSON: a figure that could not be measured (precision with no positive call) is null
    target.write_text(json.dumps(_finite(card.to_json()), indent=1, allow_nan=False) + "\n")
    return target


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def load_model_card(path: str | os.PathLike[str]) -> ModelCard:
    """Read a card; a missing, malformed or incomplete one raises ModelCardError naming it."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelCardError(f"{path}: cannot read the model card: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelCardError(f"{path}: not a {FORMAT} file (missing or wrong 'format')")
    if data.get("version") != VERSION:
        raise ModelCardError(f"{path}: unsupported model card version {data.get('version')!r}")
    try:
        shape = data["input"]["shape"]
        if len(shape) != 4 or shape[1] != 1 or shape[2] != shape[3]:
            raise ValueError(f"input shape must be [batch, 1, N, N], got {shape}")
        card = ModelCard(
            model=str(data["model"]),
            sha256=str(data["sha256"]).lower(),
            input_name=str(data["input"]["name"]),
            input_size=int(shape[2]),
            output_name=str(data["output"]["name"]),
            classes=tuple(str(c) for c in data["classes"]),
            scale=float(data["normalisation"]["scale"]),
            mean=float(data["normalisation"]["mean"]),
            std=float(data["normalisation"]["std"]),
            margin_px=float(data["crop"]["margin_px"]),
            decision_threshold=float(data["decision_threshold"]),
            details={k: v for k, v in data.items() if k not in _STRUCTURED},
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelCardError(f"{path}: malformed model card: {exc!r}") from exc
    if VESSEL_CLASS not in card.classes:
        raise ModelCardError(f"{path}: classes {list(card.classes)} have no {VESSEL_CLASS!r}")
    if card.std <= 0 or card.input_size < 1:
        raise ModelCardError(f"{path}: normalisation std and input size must be positive")
    if not 0.0 <= card.decision_threshold <= 1.0:  # NaN fails too: it would accept nothing
        raise ModelCardError(
            f"{path}: decision_threshold {card.decision_threshold} is not a probability (0-1)"
        )
    return card
