"""The Detector end to end on a small simulated cine, and the replay / evaluate / bench commands."""

import json
from collections import Counter

import cv2
import numpy as np
import pytest

from vesselscope import open_source
from vesselscope.cli import main
from vesselscope.detection.detector import Detector, DetectorSettings
from vesselscope.detection.results import STATES
from vesselscope.onnx_session import probe_providers

CINE = "sim://femoral?seed=5&frames=12&size=160,160"


@pytest.fixture(scope="module")
def results():
    detector = Detector(DetectorSettings(preset="femoral"))
    source = open_source(CINE)
    return source, detector, [detector.process(frame) for frame in source]


def test_detector_reports_stages_candidates_and_stable_tracks(results):
    source, detector, frame_results = results
    last = frame_results[-1]
    assert set(last.timings_ms) == {"candidates", "classifier", "tracker", "total"}
    assert last.timings_ms["total"] >= last.timings_ms["candidates"]
    assert 0 < len(last.candidates) <= 8
    assert all(0.0 <= c.score <= 1.0 for c in last.candidates)
    assert {r.score < last.threshold for r in last.rejected} <= {True}
    # The femoral artery (the larger, round vessel) is found and keeps one track id.
    truth = source.truth(len(source) - 1)
    artery = next(t for t in truth if t.label == "artery")
    ids = set()
    for result in frame_results:  # from the first frame on: no frames lost to confirmation
        near = [v for v in result.vessels if abs(v.cx - artery.cx) + abs(v.cy - artery.cy) < 10]
        assert near, f"artery missed in frame {result.frame_index}"
        ids.add(near[0].track_id)
    assert len(ids) == 1
    # CPU here; CUDA (or TensorRT) where a GPU and its libraries are (seen on an H200).
    assert detector.provider in probe_providers()[:1]


def test_a_warm_up_leaves_no_trace_in_the_tracks():
    source = open_source(CINE)
    detector = Detector(DetectorSettings(preset="femoral"))
    detector.warm_up(source[0])  # the frame is confirmed at once, as the start of a cine
    first = detector.process(source[0])
    assert sorted(v.track_id for v in first.vessels)[:1] == [1]  # numbered from 1, not 3


def test_an_outline_predicted_out_of_the_frame_is_not_shown(monkeypatch):
    """With frames skipped under load, a vessel's velocity carried its predicted outline to
    x = 531 of a 512-pixel image, where nothing in the frame supported it."""
    from vesselscope.detection.results import Vessel

    source = open_source(CINE)  # 160 x 160 px
    detector = Detector(DetectorSettings(preset="femoral"))
    spacing = source[0].spacing_mm
    gone = Vessel(171.0, 80.0, 20, 15, 0.0, 0.6, spacing, 3, "vein", 0.8, state="predicted")
    near = Vessel(150.0, 80.0, 20, 15, 0.0, 0.6, spacing, 4, "vein", 0.8, state="predicted")
    seen = Vessel(171.0, 40.0, 20, 15, 0.0, 0.9, spacing, 5, "artery", 0.8)  # cut by the edge
    monkeypatch.setattr(detector.tracker, "update", lambda *a, **k: [gone, near, seen])
    result = detector.process(source[0])
    assert [v.track_id for v in result.vessels] == [4, 5]


def test_replay_writes_annotated_video_and_json_lines(tmp_path, capsys):
    out, lines = tmp_path / "annotated.mp4", tmp_path / "results.jsonl"
    code = main(["replay", CINE, "--out", str(out), "--json", str(lines), "--preset", "femoral"])
    assert code == 0
    text = capsys.readouterr().out
    assert "replayed 12 frames" in text and "vessels per frame" in text and "total" in text
    records = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [r["frame"] for r in records] == list(range(12))
    # the summary's share of outlines by what placed them agrees with the JSON lines
    states = Counter(v["state"] for r in records for v in r["vessels"])
    shown = sum(states.values())
    assert shown > 0 and set(states) <= set(STATES)
    assert "outlines: " + ", ".join(f"{states[s] / shown:.0%} {s}" for s in STATES) in text
    assert len(open_source(out)) == 12
    # candidates are no vessels shown: no state to read as "detected", but whether they passed
    candidates = [c for r in records for c in r["candidates"]]
    assert candidates and all("state" not in c and "track" not in c for c in candidates)
    assert all(
        c["accepted"] == (c["score"] >= r["threshold"]) for r in records for c in r["candidates"]
    )


def test_evaluate_against_simulated_truth_writes_the_report(tmp_path, capsys):
    from vesselscope.simulator import write_simulation

    cine, _ = write_simulation(tmp_path / "c.mha", "femoral", 15, 5, (256, 256), None, 30.0)
    report = tmp_path / "report"
    assert main(["evaluate", str(cine), "--report", str(report), "--preset", "femoral"]) == 0
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["frames"] == 15 and metrics["precision"] >= 0.9 and metrics["recall"] > 0.35
    assert metrics["centre_error_mm"]["mean"] < 1.0
    assert (report / "report.html").is_file() and (report / "pr_curve.png").is_file()
    assert "f1" in capsys.readouterr().out


def test_bench_prints_every_stage_as_json(capsys):
    assert main(["bench", CINE, "--frames", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stage"] == "pipeline" and report["frames"] == 5
    assert report["preset"] == "general" and report["top_k"] == 8  # the preset's own count
    assert set(report["latency_ms"]) == {"candidates", "classifier", "tracker", "total"}
    assert report["latency_ms"]["total"]["p95"] > 0


def test_nested_detections_of_one_vessel_become_the_largest():
    from vesselscope.detection.one_per_vessel import one_per_vessel
    from vesselscope.detection.results import Vessel

    spacing = (0.1, 0.1)
    whole = Vessel(100, 100, 40, 20, 30.0, 0.8, spacing)
    part = Vessel(110, 105, 12, 10, 0.0, 0.99, spacing)  # inside `whole`, scored higher
    beside = Vessel(170, 100, 20, 20, 0.0, 0.9, spacing)  # another vessel next to it
    kept, dropped = one_per_vessel([part, beside, whole])
    assert kept == [whole, beside] and dropped == [part]
    # the tilt counts: along the 30-degree major axis (37 px out) is inside, across it is not
    assert whole.contains(100 + 37 * 0.866, 100 + 37 * 0.5)
    assert not whole.contains(100 - 37 * 0.5, 100 + 37 * 0.866)


def test_each_preset_says_how_many_candidates_are_classified():
    forearm = Detector(DetectorSettings(preset="forearm", device="numpy"))
    assert forearm.search.top_k == 12  # small veins rank among the fascia gaps there
    assert Detector(DetectorSettings(preset="femoral", device="numpy")).search.top_k == 8
    assert Detector(DetectorSettings(preset="forearm", top_k=5, device="numpy")).search.top_k == 5
    frame = open_source("sim://forearm?seed=3&frames=1&size=256,256")[0]
    assert 8 < len(forearm.process(frame).candidates) <= 12


def _dark_lumens(*ellipses):  # (cx, cy, a, b) each, on tissue of grey 120
    image = np.full((120, 200), 120, np.uint8)
    for cx, cy, a, b in ellipses:
        cv2.ellipse(image, ((cx, cy), (2 * a, 2 * b), 0), 15, -1)
    return image


def test_an_ellipse_over_two_vessels_is_dropped_but_a_whole_lumen_is_kept():
    from vesselscope.detection.bridges import drop_bridges
    from vesselscope.detection.results import Vessel

    spacing = (0.1, 0.1)
    artery, vein = Vessel(70, 60, 20, 20, 0, 0.9, spacing), Vessel(113, 60, 20, 16, 0, 0.6, spacing)
    bridge = Vessel(92, 60, 46, 22, 0, 0.8, spacing)
    # two lumens touching across a 3-pixel wall
    pixels = _dark_lumens((70, 60, 20, 20), (113, 60, 20, 16))
    kept, bridges = drop_bridges(pixels, [artery, bridge], [artery, bridge, vein])
    assert kept == [artery] and bridges == [bridge]
    # one long lumen, outlined whole and in two parts at its ends: the whole stays
    pixels = _dark_lumens((92, 60, 44, 20))
    kept, bridges = drop_bridges(pixels, [bridge], [bridge, artery, vein])
    assert kept == [bridge] and bridges == []
