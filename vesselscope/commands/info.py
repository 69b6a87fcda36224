"""`vesselscope info SOURCE`: what a recording holds (frames, size, rate, spacing)."""

from __future__ import annotations

import argparse

from vesselscope.commands.source_arg import add_source_argument, open_source_argument


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("info", help="describe a recording: frames, size, rate, spacing")
    add_source_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_source_argument(args) as source:
        first = source[0]
        spacing = source.spacing_mm
        print(f"source:    {source.path} ({type(source).__name__})")
        print(f"frames:    {len(source)}")
        print(f"size:      {first.shape[1]} x {first.shape[0]} px ({first.pixels.dtype})")
        print(f"colour:    {'yes' if first.color is not None else 'no'}")
        print(f"rate:      {f'{source.fps:.2f} fps' if source.fps else 'unknown'}")
        if spacing:
            depth = first.shape[0] * spacing[0]
            width = first.shape[1] * spacing[1]
            print(f"spacing:   {spacing[0]:.4f} x {spacing[1]:.4f} mm (row x col)")
            print(f"field:     {width:.1f} mm wide x {depth:.1f} mm deep")
        else:
            print("spacing:   unknown")
        last = source[len(source) - 1]
        print(f"duration:  {last.timestamp_s - first.timestamp_s:.3f} s")
    return 0
