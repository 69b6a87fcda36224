"""Following a confirmed vessel by its edges: onto a pressed lumen, never onto blank tissue."""

import numpy as np
import pytest

from vesselscope.candidates import CandidatePreset, CandidateSearch
from vesselscope.detection.edge_follower import EdgeFollower
from vesselscope.detection.results import Vessel
from vesselscope.frame import Frame
from vesselscope.tracking import TrackerSettings, VesselTracker

from .test_candidates import vessel_frame

SMALL = CandidatePreset("small", radius_mm=(0.5, 2.0), skin_mm=0.5)
SPACING = (0.1, 0.1)


def searched(frame):
    search = CandidateSearch(SMALL, device="numpy")
    search.search(frame)
    return search


def test_a_pressed_lumen_is_followed_flatter_than_any_shape_the_search_tries():
    # 2.0 x 0.35 mm: a vein pressed to 0.18 of its width, beyond the search's flattest 0.52
    frame = vessel_frame((90, 120), centre=(60.0, 45.0), axes=(20.0, 3.5), angle_deg=0.0)
    search = searched(frame)
    last_seen = np.array([[58.0, 47.0, 18.0, 9.0, 0.0]])  # rounder, before the press
    reference = search.edge_strength(frame, last_seen)
    largest = np.array([[18.0 * 1.3, np.sqrt(18.0 * 9.0)]])
    seed = last_seen
    for _ in range(3):  # each frame's search moves the shape by at most about 1.5x
        ((ellipse, strength, contrast),) = search.follow(frame, seed, reference, largest)
        seed = ellipse[None, :]
    cx, cy, a, b, _ = ellipse
    assert np.hypot(cx - 60.0, cy - 45.0) <= 2.5  # the centre grid's step is 0.2 mm (2 px)
    assert max(a, b) == pytest.approx(20.0, rel=0.2)
    assert min(a, b) == pytest.approx(3.5, rel=0.4)
    assert contrast > 0.3 and strength > reference[0]  # (the wall ring reaches past its thin wall)


def test_the_follower_lets_go_where_the_vessel_is_gone():
    lumen = vessel_frame((90, 120), centre=(60.0, 45.0), axes=(12.0, 9.0), angle_deg=0.0)
    detected = Vessel(60.0, 45.0, 12.0, 9.0, 0.0, 0.95, SPACING)
    reference = EdgeFollower(searched(lumen), lumen).strengths([detected])

    rng = np.random.default_rng(1)
    tissue = np.clip(90 + rng.normal(0, 6, (90, 120)), 1, 255).astype(np.uint8)
    blank = Frame(tissue, SPACING, 1, 0.03, "generated")
    follower = EdgeFollower(searched(blank), blank)
    assert follower.follow([detected], [detected], reference) == [None]
    again = EdgeFollower(searched(lumen), lumen)
    assert again.follow([detected], [detected], reference)[0] is not None


def test_following_needs_the_frame_just_searched():
    frame = vessel_frame()
    search = searched(frame)
    with pytest.raises(RuntimeError, match="searched last"):
        search.edge_strength(vessel_frame(seed=3), np.array([[45.0, 30.0, 10.0, 7.0, 30.0]]))


class ScriptedFollower:
    """Finds the vessel by its edges while `holds` is true; records what it was asked."""

    def __init__(self) -> None:
        self.holds = True
        self.asked = 0

    def strengths(self, vessels):
        return [20.0] * len(vessels)

    def follow(self, predicted, detected, references):
        self.asked += len(predicted)
        assert references == [20.0] * len(predicted)
        return [
            Vessel(p.cx, p.cy, p.a, p.b * 0.8, 0.0, p.score, p.spacing_mm) if self.holds else None
            for p in predicted
        ]


def _vessel(cx, cy, a=30.0, b=30.0):
    return Vessel(cx, cy, a, b, 0.0, 0.9, SPACING)


def test_a_confirmed_track_without_detections_is_followed_for_a_limited_time():
    settings = TrackerSettings(follow_frames=5, show_missed=0, max_missed=2)
    tracker, follower = VesselTracker(settings), ScriptedFollower()
    for i in range(4):
        tracker.update(i / 30, [_vessel(100, 100)], SPACING, follower=follower)
    shown = [len(tracker.update((4 + i) / 30, [], SPACING, follower=follower)) for i in range(8)]
    assert shown == [1, 1, 1, 1, 1, 0, 0, 0]  # 5 followed frames, then missed, then dropped
    last = tracker.update(12 / 30, [_vessel(100, 100)], SPACING, follower=follower)
    assert [v.track_id for v in last] == []  # a new tentative track, not shown yet


def test_a_followed_track_takes_the_pressed_shape_and_a_detection_restarts_the_count():
    settings = TrackerSettings(follow_frames=3, show_missed=0)
    tracker, follower = VesselTracker(settings), ScriptedFollower()
    for i in range(4):
        tracker.update(i / 30, [_vessel(100, 100)], SPACING, follower=follower)
    for i in range(3):
        shown = tracker.update((4 + i) / 30, [], SPACING, follower=follower)
    assert shown[0].b < 0.8 * shown[0].a  # flattened by what the edges showed
    shown = tracker.update(7 / 30, [_vessel(100, 100)], SPACING, follower=follower)
    for i in range(3):
        shown = tracker.update((8 + i) / 30, [], SPACING, follower=follower)
    assert [v.track_id for v in shown] == [1]


def test_a_shown_vessel_says_whether_it_was_detected_followed_or_predicted():
    settings = TrackerSettings(follow_frames=1, show_missed=1, max_missed=8)
    tracker, follower = VesselTracker(settings), ScriptedFollower()
    for i in range(4):
        shown = tracker.update(i / 30, [_vessel(100, 100)], SPACING, follower=follower)
    states = [shown[0].state]
    for i in range(2):  # the first frame is held by the edges, the second only predicted
        states += [v.state for v in tracker.update((4 + i) / 30, [], SPACING, follower=follower)]
    states += [v.state for v in tracker.update(6 / 30, [_vessel(100, 100)], SPACING)]
    assert states == ["detected", "followed", "predicted", "detected"]
    assert shown[0].to_json()["state"] == "detected"


def test_a_track_the_edges_do_not_hold_is_missed_as_before():
    settings = TrackerSettings(show_missed=1, max_missed=8)
    tracker, follower = VesselTracker(settings), ScriptedFollower()
    for i in range(4):
        tracker.update(i / 30, [_vessel(100, 100)], SPACING, follower=follower)
    follower.holds = False
    shown = [len(tracker.update((4 + i) / 30, [], SPACING, follower=follower)) for i in range(3)]
    assert shown == [1, 0, 0]  # show_missed, as without a follower
    assert follower.asked == 3


def test_tentative_tracks_are_never_followed():
    tracker, follower = VesselTracker(), ScriptedFollower()
    tracker.update(0.0, [_vessel(100, 100)], SPACING, follower=follower)
    assert tracker.update(1 / 30, [], SPACING, follower=follower) == []
    assert follower.asked == 0


def test_follow_frames_zero_turns_following_off():
    settings = TrackerSettings(follow_frames=0, show_missed=0)
    tracker, follower = VesselTracker(settings), ScriptedFollower()
    for i in range(4):
        tracker.update(i / 30, [_vessel(100, 100)], SPACING, follower=follower)
    assert tracker.update(4 / 30, [], SPACING, follower=follower) == []
    assert follower.asked == 0
