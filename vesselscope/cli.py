"""The `vesselscope` command: one subcommand per module in vesselscope/commands/."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import warnings

from vesselscope import __version__
from vesselscope.errors import describe_user_error, is_user_error

# Each module has add_parser(subparsers) that registers its subcommand and sets `run`.
# Imported lazily per name so `vesselscope doctor` works even if, say, Qt is broken.
COMMANDS = [
    "demo",
    "doctor",
    "info",
    "convert",
    "simulate",
    "replay",
    "evaluate",
    "bench",
    "serve",
    "view",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vesselscope",
        description="Real-time blood vessel detection in ultrasound.",
    )
    parser.add_argument("--version", action="version", version=f"vesselscope {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"vesselscope.commands.{name}").add_parser(subparsers)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    # A warning already names its file and problem; Python's format adds a line of our source.
    print(f"vesselscope: warning: {message}", file=file or sys.stderr)


def _quiet_native_logs() -> None:
    """Our errors name the file and the problem in one line; FFmpeg's and OpenCV's own lines
    ("moov atom not found", "[ WARN:0@0.7] ... PNG input buffer is incomplete") only doubled
    them. OPENCV_FFMPEG_LOGLEVEL or OPENCV_LOG_LEVEL, set by the user, bring them back."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # read when FFmpeg first opens
    if "OPENCV_LOG_LEVEL" not in os.environ:  # read when cv2 loads, which it may have already
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that writers clean up as after Ctrl+C."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


# The viewer (and the demo that opens it) and serve end on SIGTERM in their own ways.
_OWN_SIGTERM = {"view", "demo", "serve"}


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the installed command, not a test driving main(): leave pytest's capture be
        warnings.showwarning = _show_warning
    args = build_parser().parse_args(argv)
    _quiet_native_logs()
    if argv is None and args.command not in _OWN_SIGTERM:
        # killed by SIGTERM, a convert left a folder of frames without their sidecar
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.run(args) or 0)
    except Terminated:
        print("vesselscope: terminated", file=sys.stderr)
        return 143
    except Exception as exc:
        if not is_user_error(exc):
            raise
        print(f"vesselscope: error: {describe_user_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vesselscope: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
