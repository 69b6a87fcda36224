"""`vesselscope serve SOURCE`: replay a recording or `sim://PRESET` as an OpenIGTLink server."""

from __future__ import annotations

import argparse
import signal

from vesselscope.commands.arg_types import spacing_mm
from vesselscope.errors import SourceError


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 10000, got {text}")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"port must be 0 to 65535, got {text!r}")
    return int(text)


def _device_name(text: str) -> str:
    # An OpenIGTLink header holds the name in 20 bytes of ASCII: a longer one would reach the
    # clients cut short (and a client asking for the whole name would never match).
    if not text or len(text) > 20 or not (text.isascii() and text.isprintable()):
        raise argparse.ArgumentTypeError(
            f"device name must be 1 to 20 printable ASCII characters, got {text!r}"
        )
    return text


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="replay a recording or sim://PRESET as an OpenIGTLink image server",
        description="Send each frame as an OpenIGTLink IMAGE message (spacing in its matrix, "
        "stamped with the time it is sent) to every client, as PLUS's saved-data source does: "
        "for demos, tests and feeding other software. Receive it with igtl://HOST:PORT.",
    )
    parser.add_argument("source", help="file, folder or sim://PRESET")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=_port, default=18944, help="0 picks a free port (18944)")
    parser.add_argument(
        "--fps", type=_positive, help="frames per second (default: the recording's, else 30)"
    )
    parser.add_argument("--loop", action="store_true", help="start again at the end")
    parser.add_argument(
        "--device",
        type=_device_name,
        default="Image",
        help="device name in the messages, up to 20 ASCII characters (Image)",
    )
    parser.add_argument("--spacing", type=spacing_mm, help="mm per pixel when the source has none")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vesselscope.live.server import ReplayServer
    from vesselscope.sources import open_source

    def say(line: str) -> None:
        print(line, flush=True)  # flushed: tests and scripts read it through a pipe

    with open_source(args.source, spacing_mm=args.spacing) as source:
        if source.spacing_mm is None:
            # every IMAGE message carries a spacing: a made-up one would be measured with
            raise SourceError(
                source.path,
                "pixel spacing unknown, and each OpenIGTLink image carries one that receivers "
                "measure with: give it with --spacing MM",
            )
        server = ReplayServer(
            source,
            host=args.host,
            port=args.port,
            fps=args.fps,
            loop=args.loop,
            device=args.device,
            report=say,
        )
        # SIGTERM (a service manager, a test) and Ctrl+C end the replay alike, with its summary.
        signal.signal(signal.SIGTERM, lambda *_: server.stop())
        signal.signal(signal.SIGINT, lambda *_: server.stop())
        row, col = source.spacing_mm
        say(
            f"serving {source.path} ({len(source)} frames, {row:.4f} x {col:.4f} mm/px) "
            f"on {server.host}:{server.port} at {server.fps:g} fps"
            f"{', looping' if args.loop else ''}; device {args.device!r}"
        )
        played = server.serve()
    say(f"stopped after playing {played} frames; {server.delivery()}")
    return 0
