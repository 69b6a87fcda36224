"""VesselClassifier: stage 2 of the detector, P(vessel) for every candidate of a frame at once."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vesselscope.classifier.card import ModelCard, card_path_for, load_model_card
from vesselscope.classifier.crop import Ellipse, crop_batch
from vesselscope.classifier.verify import check_finite_output, check_session, check_sha256
from vesselscope.frame import Frame
from vesselscope.onnx_session import open_session

# Inside the package, so a normal (wheel) install finds it: vesselscope/models links to the
# repository's models/ folder, and a wheel carries its files.
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "vessel_classifier.onnx"


def default_model_path() -> Path:
    return DEFAULT_MODEL


class VesselClassifier:
    """An ONNX vessel/background crop classifier checked against its model card.

    model_path: the .onnx file (default: the shipped classifier); its card is the .card.json
    beside it unless `card_path` says otherwise. The session runs on TensorRT, CUDA or the CPU,
    whichever really starts (`provider`; why faster ones did not start is in `failures`).
    Raises ModelCardError when the card does not match the network or the network answers NaN,
    FileNotFoundError when the model is missing.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        card_path: str | os.PathLike[str] | None = None,
    ) -> None:
        path = Path(model_path) if model_path is not None else default_model_path()
        if not path.is_file():
            raise FileNotFoundError(f"vessel classifier model not found: {path}")
        self.model_path = path
        self.card: ModelCard = load_model_card(card_path or card_path_for(path))
        model_bytes = path.read_bytes()
        check_sha256(self.card, model_bytes, str(path))
        self.failures: dict[str, str] = {}
        self._session = open_session(model_bytes, self.failures)
        check_session(self.card, self._session, str(path))
        check_finite_output(self.card, self._session, str(path))
        self._vessel = self.card.vessel_index

    @property
    def provider(self) -> str:
        """The execution provider really running the network."""
        return self._session.get_providers()[0]

    @property
    def threshold(self) -> float:
        """Accept a candidate as a vessel when P(vessel) exceeds this (from the card)."""
        return self.card.decision_threshold

    @property
    def input_size(self) -> int:
        return self.card.input_size

    def crops(self, frame: Frame | np.ndarray, candidates: Sequence[Ellipse]) -> np.ndarray:
        """The (N, size, size) crops the network sees, before normalisation."""
        return crop_batch(frame, candidates, self.card.input_size, self.card.margin_px)

    def classify_crops(self, crops: np.ndarray) -> np.ndarray:
        """P(vessel) for (N, size, size) grey crops (0-255), one batch; shape (N,) float32."""
        size = self.card.input_size
        if crops.ndim != 3 or crops.shape[1:] != (size, size):
            raise ValueError(f"crops must be (N, {size}, {size}), got {crops.shape}")
        if len(crops) == 0:
            return np.zeros(0, np.float32)
        card = self.card
        batch = crops.astype(np.float32)[:, None]
        batch = (batch * np.float32(card.scale) - np.float32(card.mean)) / np.float32(card.std)
        (probabilities,) = self._session.run([card.output_name], {card.input_name: batch})
        return np.ascontiguousarray(probabilities[:, self._vessel], dtype=np.float32)

    def classify(self, frame: Frame | np.ndarray, candidates: Sequence[Ellipse]) -> np.ndarray:
        """P(vessel) of every candidate of `frame`, in their order, in one network run."""
        return self.classify_crops(self.crops(frame, candidates))
