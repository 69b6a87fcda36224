"""`vesselscope convert SOURCE OUT`: re-encode a recording (e.g. DICOM to .mha, .mha to mp4)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from vesselscope.commands.output_paths import check_output_cine
from vesselscope.commands.source_arg import add_source_argument, open_source_argument
from vesselscope.writers import write_cine


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a recording to .mha/.mhd, .dcm (anonymised), .mp4/.avi or a PNG folder",
    )
    add_source_argument(parser, optional=False)
    parser.add_argument("out", help="output path; its extension picks the format")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_output_cine(args.out)
    with open_source_argument(args) as source:
        if Path(args.out).suffix.lower() in (".mha", ".mhd") and source[0].color is not None:
            print(
                "vesselscope: note: .mha/.mhd keep the grey (luma) frames, not their colour; "
                ".dcm, .mp4/.avi or a PNG folder keep it",
                file=sys.stderr,
            )
        frames = tqdm(source, total=len(source), unit="frame", desc="convert")
        written = write_cine(args.out, frames, fps=source.fps)
    count = len(source)
    print(f"wrote {written} ({count} frame{'s' if count != 1 else ''})")
    return 0
