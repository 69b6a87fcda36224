"""Checkpoints of one training run: weights, optimizer state and losses after every epoch.

A checkpoint records the run's settings and a fingerprint of its data; resuming with other
settings or other data is refused instead of silently mixing two runs.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch


def fingerprint(crops: np.ndarray, labels: np.ndarray, repeats: np.ndarray) -> str:
    data = crops.tobytes() + labels.astype(np.int64).tobytes() + repeats.astype(np.int64).tobytes()
    return hashlib.sha256(data).hexdigest()[:16]


def save_checkpoint(
    path: Path,
    identity: dict[str, Any],
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    losses: list[float],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        **identity,
        "losses": losses,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
    }
    temporary = path.with_name(path.name + ".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)  # a run killed while saving keeps the previous checkpoint


def restore_checkpoint(
    path: Path,
    identity: dict[str, Any],
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
) -> list[float]:
    """Load `path` into model and optimizer; the losses of the epochs it completed."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:
        raise ValueError(
            f"{path}: cannot resume: the checkpoint is unreadable ({type(exc).__name__}); "
            "delete it to start afresh"
        ) from exc
    for key, wanted in identity.items():
        if state.get(key) != wanted:
            raise ValueError(
                f"{path}: cannot resume: {_difference(key, state.get(key), wanted)} "
                "(delete the checkpoint or use the same settings and data)"
            )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return list(state["losses"])


def _difference(key: str, had: Any, wanted: Any) -> str:
    """What differs, by name: of two settings dicts, only the settings that differ."""
    if isinstance(had, dict) and isinstance(wanted, dict):
        names = sorted(n for n in had.keys() | wanted.keys() if had.get(n) != wanted.get(n))
        return "; ".join(f"its {n} is {had.get(n)}, this run's {wanted.get(n)}" for n in names)
    return f"its {key} is {had}, this run's is {wanted}"
