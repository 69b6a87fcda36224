"""`vesselscope info SOURCE`: what a recording holds (frames, size, rate, spacing)."""

from __future__ import annotations

import argparse

from vesselscope.commands.source_arg import add_source_argument, open_source_argument
from vesselscope.frame import Frame
from vesselscope.sources import Source
from vesselscope.sources.image_folder import ImageFolderSource, image_sizes


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
        print(f"size:      {_size(source, first)} ({first.pixels.dtype})")
        stills = isinstance(source, ImageFolderSource) and len(source) > 1
        colour = "yes" if first.color is not None else "no"
        print(f"colour:    {colour}{' (the first image)' if stills else ''}")
        print(f"rate:      {f'{source.fps:.2f} fps' if source.fps else 'unknown'}")
        if spacing:
            depth = first.shape[0] * spacing[0]
            width = first.shape[1] * spacing[1]
            print(f"spacing:   {spacing[0]:.4f} x {spacing[1]:.4f} mm (row x col)")
            print(f"field:     {width:.1f} mm wide x {depth:.1f} mm deep")
        else:
            print("spacing:   unknown")
        if source.fps is None:
            print("duration:  unknown (no frame rate)")  # not one made up from a default rate
        else:
            last = source[len(source) - 1]
            print(f"duration:  {last.timestamp_s - first.timestamp_s:.3f} s")
    return 0


def _size(source: Source, first: Frame) -> str:
    """The frame size, or the range of a folder of stills whose sizes differ (read from each
    file's header, not decoded): "512 x 512 to 761 x 632 px (3 sizes)"."""
    sizes = {(first.shape[1], first.shape[0])}
    if isinstance(source, ImageFolderSource):
        sizes |= set(image_sizes(source.files))
    if len(sizes) == 1:
        (width, height), *_ = sizes
        return f"{width} x {height} px"
    by_area = sorted(sizes, key=lambda size: size[0] * size[1])
    (w0, h0), (w1, h1) = by_area[0], by_area[-1]
    return f"{w0} x {h0} to {w1} x {h1} px ({len(sizes)} sizes)"
