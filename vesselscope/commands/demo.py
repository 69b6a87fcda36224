"""`vesselscope demo`: the main job on the built-in demo cine: the viewer when a display is
there, a headless replay with its summary when not (a server, CI, an SSH session)."""

from __future__ import annotations

import argparse

from vesselscope.commands import replay, view
from vesselscope.commands.view import has_display


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="the demo cine: in the viewer with a display, else a headless replay"
    )
    parser.add_argument(
        "--headless", action="store_true", help="replay headless even when a display exists"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vesselscope.simulator import demo_cine_path

    cine = str(demo_cine_path())
    if has_display() and not args.headless:
        print(f"opening the viewer on the demo cine {cine}")
        return view.run(_defaults(view, [cine, "--play", "--preset", "femoral"]))
    print(f"no display: replaying the demo cine {cine} headless")
    return replay.run(_defaults(replay, [cine, "--preset", "femoral"]))


def _defaults(command: object, argv: list[str]) -> argparse.Namespace:
    """The command's own argument defaults, as if typed on the command line."""
    parser = argparse.ArgumentParser(add_help=False)
    subparsers = parser.add_subparsers(dest="command")
    command.add_parser(subparsers)  # type: ignore[attr-defined]
    return parser.parse_args([command.__name__.rsplit(".", 1)[1], *argv])
