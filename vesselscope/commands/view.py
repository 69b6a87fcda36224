"""`vesselscope view [SOURCE]`: the desktop viewer; without SOURCE, a page to open one."""

from __future__ import annotations

import argparse
import os
import sys

from vesselscope.commands.arg_types import spacing_mm
from vesselscope.commands.detector_args import add_preset_device_model


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "view", help="open the desktop viewer on a recording or a live stream"
    )
    parser.add_argument(
        "source",
        nargs="?",
        help="file, folder or stream URI (sim://femoral, igtl://host:port, capture://0); "
        "default: a start page offering Open… and the demo cine",
    )
    parser.add_argument(
        "--spacing", type=spacing_mm, metavar="MM", help="mm per pixel, overriding the source's"
    )
    add_preset_device_model(parser, remembered=True)
    parser.add_argument(
        "--no-track",
        action="store_true",
        help="detect every frame on its own, without tracking (a folder of stills without a "
        "frame rate, or a single image, is detected so anyway)",
    )
    parser.add_argument("--play", action="store_true", help="start playing a recording at once")
    parser.add_argument(
        "--settings", metavar="INI", help="settings file to use instead of the user's"
    )
    parser.add_argument(
        "--measure",
        type=float,
        metavar="S",
        help="play for S seconds, print how long the GUI event loop was blocked, and quit",
    )
    parser.add_argument(
        "--screenshot", metavar="PNG", help="save a picture of the window, then quit"
    )
    parser.add_argument(
        "--after",
        type=float,
        default=4.0,
        metavar="S",
        help="seconds to wait before --screenshot (default: 4)",
    )
    parser.set_defaults(run=run)


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    if not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        # Qt would abort the process with a page about platform plugins
        print(
            "vesselscope: error: no display (DISPLAY is not set): the viewer needs one; "
            "`vesselscope replay` works without (or set QT_QPA_PLATFORM=offscreen)",
            file=sys.stderr,
        )
        return 2
    # Qt is imported here, not at the top: the other commands must work without a display.
    from vesselscope.gui.app import ViewerOptions, run_viewer

    return run_viewer(
        ViewerOptions(
            source=args.source,
            spacing_mm=args.spacing,
            preset=args.preset,
            model=args.model,
            device=args.device,
            track=not args.no_track,
            settings_path=args.settings,
            play=args.play,
            measure_s=args.measure,
            screenshot=args.screenshot,
            screenshot_after_s=args.after,
        )
    )
