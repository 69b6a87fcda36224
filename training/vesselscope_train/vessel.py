"""`vessel`: cross-validate, train the shipped model on all crops, export ONNX + model card;
with `--export-folds`, each fold's model too (fold_export.py)."""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vesselscope_train import distributed
from vesselscope_train.crossval import CrossValidation, cross_validate, repeats_of
from vesselscope_train.dataset import CropDataset, load_dataset
from vesselscope_train.export import write_model
from vesselscope_train.fold_export import export_fold_models
from vesselscope_train.folders import writable_folder
from vesselscope_train.metrics import summary_line
from vesselscope_train.net import VesselNet
from vesselscope_train.provenance import source_commit
from vesselscope_train.trainer import TrainConfig, Trained, fit

AUGMENTATION = [
    "gain (-4.3 to +3.5 dB) and depth-gain (TGC) slope",
    "contrast: gamma 0.7-1.4",
    "speckle: multiplicative correlated noise, sd up to 0.35, plus receiver noise",
    "reverberation: decaying periodic horizontal bands (30% of crops)",
    "horizontal flips",
    "scale 0.88-1.12 and shifts up to 3% of the crop",
]


def train_vessel(
    data_dir: Path,
    out_dir: Path,
    config: TrainConfig,
    *,
    folds: int,
    threshold: float | None,
    checkpoint_dir: Path | None,
    resume: bool,
    progress: bool,
    command: str,
    export_folds: Path | None = None,
) -> dict[str, Any] | None:
    """The whole `vessel` command; returns the card's metrics on rank 0 (None elsewhere).

    export_folds: a folder for every fold's model and folds.json (needs `folds` >= 2).
    """
    if export_folds is not None and not folds:
        raise ValueError("--export-folds needs cross-validation (--folds 2 or more)")
    _check_outputs(out_dir, checkpoint_dir, export_folds)
    context = distributed.start()
    try:
        data = load_dataset(data_dir)
        if export_folds is not None and "real" not in set(data.column("domain")):
            # the manifest lists the real images each fold held out: it would list none, and
            # evaluate --fold-models could score no image with it
            raise ValueError(
                f"--export-folds: {data_dir} holds no real images (harvested with --no-real), "
                "so no fold model would hold out any image to be scored on"
            )
        usable = data.subset(data.labels >= 0)  # ambiguous crops (-1) are never trained on
        cv = None
        if folds:
            cv = cross_validate(
                usable,
                config,
                context,
                folds=folds,
                threshold=threshold,
                checkpoint_dir=checkpoint_dir,
                resume=resume,
                progress=progress,
            )
        final = fit(
            usable.crops,
            usable.labels,
            config,
            context,
            tag="final",
            repeats=repeats_of(usable, config),
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            progress=progress,
        )
        if not context.is_main:
            return None
        details = _card_details(data, usable, final, config, cv, command, context)
        if threshold is None:  # chosen by cross-validation, else the neutral 0.5
            threshold = cv.report["threshold"] if cv else 0.5
        model_path, card_path = write_model(
            out_dir,
            final,
            margin_px=data.meta["crop"]["margin_px"],
            threshold=threshold,
            details=details,
        )
        if cv:
            for domain in ("real", "simulated"):
                if domain in cv.report:
                    print(summary_line(f"cross-validated {domain} crops", cv.report[domain]))
        if export_folds is not None and cv is not None:
            # the card's command must say how a fold model came about, unlike the final's
            fold_command = f"{command} --export-folds {shlex.quote(str(export_folds))}"
            manifest = export_fold_models(
                export_folds,
                cv,
                data,
                usable,
                margin_px=data.meta["crop"]["margin_px"],
                details_of=lambda fold: _fold_details(
                    fold, data, usable, cv, config, fold_command, context
                ),
            )
            print(f"wrote {len(cv.models)} fold models and {manifest}")
        size_mb = model_path.stat().st_size / 1e6
        print(
            f"wrote {model_path} ({size_mb:.2f} MB, decision threshold {threshold}) and {card_path}"
        )
        return details
    finally:
        distributed.barrier(context)
        distributed.stop(context)


def _check_outputs(out_dir: Path, checkpoint_dir: Path | None, export_folds: Path | None) -> None:
    """Every folder this run writes in, tried before any training (see folders.py)."""
    writable_folder(out_dir, "--out")
    if checkpoint_dir is not None:
        writable_folder(checkpoint_dir, "--checkpoint-dir")
    if export_folds is not None:
        writable_folder(export_folds, "--export-folds")


def _card_details(
    data: CropDataset,
    usable: CropDataset,
    final: Trained,
    config: TrainConfig,
    cv: CrossValidation | None,
    command: str,
    context: distributed.Context,
) -> dict[str, Any]:
    domains = usable.column("domain").astype(str)
    kinds = usable.column("kind").astype(str)
    labels = usable.labels
    sources: dict[str, Any] = {}
    for domain in sorted(set(domains)):
        chosen = domains == domain
        sources[domain] = {
            "groups": len(set(usable.column("group")[chosen].tolist())),
            **{
                kind: {"crops": int(n.sum()), "vessel": int(labels[n].sum())}
                for kind in sorted(set(kinds[chosen]))
                if (n := chosen & (kinds == kind)).any()
            },
        }
    if "real" in sources:
        sources["real"]["source"] = data.meta.get("attribution")
        sources["real"]["license"] = "CC-BY-4.0"
    settings = data.meta.get("settings", {})
    if "simulated" in sources:
        sources["simulated"]["source"] = (
            f"vesselscope simulator {data.meta.get('vesselscope')}: presets "
            f"{settings.get('presets')}, seeds {settings.get('seeds')}"
        )
    parameters = sum(p.numel() for p in final.model.parameters())
    return {
        "name": "VesselScope vessel classifier",
        "description": "P(vessel) for a candidate crop: stage 2 of Smistad & Løvstakken (DLMIA "
        "2016), AlexNet-style grayscale CNN",
        "training": {
            "command": command,
            "data": sources,
            "ambiguous_crops_excluded": int(np.sum(data.labels < 0)),
            "labelling": data.meta.get("labelling"),
            "harvest": settings,
            "network": f"{VesselNet.__name__}, {parameters} parameters",
            "config": asdict(config),
            "augmentation": AUGMENTATION,
            "final_loss": round(final.losses[-1], 4) if final.losses else None,
            "processes": context.world_size,
            "torch": torch.__version__,
            "vesselscope_commit": source_commit(),
        },
        "inference": "P(vessel) is the mean over the crop and its mirror image, inside the network",
        "cross_validation": json.loads(json.dumps(cv.report)) if cv else None,
    }


def _fold_details(
    fold: int,
    data: CropDataset,
    usable: CropDataset,
    cv: CrossValidation,
    config: TrainConfig,
    command: str,
    context: distributed.Context,
) -> dict[str, Any]:
    """The card of fold `fold`'s model: its own training crops, and what it is for."""
    trained_on = usable.subset(cv.fold_of != fold)
    details = _card_details(data, trained_on, cv.models[fold], config, None, command, context)
    details["name"] = f"VesselScope vessel classifier, cross-validation fold {fold + 1}"
    details["cross_validation"] = {
        "fold": fold + 1,
        "folds": len(cv.models),
        "use": "only on the images this fold held out (folds.json): it trained on all others",
    }
    return details
