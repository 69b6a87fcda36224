"""Detector options shared by replay, evaluate, bench and view."""

from __future__ import annotations

import argparse
import sys

from vesselscope.candidates.presets import PRESETS
from vesselscope.commands.arg_types import within
from vesselscope.detection.detector import Detector, DetectorSettings
from vesselscope.sources.base import Source
from vesselscope.sources.image_folder import independent_stills


def add_preset_device_model(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    *,
    remembered: bool = False,
    demo_aware: bool = False,
) -> None:
    """--preset, --device, --model; `remembered`: unset means the viewer's last choice;
    `demo_aware`: unset means general, or the demo cine's own preset when SOURCE is left out
    (open_source_argument fills it in), as `vesselscope demo` uses."""
    default_model = "the one last used" if remembered else "the shipped model"
    if remembered:
        default_preset = "the one last used"
    elif demo_aware:
        default_preset = "general; femoral for the built-in demo cine"
    else:
        default_preset = "general"
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=None if remembered or demo_aware else "general",
        help=f"candidate preset (default: {default_preset})",
    )
    parser.add_argument("--device", help="OpenCL device: gpu, cpu, PLATFORM:DEVICE or numpy")
    parser.add_argument(
        "--model",
        help=f"ONNX classifier (default: {default_model})",
    )


def add_detector_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("detector")
    add_preset_device_model(group, demo_aware=True)
    group.add_argument(
        "--top-k",
        type=within(int, 1, 100),
        help="candidates classified per frame (default: the preset's, 8; forearm 12)",
    )
    add_threshold_and_tracking(group)


def add_threshold_and_tracking(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
) -> None:
    """--threshold and --no-track, for the commands that run the whole detector."""
    parser.add_argument(
        "--threshold",
        type=within(float, 0.0, 1.0),
        help="P(vessel) to accept (default: the card's)",
    )
    parser.add_argument(
        "--no-track",
        action="store_true",
        help="frames are independent images (a folder of stills): no tracking",
    )


def detector_settings_from_arguments(args: argparse.Namespace) -> DetectorSettings:
    return DetectorSettings(
        preset=args.preset or "general",
        device=args.device,
        model=args.model,
        threshold=args.threshold,
        top_k=args.top_k,
        default_spacing_mm=getattr(args, "spacing", None),
        track=not args.no_track,
    )


def detector_from_arguments(args: argparse.Namespace) -> Detector:
    return Detector(detector_settings_from_arguments(args))


def track_unless_stills(args: argparse.Namespace, source: Source) -> None:
    """Turn tracking off, and say so, for one image or a folder of stills without a frame rate
    (independent_stills): tracked, the usgra-seg stills scored F1 0.00 instead of 0.74."""
    if not args.no_track and independent_stills(source):
        args.no_track = True
        what = (
            "is one image: it is"
            if len(source) == 1
            else "holds stills without a frame rate: each is"
        )
        print(
            f"vesselscope: note: {source.path} {what} detected on its own, without tracking "
            '(a sidecar.json with "fps" makes a folder of stills a cine)',
            file=sys.stderr,
        )
