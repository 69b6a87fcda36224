"""Run a detector over a source against its truth and collect the evaluation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from vesselscope.detection.detector import Detector
from vesselscope.detection.results import FrameResult
from vesselscope.errors import SourceError
from vesselscope.evaluation.metrics import Evaluation
from vesselscope.evaluation.overlay import render_overlay
from vesselscope.evaluation.report import write_report
from vesselscope.evaluation.truth import Truth
from vesselscope.frame import Frame
from vesselscope.sources import Source
from vesselscope.sources.image_folder import ImageFolderSource


def evaluate(
    source: Source,
    truth: Truth,
    detector_for: Callable[[Frame], Detector],
    *,
    max_distance_mm: float = 2.0,
    progress: Callable[[Iterable], Iterable] = lambda frames: frames,
) -> tuple[Evaluation, dict[int, FrameResult]]:
    """Every frame through `detector_for(frame)` (one detector for a cine; for independent
    images scored by cross-validation models, the fold that held out the frame's file).

    Every frame is processed (a tracker needs them all), but only the frames the truth
    annotates are scored; the evaluation's `unscored` counts the others."""
    if truth.frame_count is not None and truth.frame_count != len(source):
        raise SourceError(truth.path, f"{truth.frame_count} masks for {len(source)} frames")
    if truth.frame_count is not None and isinstance(source, ImageFolderSource):
        truth.check_pairs_with(source.files)
    truth.check_fits(len(source))
    evaluation = Evaluation(max_distance_mm=max_distance_mm)
    results: dict[int, FrameResult] = {}
    warmed: set[int] = set()
    for frame in progress(source):
        detector = detector_for(frame)
        if id(detector) not in warmed:  # keep kernel builds out of the latency figures
            detector.warm_up(frame)
            warmed.add(id(detector))
        result = detector.process(frame)
        if not truth.annotated(frame.index):
            evaluation.add_unscored(result)
            continue
        spacing = detector.search.plan_for(frame).spacing_mm
        evaluation.add(result, truth.vessels(frame.index, frame.shape), spacing)
        results[frame.index] = result
    return evaluation, results


def report(
    folder: Path,
    source: Source,
    truth: Truth,
    evaluation: Evaluation,
    results: dict,
    summary: dict | None = None,
) -> Path:
    """Write the report with overlays of the worst frames (truth dashed green).

    summary: what metrics.json and the page record (default: the evaluation's own summary;
    the command adds the device, provider and any fold models).
    """
    worst = []
    for score in evaluation.worst_frames():
        frame = source[score.index]
        truths = [t.ellipse for t in truth.vessels(score.index, frame.shape)]
        caption = (
            f"frame {score.index}: {score.false_positives} false positive(s), {score.missed} missed"
        )
        worst.append((caption, render_overlay(frame, results[score.index], truth=truths)))
    return write_report(folder, evaluation, summary or evaluation.summary(), worst)
