"""Accumulate detection quality and latency over a cine, frame by frame."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from vesselscope.detection.results import FrameResult
from vesselscope.evaluation.matching import inside_any, match_frame
from vesselscope.evaluation.truth import TruthVessel

THRESHOLDS = np.round(np.linspace(0.0, 1.0, 21), 2)


@dataclass
class FrameScore:
    index: int
    true_positives: int
    false_positives: int
    missed: int

    @property
    def errors(self) -> int:
        return self.false_positives + self.missed


@dataclass
class Evaluation:
    max_distance_mm: float = 2.0
    frames: list[FrameScore] = field(default_factory=list)
    centre_errors: list[float] = field(default_factory=list)
    a_errors: list[float] = field(default_factory=list)
    b_errors: list[float] = field(default_factory=list)
    dice: list[float] = field(default_factory=list)
    # (score, truly a vessel, its frame's threshold): cross-validation fold models each have
    # their own threshold, so a crop is judged at the one its frame was detected with
    crops: list[tuple[float, bool, float]] = field(default_factory=list)
    artery_vein: list[tuple[str, str]] = field(default_factory=list)  # (true, predicted)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sweep: dict[float, list[int]] = field(default_factory=dict)  # threshold -> [tp, fp, fn]
    thresholds: set[float] = field(default_factory=set)  # the frames' decision thresholds
    unscored: int = 0  # frames processed that the truth does not annotate

    def add_unscored(self, result: FrameResult) -> None:
        """A frame without ground truth: its latency counts, its detections are not judged."""
        self.unscored += 1
        for stage, ms in result.timings_ms.items():
            self.timings[stage].append(ms)

    def add(self, result: FrameResult, truths: list[TruthVessel], spacing: tuple) -> None:
        self.thresholds.add(result.threshold)
        matched = match_frame(list(result.vessels), truths, spacing, self.max_distance_mm)
        self.frames.append(
            FrameScore(
                result.frame_index,
                len(matched.matches),
                len(matched.false_positives),
                len(matched.missed),
            )
        )
        for match in matched.matches:
            self.centre_errors.append(match.centre_error_mm)
            self.a_errors.append(match.a_error_mm)
            self.b_errors.append(match.b_error_mm)
            self.dice.append(match.dice)
            true_label = match.truth.ellipse.label
            if true_label in ("artery", "vein"):
                self.artery_vein.append((true_label, match.detection.label))
        for candidate in result.candidates:
            self.crops.append((candidate.score, inside_any(candidate, truths), result.threshold))
        for stage, ms in result.timings_ms.items():
            self.timings[stage].append(ms)
        self._sweep(result, truths, spacing)

    def _sweep(self, result: FrameResult, truths: list[TruthVessel], spacing: tuple) -> None:
        """Frame-level detection (no tracking) at every decision threshold, for the PR curve."""
        for threshold in THRESHOLDS:
            kept = [c for c in result.candidates if c.score >= threshold]
            m = match_frame(kept, truths, spacing, self.max_distance_mm, measure_shape=False)
            counts = self.sweep.setdefault(float(threshold), [0, 0, 0])
            counts[0] += len(m.matches)
            counts[1] += len(m.false_positives)
            counts[2] += len(m.missed)

    def summary(self) -> dict:
        tp = sum(f.true_positives for f in self.frames)
        fp = sum(f.false_positives for f in self.frames)
        fn = sum(f.missed for f in self.frames)
        precision, recall, f1 = _prf(tp, fp, fn)
        crop_correct = sum((score >= at) == truth for score, truth, at in self.crops)
        labelled = [(t, p) for t, p in self.artery_vein if p != "unknown"]
        return {
            "frames": len(self.frames),
            "frames_not_annotated": self.unscored,
            "match_distance_mm": self.max_distance_mm,
            "true_positives": tp,
            "false_positives": fp,
            "missed": fn,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "centre_error_mm": _mean_sd(self.centre_errors),
            "major_semi_axis_error_mm": _mean_sd(self.a_errors),
            "minor_semi_axis_error_mm": _mean_sd(self.b_errors),
            "dice": _mean_sd(self.dice),
            "crop_accuracy": crop_correct / len(self.crops) if self.crops else None,
            "crops": len(self.crops),
            "crops_positive": sum(truth for _, truth, _ in self.crops),
            "artery_vein_accuracy": (
                sum(t == p for t, p in labelled) / len(labelled) if labelled else None
            ),
            "artery_vein_labelled_share": (
                len(labelled) / len(self.artery_vein) if self.artery_vein else None
            ),
            "latency_ms": {stage: percentiles(v) for stage, v in self.timings.items()},
            # one value; a sorted list when frames differed (fold models)
            "threshold": _one_or_all(self.thresholds),
            "precision_recall_by_threshold": {
                f"{t:.2f}": dict(zip(("precision", "recall", "f1"), _prf(*c), strict=True))
                for t, c in sorted(self.sweep.items())
            },
        }

    def worst_frames(self, count: int = 4) -> list[FrameScore]:
        ranked = sorted(self.frames, key=lambda f: (-f.errors, f.index))
        return [f for f in ranked[:count] if f.errors > 0]


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99), "mean": float(np.mean(values))}


def _prf(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    """Precision, recall and F1; None where undefined (no detections, no vessels): a precision
    of 1.0 printed beside a recall of 0 for a run that detected nothing read as a result."""
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return precision, recall, f1


def _one_or_all(values: set[float]) -> float | list[float] | None:
    ordered = sorted(values)
    return ordered[0] if len(ordered) == 1 else (ordered or None)


def _mean_sd(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"mean": float(np.mean(values)), "sd": float(np.std(values)), "n": len(values)}
