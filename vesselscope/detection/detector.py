"""Detector: one Frame in, one FrameResult out: candidate search -> classifier -> tracker."""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from vesselscope.candidates import Candidate, CandidateSearch
from vesselscope.candidates.presets import get_preset
from vesselscope.detection.bridges import drop_bridges
from vesselscope.detection.edge_follower import EdgeFollower
from vesselscope.detection.one_per_vessel import one_per_vessel
from vesselscope.detection.results import FrameResult, Vessel
from vesselscope.frame import Frame
from vesselscope.tracking import TrackerSettings, VesselTracker


class NoModelWarning(UserWarning):
    """No classifier model: candidates are accepted by the ellipse fit alone."""


@dataclass(frozen=True)
class DetectorSettings:
    preset: str = "general"  # candidate-search preset (mm ranges per anatomy)
    device: str | None = None  # OpenCL device: None = auto, "gpu", "cpu", "P:D", "numpy"
    model: str | os.PathLike[str] | None = None  # ONNX classifier; None = the shipped one
    threshold: float | None = None  # P(vessel) to accept; None = the model card's
    top_k: int | None = None  # candidates classified per frame; None = the preset's (8 or 12)
    default_spacing_mm: float | None = None  # for frames whose source gives no spacing
    track: bool = True
    tracker: TrackerSettings = field(default_factory=TrackerSettings)


class Detector:
    """Holds no GUI state: usable headless, in tests and in a worker thread (one per thread)."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = s = settings or DetectorSettings()
        top_k = s.top_k if s.top_k is not None else get_preset(s.preset).classified
        self.search = CandidateSearch(
            s.preset, device=s.device, top_k=top_k, default_spacing_mm=s.default_spacing_mm
        )
        self.classifier = _load_classifier(s.model)
        card_threshold = self.classifier.threshold if self.classifier else 0.5
        self.threshold = s.threshold if s.threshold is not None else card_threshold
        self.tracker = VesselTracker(s.tracker)

    @property
    def device(self) -> str:
        return self.search.backend

    @property
    def provider(self) -> str:
        return self.classifier.provider if self.classifier else "none (no model)"

    def reset(self, renumber: bool = False) -> None:
        """Forget tracks, e.g. after seeking in a cine; `renumber` for another source, whose
        vessels are numbered from 1 (as a replay or an export of it numbers them)."""
        self.tracker.reset(renumber)

    def tracks_snapshot(self) -> object:
        """The tracks as they are now, for restore_tracks()."""
        return self.tracker.snapshot()

    def restore_tracks(self, snapshot: object) -> None:
        """Back to a tracks_snapshot(): a frame taken again (another threshold) from the tracks
        it was first taken with, ids and artery/vein labels kept."""
        self.tracker.restore(snapshot)

    def warm_up(self, frame: Frame) -> None:
        """Run `frame` once and forget it: the OpenCL programs get built and ONNX Runtime makes
        its first run here (about a second on a CPU), not in the first measured frame. The
        tracks are put back as they were, ids included: a warm-up leaves no trace."""
        before = self.tracks_snapshot()
        self.process(frame)
        self.restore_tracks(before)

    def process(self, frame: Frame) -> FrameResult:
        start = time.perf_counter()
        candidates = self.search.search(frame)
        searched = time.perf_counter()
        scores = self._score(frame, candidates)
        classified = time.perf_counter()
        scored = [_vessel(c, float(p)) for c, p in zip(candidates, scores, strict=True)]
        # an ellipse over two vessels is dropped outright, not kept as weak evidence for a track
        single, _ = drop_bridges(
            frame.pixels, [v for v in scored if v.score >= self.threshold], scored
        )
        accepted, duplicates = one_per_vessel(single)
        rejected = [v for v in scored if v.score < self.threshold] + duplicates
        spacing = self.search.plan_for(frame).spacing_mm
        vessels = (
            self.tracker.update(
                frame.timestamp_s,
                accepted,
                spacing,
                weak=rejected,
                follower=EdgeFollower(self.search, frame),
                threshold=self.threshold,
            )
            if self.settings.track
            else accepted
        )
        vessels = [v for v in vessels if v.state != "predicted" or _in_view(v, frame)]
        done = time.perf_counter()
        return FrameResult(
            frame_index=frame.index,
            timestamp_s=frame.timestamp_s,
            vessels=tuple(vessels),
            candidates=tuple(scored),
            threshold=self.threshold,
            timings_ms={
                "candidates": (searched - start) * 1e3,
                "classifier": (classified - searched) * 1e3,
                "tracker": (done - classified) * 1e3,
                "total": (done - start) * 1e3,
            },
        )

    def _score(self, frame: Frame, candidates: list[Candidate]) -> np.ndarray:
        if not candidates:
            return np.zeros(0, np.float32)
        if self.classifier is None:
            # The slower-to-trust path: the wall contrast stands in for P(vessel).
            return np.clip([c.wall_contrast for c in candidates], 0.0, 1.0)
        return self.classifier.classify(frame, candidates)


def _load_classifier(model: str | os.PathLike[str] | None):  # noqa: ANN202 - optional import
    from vesselscope.classifier import VesselClassifier, default_model_path

    if model is None and not default_model_path().is_file():
        warnings.warn(
            f"no vessel classifier model at {default_model_path()}: candidates are accepted by "
            "the ellipse fit's wall contrast alone, so expect more false detections",
            NoModelWarning,
            stacklevel=3,
        )
        return None
    return VesselClassifier(model)


def _in_view(vessel: Vessel, frame: Frame) -> bool:
    """Whether a vessel's centre lies in the frame. An outline the filter alone placed, with
    no evidence in this frame, is not shown once it has left it: with frames skipped under
    load, one was carried by its velocity to x = 531 of a 512-pixel image."""
    rows, cols = frame.shape
    return 0 <= vessel.cx < cols and 0 <= vessel.cy < rows


def _vessel(candidate: Candidate, score: float) -> Vessel:
    return Vessel(
        cx=candidate.cx,
        cy=candidate.cy,
        a=candidate.a,
        b=candidate.b,
        angle_deg=candidate.angle_deg,
        score=score,
        spacing_mm=candidate.spacing_mm,
        fitness=candidate.fitness,
    )
