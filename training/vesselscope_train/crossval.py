"""Grouped k-fold cross-validation of VesselNet: held-out P(vessel) for every crop, and metrics.

Scores count candidate crops only (what the app classifies, and what the paper's 94.5%
measures); outline crops of a held-out group are neither trained on nor scored.

The decision threshold, unless fixed, is chosen on held-out predictions but never on the fold
it scores: fold f is scored at the threshold with the best accuracy on the real candidate crops
of the other folds (their own held-out predictions). The shipped model gets the threshold best
on all held-out real candidates. Outline crops make vessels more common in training than among
candidates, which moves the best threshold above 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vesselscope_train.dataset import CropDataset
from vesselscope_train.distributed import Context
from vesselscope_train.folds import grouped_folds
from vesselscope_train.metrics import PAPER_ACCURACY, best_threshold, crop_metrics
from vesselscope_train.trainer import TrainConfig, Trained, fit, predict

GROUPING = (
    "grouped k-fold: each simulated cine is one group; real usgra-seg images are grouped by "
    "similarity (32x32 thumbnail correlation >= 0.8, joined transitively) so near-duplicate "
    "views of one subject and region never sit in both train and test"
)


@dataclass(frozen=True)
class CrossValidation:
    """The figures for the card, and what lets each fold's model be exported and used on the
    images it held out (`--export-folds`)."""

    report: dict[str, Any]  # the card's cross_validation section
    models: list[Trained]  # models[f] trained on every fold but f
    fold_of: np.ndarray  # the fold holding out each crop of the dataset cross-validated


def repeats_of(data: CropDataset, config: TrainConfig) -> np.ndarray:
    """How often each crop is seen per epoch: real candidate crops more (TrainConfig)."""
    real = data.column("domain").astype(str) == "real"
    candidate = data.column("kind").astype(str) == "candidate"
    return np.where(real & candidate, config.real_candidate_repeats, 1)


def cross_validate(
    data: CropDataset,
    config: TrainConfig,
    context: Context,
    *,
    folds: int,
    threshold: float | None,
    checkpoint_dir: Path | None,
    resume: bool,
    progress: bool,
) -> CrossValidation:
    """Train `folds` models, each tested on its held-out groups; report per domain."""
    domains = data.column("domain").astype(str)
    groups = data.column("group").astype(str)
    scored = data.column("kind").astype(str) == "candidate"
    fold_of = grouped_folds(groups, domains, folds, seed=config.seed)
    labels = data.labels
    repeats = repeats_of(data, config)
    held_out = np.zeros(len(labels), np.float32)
    models = []
    for fold in range(folds):
        train, test = fold_of != fold, fold_of == fold
        trained = fit(
            data.crops[train],
            labels[train],
            config,
            context,
            tag=f"cv{folds}-fold{fold + 1}",
            repeats=repeats[train],
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            progress=progress,
        )
        held_out[test] = predict(trained, data.crops[test], context.device)
        models.append(trained)
    tuning = scored & (domains == "real") if np.any(scored & (domains == "real")) else scored
    if threshold is None:
        fold_thresholds = [
            best_threshold(labels[tuning & (fold_of != f)], held_out[tuning & (fold_of != f)])
            for f in range(folds)
        ]
        threshold = best_threshold(labels[tuning], held_out[tuning])
    else:
        fold_thresholds = [threshold] * folds
    at = np.asarray(fold_thresholds)[fold_of]  # each crop judged at its fold's threshold
    report: dict[str, Any] = {
        "folds": folds,
        "grouping": GROUPING,
        "threshold": threshold,
        "fold_thresholds": fold_thresholds,
        "paper_accuracy": PAPER_ACCURACY,
    }
    for domain in sorted(set(domains[scored])):
        chosen = scored & (domains == domain)
        report[domain] = {
            **crop_metrics(labels[chosen], held_out[chosen], at[chosen]),
            "groups": len(set(groups[chosen])),
            "fold_accuracy": [
                round(crop_metrics(labels[c], held_out[c], at[c])["accuracy"], 4)
                for f in range(folds)
                if (c := chosen & (fold_of == f)).any()
            ],
        }
    report["all"] = crop_metrics(labels[scored], held_out[scored], at[scored])
    return CrossValidation(report, models, fold_of)
