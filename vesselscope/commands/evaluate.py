"""`vesselscope evaluate SOURCE --truth TRUTH`: detection quality against ground truth."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vesselscope.commands.detector_args import add_detector_arguments, detector_from_arguments
from vesselscope.commands.source_arg import add_source_argument, open_source_argument


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="measure detection against ground truth (annotation JSON or masks)"
    )
    add_source_argument(parser)
    parser.add_argument(
        "--truth",
        help="annotation JSON or folder of label masks (default: the source's .truth.json)",
    )
    parser.add_argument("--mask-label", type=int, default=2, help="vessel label in masks (2)")
    parser.add_argument("--match-mm", type=float, default=2.0, help="centre distance to match")
    parser.add_argument("--report", help="folder for metrics.json, plots and report.html")
    add_detector_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from vesselscope.evaluation.run import evaluate, report
    from vesselscope.evaluation.truth import Truth

    with open_source_argument(args) as source:
        truth = Truth(args.truth or _default_truth(source.path), mask_label=args.mask_label)
        detector = detector_from_arguments(args)
        evaluation, results = evaluate(
            source,
            truth,
            lambda _: detector,
            max_distance_mm=args.match_mm,
            progress=lambda frames: tqdm(frames, total=len(source), unit="frame", desc="evaluate"),
        )
        summary = evaluation.summary()
        summary["device"], summary["provider"] = detector.device, detector.provider
        _print(summary)
        if args.report:
            page = report(Path(args.report), source, truth, evaluation, results)
            print(f"wrote {page}")
    return 0


def _default_truth(source_path: str) -> Path:
    from vesselscope.simulator import truth_path

    return truth_path(Path(source_path))


def _print(summary: dict) -> None:
    def fmt(value: object) -> str:
        if isinstance(value, dict) and "mean" in value and "sd" in value:
            return f"{value['mean']:.3f} (sd {value['sd']:.3f}, n {value['n']})"
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    skip = ("precision_recall_by_threshold", "latency_ms")
    for key, value in summary.items():
        if key not in skip:
            print(f"{key:28s} {fmt(value)}")
    print(json.dumps({"latency_ms": summary["latency_ms"]}, indent=1))
