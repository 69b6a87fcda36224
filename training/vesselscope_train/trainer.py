"""Train one VesselNet on uint8 crops: augmentation, cosine learning rate, checkpoints, DDP.

Each epoch draws its shuffling, augmentation and dropout from (seed, epoch, rank) alone, so a
run resumed from its checkpoint ends with the same weights as one never interrupted.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler
from tqdm import tqdm

from vesselscope_train import distributed
from vesselscope_train.augment import augment
from vesselscope_train.checkpoint import fingerprint, restore_checkpoint, save_checkpoint
from vesselscope_train.distributed import Context
from vesselscope_train.net import VesselNet, WithProbabilities


@dataclass(frozen=True)
class TrainConfig:
    # 35 rather than 20: cross-validated real-crop accuracy 94.3% -> 95.4% (AUC 0.942 -> 0.946)
    # and cross-validated detection F1 on the real images 0.54 -> 0.58.
    epochs: int = 35
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    seed: int = 0
    augment: bool = True
    # Real candidate crops are what the app classifies but a minority of the training crops
    # (outline and simulated crops outnumber them): each is seen this many times per epoch, 6
    # since the simulated cines doubled (3 before).
    real_candidate_repeats: int = 6


@dataclass(frozen=True)
class Normalisation:
    """x -> (x / 255 - mean) / std, from the training crops; recorded in the model card."""

    mean: float
    std: float

    @classmethod
    def of(cls, crops: np.ndarray) -> Normalisation:
        scaled = crops.astype(np.float64) / 255.0
        return cls(round(float(scaled.mean()), 6), round(float(scaled.std()) or 1.0, 6))


@dataclass(frozen=True)
class Trained:
    model: VesselNet  # unwrapped, in eval mode
    normalisation: Normalisation
    losses: list[float]  # mean training loss per epoch


def fit(
    crops: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    context: Context,
    *,
    tag: str,
    repeats: np.ndarray | None = None,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    progress: bool = True,
) -> Trained:
    """Train on (N, S, S) uint8 crops with labels 0/1; resume `tag` from `checkpoint_dir`.

    repeats: how often each crop is seen per epoch (default once).
    """
    repeats = np.ones(len(crops), np.int64) if repeats is None else repeats
    pool = np.repeat(np.arange(len(crops)), repeats)
    norm = Normalisation.of(crops)
    x = torch.from_numpy(crops).float().unsqueeze(1) / 255.0
    y = torch.from_numpy(labels.astype(np.int64))
    torch.manual_seed(config.seed)  # the same initial weights on every rank
    model = VesselNet(size=crops.shape[-1]).to(context.device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    # The number of processes too: a run under torchrun resumed by one process would mix two
    # runs' results and carry a card saying one process trained it.
    identity = {
        "config": asdict(config),
        "data": fingerprint(crops, labels, repeats),
        "processes": context.world_size,
    }
    path = checkpoint_dir / f"{tag}.pt" if checkpoint_dir else None
    losses: list[float] = []
    if resume and path:
        losses = _resumed(path, identity, model, optimizer, tag, config, context)
    network = DistributedDataParallel(model) if context.distributed else model
    sampler = DistributedSampler(
        range(len(pool)), context.world_size, context.rank, shuffle=True, seed=config.seed
    )
    epochs = _Epochs(network, optimizer, x, y, norm, config, context, progress and context.is_main)
    bar = tqdm(
        range(len(losses), config.epochs),
        desc=tag,
        initial=len(losses),
        total=config.epochs,
        disable=not epochs.show,
    )
    for epoch in bar:
        sampler.set_epoch(epoch)
        losses.append(epochs.run(epoch, pool[list(sampler)].tolist()))
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
        _stop_if_diverged(losses[-1], model, context, tag=tag, epoch=epoch, config=config)
        if path and context.is_main:
            save_checkpoint(path, identity, model, optimizer, losses)
    model.eval()
    return Trained(model, norm, losses)


def _resumed(
    path: Path,
    identity: dict[str, Any],
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    tag: str,
    config: TrainConfig,
    context: Context,
) -> list[float]:
    """The losses of the epochs `path` completed, restored into model and optimizer; one line
    either way, as a --resume that found nothing would otherwise retrain for an hour unsaid."""
    if not path.is_file():
        _say(context, f"no checkpoint for {tag} in {path.parent}: starting afresh")
        return []
    losses = restore_checkpoint(path, identity, model, optimizer)
    if len(losses) >= config.epochs:
        _say(context, f"resuming {tag}: all {config.epochs} epochs done ({path})")
    else:
        _say(context, f"resuming {tag} from epoch {len(losses) + 1} of {config.epochs} ({path})")
    return losses


def _say(context: Context, line: str) -> None:
    if context.is_main:  # once, not once per process
        print(line, flush=True)


def _stop_if_diverged(
    loss: float,
    model: torch.nn.Module,
    context: Context,
    *,
    tag: str,
    epoch: int,
    config: TrainConfig,
) -> None:
    """Raise ValueError when the epoch's loss or the weights are no longer finite.

    Checked before the epoch's checkpoint is saved, so that --resume never continues a diverged
    run; the weights too, as the epoch's last step can spoil them after its loss was measured.
    A NaN network scores every crop "not a vessel": its figures would look like the baseline's
    and its export would answer NaN. Every process agrees, so none waits on the others.
    """
    finite = math.isfinite(loss) and all(bool(torch.isfinite(p).all()) for p in model.parameters())
    if distributed.all_true(context, finite):
        return
    raise ValueError(
        f"training {tag} diverged in epoch {epoch + 1} of {config.epochs} (the loss or the weights "
        f"are no longer finite, loss {loss:.4g}); nothing was exported: try a lower --lr than "
        f"{config.lr:g}"
    )


@dataclass
class _Epochs:
    """What every epoch of one run shares."""

    network: torch.nn.Module  # the model, or its DistributedDataParallel wrapper
    optimizer: torch.optim.Optimizer
    x: torch.Tensor  # (N, 1, S, S) in [0, 1]
    y: torch.Tensor
    norm: Normalisation
    config: TrainConfig
    context: Context
    show: bool

    def run(self, epoch: int, order: list[int]) -> float:
        """One pass over this rank's share `order` of the crops; the mean loss."""
        config, rank = self.config, self.context.rank
        generator = torch.Generator().manual_seed(config.seed * 100_003 + epoch * 101 + rank)
        torch.manual_seed(config.seed * 7_919 + epoch * 13 + rank)  # dropout
        for group in self.optimizer.param_groups:
            group["lr"] = config.lr * 0.5 * (1.0 + math.cos(math.pi * epoch / config.epochs))
        self.network.train()
        batches = torch.tensor(order).split(config.batch_size)
        total = 0.0
        bar = tqdm(batches, desc=f"epoch {epoch + 1}", leave=False, disable=not self.show)
        for index in bar:
            batch = augment(self.x[index], generator) if config.augment else self.x[index]
            batch = ((batch - self.norm.mean) / self.norm.std).to(self.context.device)
            loss = F.cross_entropy(self.network(batch), self.y[index].to(self.context.device))
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            value = loss.item()
            total += value
            bar.set_postfix(loss=f"{value:.3f}")
        return total / max(len(batches), 1)


@torch.no_grad()
def predict(
    trained: Trained, crops: np.ndarray, device: torch.device, batch: int = 512
) -> np.ndarray:
    """P(vessel) for (N, S, S) uint8 crops, as the exported network computes it."""
    network = WithProbabilities(trained.model).eval()
    norm = trained.normalisation
    out = []
    for start in range(0, len(crops), batch):
        x = torch.from_numpy(crops[start : start + batch]).float().unsqueeze(1) / 255.0
        out.append(network(((x - norm.mean) / norm.std).to(device))[:, 1].cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0, np.float32)
