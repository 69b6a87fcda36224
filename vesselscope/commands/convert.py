"""`vesselscope convert SOURCE OUT`: re-encode a recording (e.g. DICOM to .mha, .mha to mp4)."""

from __future__ import annotations

import argparse

from tqdm import tqdm

from vesselscope.sources import open_source
from vesselscope.writers import write_cine


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a recording to .mha/.mhd, .dcm (anonymised), .mp4/.avi or a PNG folder",
    )
    parser.add_argument("source", help="file, folder or stream URI")
    parser.add_argument("out", help="output path; its extension picks the format")
    parser.add_argument("--spacing", type=float, help="mm per pixel when the source has none")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_source(args.source, spacing_mm=args.spacing) as source:
        frames = tqdm(source, total=len(source), unit="frame", desc="convert")
        written = write_cine(args.out, frames, fps=source.fps)
    print(f"wrote {written} ({len(source)} frames)")
    return 0
