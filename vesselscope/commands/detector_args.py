"""Detector options shared by replay, evaluate and bench."""

from __future__ import annotations

import argparse

from vesselscope.candidates.presets import PRESETS
from vesselscope.detection.detector import Detector, DetectorSettings


def add_detector_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("detector")
    group.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="general",
        help="candidate preset (default: general)",
    )
    group.add_argument("--device", help="OpenCL device: gpu, cpu, PLATFORM:DEVICE or numpy")
    group.add_argument("--model", help="ONNX classifier (default: the shipped model)")
    group.add_argument("--threshold", type=float, help="P(vessel) to accept (default: the card's)")
    group.add_argument("--top-k", type=int, default=8, help="candidates classified per frame")
    group.add_argument(
        "--no-track", action="store_true", help="frames are independent images: no tracking"
    )


def detector_from_arguments(args: argparse.Namespace) -> Detector:
    return Detector(
        DetectorSettings(
            preset=args.preset,
            device=args.device,
            model=args.model,
            threshold=args.threshold,
            top_k=args.top_k,
            default_spacing_mm=getattr(args, "spacing", None),
            track=not args.no_track,
        )
    )
