"""`vesselscope bench [SOURCE]`: latency and throughput of the detector, end to end by default.

--stage candidates measures the candidate search alone (with the NumPy reference's speed-up and
the gather-limit efficiency); --stage classifier times one frame's batch of 8 crops.

With --recall DATA, the same command measures the candidate recall instead: DATA is a folder
laid out like usgra-seg (images/, masks/ with palette index 2 = vessel) or a sim:// URI.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from vesselscope.commands.arg_types import spacing_mm, within
from vesselscope.commands.detector_args import (
    add_preset_device_model,
    add_threshold_and_tracking,
    detector_settings_from_arguments,
    track_unless_stills,
)
from vesselscope.errors import SourceError

STANDARD_CINE = "sim://femoral?seed=1&frames=60&size=512,512"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench", help="benchmark a stage: per-frame latency, throughput, speed-up over NumPy"
    )
    parser.add_argument(
        "source",
        nargs="?",
        help=f"recording, folder or sim:// URI (default: {STANDARD_CINE})",
    )
    parser.add_argument(
        "--stage",
        choices=["pipeline", "candidates", "classifier"],
        default="pipeline",
        help="what to measure (default: pipeline, end to end)",
    )
    add_preset_device_model(parser)
    parser.add_argument(
        "--top-k",
        type=within(int, 1, 100),
        help="candidates per frame (pipeline: classified, the preset's 8 or 12; candidates: 10)",
    )
    parser.add_argument(
        "--spacing",
        type=spacing_mm,
        metavar="MM",
        help="mm per pixel, overriding (or supplying) the source's",
    )
    parser.add_argument("--frames", type=within(int, 1, 10**7), help="use only the first N frames")
    parser.add_argument(
        "--reference-frames",
        type=within(int, 0, 10**4),
        default=10,
        help="frames also run on the NumPy reference for the speed-up (10)",
    )
    parser.add_argument(
        "--recall",
        metavar="DATA",
        help="measure top-K recall on a usgra-seg folder or a sim:// URI instead",
    )
    add_threshold_and_tracking(parser.add_argument_group("pipeline stage"))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ignored = "--recall measures DATA" if args.recall else None
    if not ignored and args.stage == "classifier":
        ignored = "--stage classifier times generated crops"
    if ignored and args.source is not None:
        print(f"vesselscope: error: {ignored}, not a SOURCE: drop {args.source}", file=sys.stderr)
        return 2
    if args.recall:
        args.top_k = args.top_k or 10
        return _recall(args)
    if args.stage == "classifier":
        return _bench_classifier(args)
    args.source = args.source or STANDARD_CINE
    frames = _frames(args)
    if args.stage == "pipeline":
        return _bench_pipeline(args, frames)
    return _bench(args, frames)


def _frames(args: argparse.Namespace) -> list:
    from vesselscope.sources import open_source

    with open_source(args.source, spacing_mm=args.spacing) as source:
        if not source.seekable:
            raise SourceError(args.source, "is a live stream; bench measures a recording")
        count = min(len(source), args.frames or len(source))
        frames = [source[i] for i in range(count)]
        if args.stage == "pipeline":
            track_unless_stills(args, source)
    if not frames:
        raise SourceError(args.source, "has no frames")
    if frames[0].spacing_mm is None:
        raise SourceError(args.source, "does not say its pixel spacing: pass --spacing MM")
    return frames


def _bench_pipeline(args: argparse.Namespace, frames: list) -> int:
    from vesselscope.detection.bench import bench_pipeline, pipeline_lines

    settings = detector_settings_from_arguments(args)
    report = bench_pipeline(frames, settings)
    if args.json:
        said = {"source": args.source, "stage": "pipeline", "tracking": settings.track}
        print(json.dumps({**said, **report}, indent=1))
    else:
        print("\n".join(pipeline_lines(args.source, report)))
    return 0


def _bench_classifier(args: argparse.Namespace) -> int:
    from vesselscope.classifier import benchmark_classifier

    report = benchmark_classifier(n_crops=args.top_k or 8, model_path=args.model)
    if args.json:
        print(json.dumps({"stage": "classifier", **report}, indent=1))
    else:
        for key, value in report.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v:.3f}" for k, v in value.items())
            print(f"{key:10s} {value}")
    return 0


def _bench(args: argparse.Namespace, frames: list) -> int:
    from vesselscope.candidates.bench import bench_candidates, report_lines

    report = bench_candidates(
        frames,
        args.preset,
        device=args.device,
        top_k=args.top_k or 10,
        reference_frames=args.reference_frames,
        default_spacing_mm=args.spacing,
    )
    if args.json:
        print(json.dumps({"source": args.source, **asdict(report)}, indent=1))
    else:
        print("\n".join(report_lines(args.source, report)))
    return 0


def _recall(args: argparse.Namespace) -> int:
    from vesselscope.candidates import CandidateSearch
    from vesselscope.candidates.recall import simulated_recall, usgra_recall
    from vesselscope.sources import open_source

    search = CandidateSearch(args.preset, device=args.device, top_k=args.top_k)
    if "://" in args.recall:
        with open_source(args.recall, spacing_mm=args.spacing) as source:
            if not hasattr(source, "truth"):
                raise SourceError(args.recall, "has no ground truth (use sim:// or a folder)")
            result = simulated_recall(source, search)
            spacing = source.spacing_mm[1] if source.spacing_mm else None
    else:
        if args.spacing is None:
            raise SourceError(
                args.recall, "--recall on images needs --spacing MM (about 0.075 fits usgra-seg)"
            )
        result = usgra_recall(Path(args.recall), search, args.spacing)
        spacing = args.spacing
    summary = {
        "data": args.recall,
        "preset": search.preset.name,
        "top_k": args.top_k,
        "spacing_mm": spacing,
        "device": search.backend,
        "frames": result.frames,
        "regions": result.regions,
        "found": result.found,
        "recall": round(result.share, 4),
    }
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print(
            f"recall on {args.recall}: {result.found}/{result.regions} vessel regions = "
            f"{result.share:.3f} at top {args.top_k}, {result.frames} frames, preset "
            f"{search.preset.name}, {spacing:.4f} mm/px, device {search.backend}"
        )
    return 0
