"""Multi-vessel tracking: associate detections with tracks in mm, confirm, merge, drop."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy.optimize import linear_sum_assignment

from vesselscope.detection.results import Vessel
from vesselscope.tracking.track import Track


@dataclass(frozen=True)
class TrackerSettings:
    gate_mm: float = 3.0  # a detection farther than this from a track's prediction is not it
    confirm_hits: int = 3  # a track is shown once seen in confirm_hits of the last
    confirm_window: int = 5  # confirm_window frames
    # ... except at the start (of a stream, a recording, after a jump or a gap), where no track
    # can yet have been seen confirm_hits times: there a track seen in every frame so far is
    # shown at once, and tentative again at its first miss until it has its confirm_hits (see
    # _established). Otherwise the first frames of every recording opened showed no vessel.
    max_missed: int = 8  # frames without a detection before a track is dropped
    show_missed: int = 2  # a confirmed track is still shown (predicted) for this many misses
    merge_mm: float = 2.0  # two tracks whose centres come this close are one vessel
    # A gap longer than this between frames (a stream that stalled or came back, frames from
    # another clock) starts afresh: the tracks' predictions no longer describe the image, and
    # an old track followed by its edges after a reconnect outlined fascia.
    max_gap_s: float = 2.0
    # Hysteresis: a candidate the classifier scores below the acceptance threshold but at
    # least keep_score may still refresh a confirmed track it fits (gate, and mean radius within
    # keep_size of the track's), though it never starts one. A vessel whose score dips for some
    # frames (compression, a speckle pattern the classifier dislikes) then stays on screen.
    # Chosen on validation cines (simulated seeds 201-202 of each preset, never trained on):
    # with the shipped classifier, mean F1 0.877 without hysteresis, 0.886 with 0.4, 0.896 with
    # 0.2, 0.898 with 0.1 (more persisting false tracks for that last 0.002).
    keep_score: float = 0.2
    keep_size: float = 1.5
    # A confirmed track that neither refreshes may still be followed by its edges (follow.py)
    # for at most this many frames in a row before it counts as missed; 0 turns it off.
    follow_frames: int = 30


class Follower(Protocol):
    """Measures outlines in the current frame (the Detector provides one per frame)."""

    def strengths(self, vessels: list[Vessel]) -> list[float]:
        """Edge strength of each detection, the reference its track is later followed with."""
        ...

    def follow(
        self, predicted: list[Vessel], detected: list[Vessel], references: list[float]
    ) -> list[Vessel | None]:
        """The outline found near each prediction (its track's latest detection and that one's
        edge strength alongside), or None where the edges do not hold it."""
        ...


class VesselTracker:
    def __init__(self, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self._tracks: list[Track] = []
        self._next_serial = 0
        # Ids are given on confirmation, so the vessels on screen are numbered 1, 2, ... in the
        # order they appeared, not after every tentative track that never made it.
        self._next_id = 1
        self._last_time: float | None = None
        self._frames = 0  # since the last reset

    def reset(self, renumber: bool = False) -> None:
        """Forget the tracks; `renumber`: the next vessel shown is #1 again (another source),
        else numbers go on (a jump in the same one, whose earlier vessels had theirs)."""
        self._tracks.clear()
        self._last_time = None
        self._frames = 0
        if renumber:
            self._next_id = 1

    def snapshot(self) -> Any:
        """The tracks as they are now (ids, filters, label histories), for restore()."""
        return copy.deepcopy(self.__dict__)

    def restore(self, snapshot: Any) -> None:
        """Back to a snapshot(): e.g. to take a frame again with another threshold, the tracks
        kept. The snapshot stays usable for another restore."""
        self.__dict__.update(copy.deepcopy(snapshot))

    def update(
        self,
        time_s: float,
        detections: list[Vessel],
        spacing: tuple[float, float],
        weak: list[Vessel] | None = None,
        follower: Follower | None = None,
        threshold: float = 1.0,
    ) -> list[Vessel]:
        """Feed one frame's accepted detections, and optionally its other candidates (`weak`,
        see keep_score) and a follower for confirmed tracks they leave out (see follow_frames);
        returns the confirmed vessels to show. A track a weak candidate scored under
        `threshold` (the classifier's) keeps is shown as "kept"."""
        dt = 0.0 if self._last_time is None else time_s - self._last_time
        if not 0 <= dt <= self.settings.max_gap_s:  # rewound, or a gap: see max_gap_s
            self.reset()
            dt = 0.0
        self._last_time = time_s
        self._frames += 1
        predicted = [track.predict(dt) for track in self._tracks]
        matches, unmatched = self._associate(predicted, detections)
        for track_index, detection_index in matches:
            self._tracks[track_index].hit(detections[detection_index], time_s)
        matched_tracks = {t for t, _ in matches}
        for track_index, vessel in self._refresh_with_weak(predicted, matched_tracks, weak or []):
            self._tracks[track_index].hit(vessel, time_s, weak=vessel.score < threshold)
            matched_tracks.add(track_index)
        if follower is not None and self.settings.follow_frames > 0:
            matched_tracks |= self._follow(follower, matched_tracks, spacing, time_s)
        for index, track in enumerate(self._tracks):
            if index not in matched_tracks:
                track.miss()
        for detection_index in unmatched:
            self._start(detections[detection_index], time_s)
        self._confirm_and_prune()
        self._merge()
        self._drop_nested(spacing)
        shown = [t for t in self._tracks if t.confirmed and t.missed <= self.settings.show_missed]
        return [track.as_vessel(spacing) for track in sorted(shown, key=lambda t: t.serial)]

    def _associate(
        self, predicted: list[tuple[float, float]], detections: list[Vessel]
    ) -> tuple[list[tuple[int, int]], list[int]]:
        if not predicted or not detections:
            return [], list(range(len(detections)))
        tracks = np.array(predicted)
        points = np.array([(d.cx_mm, d.cy_mm) for d in detections])
        cost = np.linalg.norm(tracks[:, None, :] - points[None, :, :], axis=2)
        rows, cols = linear_sum_assignment(cost)
        matches = [
            (r, c) for r, c in zip(rows, cols, strict=True) if cost[r, c] <= self.settings.gate_mm
        ]
        matched = {c for _, c in matches}
        return matches, [i for i in range(len(detections)) if i not in matched]

    def _refresh_with_weak(
        self, predicted: list[tuple[float, float]], matched: set[int], weak: list[Vessel]
    ) -> list[tuple[int, Vessel]]:
        """Confirmed tracks left without a detection, paired with weak candidates that fit."""
        s = self.settings
        waiting = [
            i for i, t in enumerate(self._tracks) if self._established(t) and i not in matched
        ]
        weak = [v for v in weak if v.score >= s.keep_score]
        if not waiting or not weak:
            return []
        cost = np.array(
            [[self._weak_cost(predicted[i], self._tracks[i], v) for v in weak] for i in waiting]
        )
        rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e9))
        return [(waiting[r], weak[c]) for r, c in zip(rows, cols, strict=True) if cost[r, c] < 1e9]

    def _follow(
        self, follower: Follower, matched: set[int], spacing: tuple[float, float], time_s: float
    ) -> set[int]:
        """Note the edge strength of this frame's hits; follow the confirmed tracks left over."""
        hit = sorted(matched)
        for index, strength in zip(
            hit, follower.strengths([self._tracks[i].last for i in hit]), strict=True
        ):
            self._tracks[index].edge_reference = strength
        waiting = [
            i
            for i, t in enumerate(self._tracks)
            if self._established(t)
            and i not in matched
            and t.followed < self.settings.follow_frames
        ]
        if not waiting:
            return set()
        tracks = [self._tracks[i] for i in waiting]
        outlines = follower.follow(
            [t.predicted(spacing) for t in tracks],
            [t.last for t in tracks],
            [t.edge_reference for t in tracks],
        )
        followed = set()
        for index, track, outline in zip(waiting, tracks, outlines, strict=True):
            if outline is not None:
                track.follow(outline, time_s)
                followed.add(index)
        return followed

    def _weak_cost(self, centre: tuple[float, float], track: Track, vessel: Vessel) -> float:
        """Distance in mm from the track's prediction, or inf where the candidate does not fit."""
        s = self.settings
        distance = float(np.hypot(centre[0] - vessel.cx_mm, centre[1] - vessel.cy_mm))
        track_radius = float(np.sqrt(np.prod(track.kalman.axes)))
        ratio = np.sqrt(vessel.a_mm * vessel.b_mm) / max(track_radius, 1e-6)
        fits = distance <= s.gate_mm and 1 / s.keep_size <= ratio <= s.keep_size
        return distance if fits else np.inf

    def _start(self, detection: Vessel, time_s: float) -> None:
        for track in self._tracks:  # a detection beside an existing track is a duplicate
            cx, cy = track.kalman.centre
            if np.hypot(cx - detection.cx_mm, cy - detection.cy_mm) < self.settings.merge_mm:
                return
        self._tracks.append(
            Track(self._next_serial, detection, time_s, self.settings.confirm_window)
        )
        self._next_serial += 1

    def _established(self, track: Track) -> bool:
        """Confirmed on confirm_hits: trusted to be predicted, followed by its edges and kept
        by weak candidates through frames without a detection. A track confirmed at the start
        on fewer hits is tentative again at its first miss (see _confirm_and_prune)."""
        return track.confirmed and track.total_hits >= self.settings.confirm_hits

    def _confirm_and_prune(self) -> None:
        s = self.settings
        needed = min(s.confirm_hits, self._frames)  # see confirm_window
        kept = []
        for track in self._tracks:
            if track.confirmed and track.missed and not self._established(track):
                track.confirmed = False  # confirmed at the start, then missed: tentative again
            if not track.confirmed and sum(track.hits) >= needed:
                track.confirmed = True
                if track.id is None:  # confirmed again: the number it was shown with
                    track.id = self._next_id
                    self._next_id += 1
            never_made_it = not track.confirmed and len(track.hits) == s.confirm_window
            if track.missed > s.max_missed or (never_made_it and sum(track.hits) < s.confirm_hits):
                continue
            kept.append(track)
        self._tracks = kept

    def _merge(self) -> None:
        # Keep the better-established of two tracks that converge on one vessel.
        ranked = sorted(self._tracks, key=lambda t: (not t.confirmed, -t.total_hits, t.serial))
        kept: list[Track] = []
        for track in ranked:
            cx, cy = track.kalman.centre
            if all(
                np.hypot(cx - k.kalman.centre[0], cy - k.kalman.centre[1]) >= self.settings.merge_mm
                for k in kept
            ):
                kept.append(track)
        self._tracks = sorted(kept, key=lambda t: t.serial)

    def _drop_nested(self, spacing: tuple[float, float]) -> None:
        """One outline per vessel, as one_per_vessel for a frame's detections: of two confirmed
        tracks where either centre lies inside the other's outline, the larger is kept. A part
        of a vessel tracked beside the whole was followed by its edges for seconds (femoral
        seed 3: 117 false positives)."""
        outlines = {t.serial: t.predicted(spacing) for t in self._tracks if t.confirmed}
        kept: list[Vessel] = []
        dropped = set()
        for serial, outline in sorted(outlines.items(), key=lambda o: -o[1].a * o[1].b):
            if any(
                k.contains(outline.cx, outline.cy) or outline.contains(k.cx, k.cy) for k in kept
            ):
                dropped.add(serial)
            else:
                kept.append(outline)
        self._tracks = [t for t in self._tracks if t.serial not in dropped]
