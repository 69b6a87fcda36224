"""`vesselscope replay [SOURCE]`: detect vessels in every frame, headless, with a summary."""

from __future__ import annotations

import argparse
import contextlib
import json
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from vesselscope.commands.detector_args import (
    add_detector_arguments,
    detector_from_arguments,
    track_unless_stills,
)
from vesselscope.commands.output_paths import check_apart, check_output_file
from vesselscope.commands.source_arg import add_source_argument, open_source_argument
from vesselscope.detection.results import STATES, FrameResult
from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.sources import Source
from vesselscope.sources.image_folder import IMAGE_SUFFIXES, independent_stills


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay", help="detect vessels in every frame of a recording, headless"
    )
    add_source_argument(parser)
    parser.add_argument("--out", help="annotated video to write (.mp4 or .avi)")
    parser.add_argument("--json", help="results to write, one JSON line per frame")
    add_detector_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from vesselscope.evaluation.metrics import percentiles
    from vesselscope.evaluation.overlay import render_overlay, square_pixels
    from vesselscope.writers.atomic import atomic_file
    from vesselscope.writers.video import atomic_video, video_suffix

    sidecar = str(Path(args.out).with_suffix(".json")) if args.out else None
    for path in (args.out, sidecar, args.json):
        if path:
            check_output_file(path)
    if args.out:
        video_suffix(Path(args.out))
    check_apart(
        {
            "the recording replayed": args.source,
            "the video": args.out,
            "the video's sidecar": sidecar,
            "the results": args.json,
        }
    )
    # Both outputs are moved into place only when the whole replay succeeded: one that fails
    # or is interrupted (Ctrl+C) leaves no video or results file that looks complete.
    with open_source_argument(args, detecting=True) as source, contextlib.ExitStack() as outputs:
        track_unless_stills(args, source)
        stills = independent_stills(source)
        detector = detector_from_arguments(args)
        video = (
            outputs.enter_context(
                atomic_video(args.out, fps=source.fps, spacing_mm=None, fit_other_sizes=True)
            )
            if args.out
            else None
        )
        lines = outputs.enter_context(atomic_file(Path(args.json))) if args.json else None
        timings: dict[str, list[float]] = defaultdict(list)
        vessel_counts = []
        states: Counter[str] = Counter()
        if len(source):
            # keeps the one-off start-up out of the latencies; an unreadable first frame is
            # reported when the replay reaches it
            with contextlib.suppress(SourceError):
                detector.warm_up(source[0])
        skipped = 0
        for frame in tqdm(_readable(source), total=len(source), unit="frame", desc="replay"):
            if frame is None:
                skipped += 1
                continue
            result = detector.process(frame)
            vessel_counts.append(len(result.vessels))
            states.update(v.state for v in result.vessels)
            for stage, ms in result.timings_ms.items():
                timings[stage].append(ms)
            if lines:
                lines.write((json.dumps(_record(result, frame, stills)) + "\n").encode())
            if video:
                image, video.spacing_mm = square_pixels(
                    render_overlay(frame, result), frame.spacing_mm
                )
                video.append(image)
    _print_summary(source.path, detector, vessel_counts, states, timings, percentiles)
    for path in (args.out, args.json):
        if path:
            print(f"wrote {path}")
    if skipped:
        print(f"{skipped} unreadable frame(s) skipped (named in the warnings above)")
    if video and video.fitted:
        print(f"{video.fitted} frame(s) of another size were scaled to fit the video's")
    return 0


def _record(result: FrameResult, frame: Frame, stills: bool) -> dict:
    """One line of --json: a frame read from its own image file names it, and stills without a
    frame rate have no time (their timestamps would be made up)."""
    record = result.to_json()
    if stills:
        record["timestamp_s"] = None
    origin = Path(frame.origin)
    if origin.suffix.lower() in IMAGE_SUFFIXES:
        record["image"] = origin.name
    return record


def _readable(source: Source) -> Iterator[Frame | None]:
    """Each frame in order, None for one that cannot be read (a corrupt still in a folder),
    with a warning naming it: one bad image does not end the replay of the others."""
    for index in range(len(source)):
        try:
            yield source[index]
        except SourceError as exc:
            warnings.warn(f"{exc} (frame {index} skipped)", stacklevel=2)
            yield None


def _print_summary(path, detector, vessel_counts, states, timings, percentiles) -> None:  # noqa: ANN001
    frames = len(vessel_counts)
    total = percentiles(timings["total"])
    print(f"\nreplayed {frames} frame{'s' * (frames != 1)} of {path}")
    print(f"device: {detector.device}; classifier: {detector.provider}")
    if frames:
        print(f"vessels per frame: {sum(vessel_counts) / frames:.2f} (max {max(vessel_counts)})")
        if shown := sum(states.values()):  # how much of what was shown the classifier confirmed
            print("outlines: " + ", ".join(f"{states[s] / shown:.0%} {s}" for s in STATES))
        print(f"throughput: {1000.0 / total['mean']:.1f} frames/s of detection")
    print(f"{'latency ms':12s} {'p50':>8s} {'p95':>8s} {'p99':>8s}")
    for stage, values in timings.items():
        p = percentiles(values)
        print(f"{stage:12s} {p['p50']:8.2f} {p['p95']:8.2f} {p['p99']:8.2f}")
