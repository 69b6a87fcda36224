"""Check a model card against the network it describes: file hash, input, outputs, classes.

The app refuses a model whose card does not match (DESIGN.md): a wrong input size would feed
it garbage crops, a wrong class list would turn "vessel" into "background", and a wrong hash
means the card describes some other training run.
"""

from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort

from vesselscope.classifier.card import ModelCard, ModelCardError, file_sha256

CLASSES_METADATA = "vesselscope.classes"  # written into the ONNX file by the training export


def check_sha256(card: ModelCard, model_bytes: bytes, where: str) -> None:
    actual = file_sha256(model_bytes)
    if actual != card.sha256:
        raise ModelCardError(
            f"{where}: sha256 mismatch: the card says {card.sha256[:16]}..., the file is "
            f"{actual[:16]}... (the card belongs to another model file)"
        )


def check_session(card: ModelCard, session: ort.InferenceSession, where: str) -> None:
    """Raise ModelCardError naming the first mismatch between `card` and the loaded network."""
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1:
        raise ModelCardError(f"{where}: the network has {len(inputs)} inputs, the card one")
    (given,) = inputs
    if given.name != card.input_name:
        raise ModelCardError(
            f"{where}: input name mismatch: card {card.input_name!r}, network {given.name!r}"
        )
    shape = list(given.shape)
    wanted = [1, card.input_size, card.input_size]
    if len(shape) != 4 or shape[1:] != wanted:
        raise ModelCardError(
            f"{where}: input size mismatch: the card says 1x{card.input_size}x{card.input_size} "
            f"crops, the network takes {_shape_text(shape)}"
        )
    if isinstance(shape[0], int):
        raise ModelCardError(
            f"{where}: the network's batch axis is fixed at {shape[0]}; export it with a dynamic "
            "batch axis so all candidates of a frame run in one batch"
        )
    if given.type != "tensor(float)":
        raise ModelCardError(f"{where}: input type is {given.type}, expected tensor(float)")
    by_name = {output.name: output for output in outputs}
    if card.output_name not in by_name:
        raise ModelCardError(
            f"{where}: output mismatch: the card names {card.output_name!r}, the network has "
            f"{sorted(by_name)}"
        )
    out_shape = list(by_name[card.output_name].shape)
    if len(out_shape) != 2 or out_shape[1] != len(card.classes):
        raise ModelCardError(
            f"{where}: classes mismatch: the card lists {len(card.classes)} classes "
            f"{list(card.classes)}, the network outputs shape {_shape_text(out_shape)}"
        )
    _check_exported_classes(card, session, where)


def check_finite_output(card: ModelCard, session: ort.InferenceSession, where: str) -> None:
    """Raise ModelCardError when the network answers NaN or infinity for two plain crops.

    A network whose training diverged passes every check of its card yet scores every crop NaN,
    which reads as "not a vessel" everywhere. One run of two crops (black and mid-grey) costs
    about a millisecond, once, when the model is loaded.
    """
    size = card.input_size
    crops = np.stack([np.zeros((1, size, size)), np.full((1, size, size), 128.0)])
    batch = ((crops * card.scale - card.mean) / card.std).astype(np.float32)
    (output,) = session.run([card.output_name], {card.input_name: batch})
    if not np.all(np.isfinite(output)):
        raise ModelCardError(
            f"{where}: the network's output is not finite (NaN or infinity for a plain test "
            "crop): its training diverged; retrain it"
        )


def _check_exported_classes(card: ModelCard, session: ort.InferenceSession, where: str) -> None:
    # A swapped class order keeps every shape right; only the export's own record catches it.
    recorded = session.get_modelmeta().custom_metadata_map.get(CLASSES_METADATA)
    if recorded is None:
        return
    exported = tuple(json.loads(recorded))
    if exported != card.classes:
        raise ModelCardError(
            f"{where}: classes mismatch: the card lists {list(card.classes)}, the network was "
            f"exported with {list(exported)}"
        )


def _shape_text(shape: list[object]) -> str:
    return "x".join(str(d) if isinstance(d, int) else "N" for d in shape)
