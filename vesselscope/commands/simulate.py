"""`vesselscope simulate OUT`: a simulated B-mode cine and its ground-truth vessel file."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from vesselscope.commands.arg_types import within
from vesselscope.commands.output_paths import check_output_cine, check_output_file
from vesselscope.simulator.cine import MAX_PIXELS, write_simulation
from vesselscope.simulator.presets import PRESETS


def _size(text: str) -> tuple[int, int]:
    """Parse "512", "512x384" or "512,384" (rows x columns; the comma as in sim:// URIs)."""
    parts = text.lower().replace(",", "x").split("x")
    try:
        rows, cols = (int(parts[0]),) * 2 if len(parts) == 1 else (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(
            f"size must be N, ROWSxCOLS or ROWS,COLS, got {text!r}"
        ) from None
    if len(parts) > 2 or rows < 16 or cols < 16 or rows * cols > MAX_PIXELS:
        raise argparse.ArgumentTypeError(
            f"size must be N, ROWSxCOLS or ROWS,COLS, at least 16x16 and {MAX_PIXELS} pixels "
            f"at most, got {text!r}"
        )
    return rows, cols


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="simulate a B-mode cine with ground-truth vessels (OUT.truth.json beside it)",
        description="Simulate an ultrasound B-mode cine; the format follows OUT's extension "
        "(.mha/.mhd, .dcm, .mp4/.avi, or a folder of PNGs) and the ground truth goes to "
        "OUT with its extension replaced by .truth.json.",
    )
    parser.add_argument("out", help="output path: .mha/.mhd, .dcm, .mp4/.avi, or a folder")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="femoral")
    parser.add_argument("--frames", type=within(int, 1, 100_000), default=200)
    parser.add_argument("--seed", type=within(int, 0, 2**63 - 1), default=1)
    parser.add_argument(
        "--size", type=_size, default=(512, 512), help="N, ROWSxCOLS or ROWS,COLS (512)"
    )
    parser.add_argument(
        "--spacing",
        type=within(float, 0.005, 2.0),
        help="mm per pixel (default: the preset's depth fills the image)",
    )
    parser.add_argument("--fps", type=within(float, 0.1, 1000.0), default=30.0)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vesselscope.annotations import load_annotations
    from vesselscope.errors import SourceError
    from vesselscope.simulator import truth_path

    check_output_cine(args.out)
    check_output_file(str(truth_path(Path(args.out))))
    # cine.dcm and cine.mp4 share cine.truth.json: say when another cine's truth is replaced
    existing = truth_path(Path(args.out))
    try:
        other = load_annotations(existing).source if existing.is_file() else ""
    except SourceError:
        other = ""
    if other and other != Path(args.out).name:
        print(f"note: {existing} held the truth of {other}; it now holds that of {args.out}")
    started = time.perf_counter()
    cine, truth = write_simulation(
        args.out, args.preset, args.frames, args.seed, args.size, args.spacing, args.fps
    )
    elapsed = time.perf_counter() - started
    rows, cols = args.size
    # width x height, as `info` and image tools say a size
    what = f"{args.frames} frames of {cols} x {rows} px, {args.preset}, seed {args.seed}"
    print(f"wrote {cine} ({what})")
    print(f"wrote {truth} in {elapsed:.1f} s")
    return 0
