"""The SOURCE argument shared by commands: a path or URI, or by default the built-in demo cine."""

from __future__ import annotations

import argparse

from vesselscope.commands.arg_types import spacing_mm
from vesselscope.errors import SourceError
from vesselscope.sources import Source, open_source


def add_source_argument(parser: argparse.ArgumentParser, *, optional: bool = True) -> None:
    parser.add_argument(
        "source",
        nargs="?" if optional else None,
        help="recording, folder or sim:// URI (a live igtl:// or capture:// stream: use view)"
        + ("; default: the built-in demo cine" if optional else ""),
    )
    parser.add_argument(
        "--spacing", type=spacing_mm, metavar="MM", help="mm per pixel, overriding the source's"
    )


def open_source_argument(
    args: argparse.Namespace, *, recording: bool = True, detecting: bool = False
) -> Source:
    """Open SOURCE (or the demo cine); `recording=True` refuses live streams with a clear error
    for commands that need every frame and a frame count (info, convert, replay, evaluate);
    `detecting=True` refuses a recording without pixel spacing unless --spacing gives one."""
    if args.source is None:
        from vesselscope.simulator import demo_cine_path  # simulated once, then cached
        from vesselscope.simulator.demo import DEMO

        args.source = str(demo_cine_path())
        if getattr(args, "preset", "") is None:  # what `vesselscope demo` detects it with
            args.preset = DEMO["preset"]
    source = open_source(args.source, spacing_mm=args.spacing)
    if recording and not source.seekable:
        source.close()
        raise SourceError(
            args.source,
            "is a live stream; this command needs a recording (try `view` or record it)",
        )
    if detecting:
        require_spacing(source, args.source)
    return source


def require_spacing(source: Source, name: str) -> None:
    """Refuse (and close) a source without pixel spacing: detection works in millimetres."""
    if source.spacing_mm is None:
        source.close()
        raise SourceError(
            name,
            "pixel spacing unknown, and the detector works in millimetres: give it with "
            "--spacing MM (or, for a video or image folder, in a sidecar JSON)",
        )
