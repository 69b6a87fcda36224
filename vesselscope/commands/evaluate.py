"""`vesselscope evaluate SOURCE --truth TRUTH`: detection quality against ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from vesselscope.commands.arg_types import within
from vesselscope.commands.detector_args import (
    add_detector_arguments,
    detector_from_arguments,
    detector_settings_from_arguments,
    track_unless_stills,
)
from vesselscope.commands.output_paths import check_apart, check_output_folder
from vesselscope.commands.source_arg import (
    add_source_argument,
    open_source_argument,
    require_spacing,
)

if TYPE_CHECKING:
    from vesselscope.evaluation.folds import FoldDetectors
    from vesselscope.evaluation.truth import Truth
    from vesselscope.sources import Source


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="measure detection against ground truth (annotation JSON or masks)"
    )
    add_source_argument(parser)
    parser.add_argument(
        "--truth",
        help="annotation JSON or folder of label masks (default: the source's .truth.json)",
    )
    parser.add_argument(
        "--mask-label", type=within(int, 1, 65535), default=2, help="vessel label in masks (2)"
    )
    parser.add_argument(
        "--match-mm", type=within(float, 0.01, 100.0), default=2.0, help="centre distance to match"
    )
    parser.add_argument("--report", help="folder for metrics.json, plots and report.html")
    parser.add_argument(
        "--fold-models",
        metavar="FOLDS_JSON",
        help="score each image with the cross-validation model that held it out (folds.json "
        "from `vesselscope-train vessel --export-folds`); images are independent (no tracking)",
    )
    add_detector_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from vesselscope.evaluation.run import evaluate, report

    if args.fold_models and args.model:
        print("vesselscope: error: --fold-models and --model exclude each other", file=sys.stderr)
        return 2
    if args.report:
        check_output_folder(args.report)
        check_apart(
            {
                "the recording evaluated": args.source,
                "the truth": args.truth,
                "the report folder": args.report,
            }
        )
    with open_source_argument(args) as source:
        truth = _truth(args, source)
        _agree_on_spacing(args, source, truth)
        named = truth.annotated_source
        if named and named not in (source.path, Path(source.path).name):
            print(
                f"vesselscope: warning: {truth.name} annotates {named}, not "
                f"{Path(source.path).name}: is it the right truth file?",
                file=sys.stderr,
            )
        if not args.fold_models:  # fold models score images alone anyway
            track_unless_stills(args, source)
        folds = _fold_detectors(args) if args.fold_models else None
        detector = folds.detectors[0] if folds is not None else detector_from_arguments(args)
        evaluation, results = evaluate(
            source,
            truth,
            folds if folds is not None else (lambda _: detector),
            max_distance_mm=args.match_mm,
            progress=lambda frames: tqdm(frames, total=len(source), unit="frame", desc="evaluate"),
        )
        summary = evaluation.summary()
        # what was measured, so that two reports can be told apart
        summary["source"], summary["truth"] = source.path, truth.name
        summary["preset"], summary["spacing_mm"] = detector.settings.preset, source.spacing_mm
        summary["tracking"], summary["top_k"] = detector.settings.track, detector.search.top_k
        summary["model"] = None if folds else str(detector.classifier.model_path)
        summary["device"], summary["provider"] = detector.device, detector.provider
        if folds:
            summary["fold_models"] = folds.summary()
        _print(summary)
        if folds is None and detector.settings.track:
            hits = detector.settings.tracker.confirm_hits
            print(
                f"tracking on: a vessel that appears after the first frame is shown once seen "
                f"in {hits} frames, so its first {hits - 1} count as missed (--no-track scores "
                "frames alone)"
            )
        if args.report:
            page = report(Path(args.report), source, truth, evaluation, results, summary)
            print(f"wrote {page}")
    return 0


def _fold_detectors(args: argparse.Namespace) -> FoldDetectors:
    from dataclasses import replace

    from vesselscope.evaluation.folds import FoldDetectors

    # Fold models score independent stills, and consecutive frames come from different
    # folds: a tracker would join unrelated images.
    settings = replace(detector_settings_from_arguments(args), track=False)
    return FoldDetectors(args.fold_models, settings)


def _agree_on_spacing(args: argparse.Namespace, source: Source, truth: Truth) -> None:
    """The spacing the truth was drawn at supplies a recording's missing one (a folder of
    stills annotated in the viewer after File > Pixel spacing); a different one is said."""
    given = truth.spacing_mm
    if source.spacing_mm is None and given is not None and args.spacing is None:
        source.override_spacing(given)
        print(
            f"vesselscope: note: {Path(source.path).name} has no pixel spacing: using the "
            f"{given[0]:g} x {given[1]:g} mm of {truth.name}",
            file=sys.stderr,
        )
    elif given is not None and source.spacing_mm is not None and _differ(given, source.spacing_mm):
        print(
            f"vesselscope: warning: {truth.name} was drawn at {given[0]:g} x {given[1]:g} "
            f"mm per pixel, the recording is read at {source.spacing_mm[0]:g} x "
            f"{source.spacing_mm[1]:g}: millimetre figures follow the recording's",
            file=sys.stderr,
        )
    require_spacing(source, source.path)


def _differ(one: tuple[float, float], other: tuple[float, float]) -> bool:
    return any(abs(a - b) > 1e-3 * max(a, b) for a, b in zip(one, other, strict=True))


def _truth(args: argparse.Namespace, source: Source) -> Truth:
    """--truth, else what the simulator knows of a sim:// source, else the recording's
    .truth.json (as `vesselscope simulate` writes it)."""
    from vesselscope.annotations import Annotations
    from vesselscope.evaluation.truth import Truth
    from vesselscope.simulator import truth_path
    from vesselscope.simulator.source import SimulatorSource

    if args.truth:
        return Truth(args.truth, mask_label=args.mask_label)
    if isinstance(source, SimulatorSource):
        frames = {index: source.truth(index) for index in range(len(source))}
        return Truth(source.path, annotations=Annotations(source.spacing_mm, source.path, frames))
    return Truth(truth_path(Path(source.path)), mask_label=args.mask_label)


def _print(summary: dict) -> None:
    def fmt(value: object) -> str:
        if isinstance(value, dict) and "mean" in value and "sd" in value:
            return f"{value['mean']:.3f} (sd {value['sd']:.3f}, n {value['n']})"
        if value is None:  # undefined: no detections for a precision, no vessels for a recall
            return "n/a"
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    skip = ("precision_recall_by_threshold", "latency_ms", "fold_models")
    for key, value in summary.items():
        if key not in skip:
            print(f"{key:28s} {fmt(value)}")
    for number, fold in enumerate(summary.get("fold_models", {}).get("folds", []), start=1):
        print(
            f"fold {number}: {fold['model']} at threshold {fold['threshold']} scored "
            f"{fold['frames_scored']} frames ({fold['images_held_out']} images held out)"
        )
    print(f"{'latency ms':28s} {'p50':>8s} {'p95':>8s} {'p99':>8s}")
    for stage, p in summary["latency_ms"].items():
        print(f"  {stage:26s} {p['p50']:8.2f} {p['p95']:8.2f} {p['p99']:8.2f}")
