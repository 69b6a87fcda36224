"""Exports, model loading, errors from the worker, event-loop measurement, `vesselscope view`."""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QPushButton

from tests.test_gui_support import (
    FakeDetector,
    make_window,
    open_and_wait,
    wait_for_frame,
    write_test_cine,
)
from vesselscope.classifier import ModelCard, file_sha256, save_model_card
from vesselscope.commands import view
from vesselscope.detection.detector import Detector
from vesselscope.frame import Frame
from vesselscope.gui.heartbeat import EventLoopMonitor
from vesselscope.sources import open_source


def _png_chunks(data: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append(data[at + 4 : at + 8])
        at += 12 + length
    return chunks


def test_exports_carry_the_overlay_and_no_identifiers(qtbot, tmp_path):
    cine = write_test_cine(tmp_path, name="DOE_JOHN_1961.mha")  # names can hold a patient's
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    png = tmp_path / "frame.png"
    window.files.export_png_to(str(png))
    qtbot.waitUntil(png.exists, timeout=5000)  # written whole or not at all
    data = png.read_bytes()
    assert set(_png_chunks(data)) <= {b"IHDR", b"IDAT", b"IEND"} and b"DOE" not in data
    image = cv2.imread(str(png))
    assert image.shape == (48, 64, 3) and np.ptp(image.astype(int), axis=2).max() > 100  # red
    export = window.files.export_mp4_to(str(tmp_path / "cine.mp4"))
    with qtbot.waitSignal(export.done, timeout=10_000) as done:
        pass
    assert done.args == [str(tmp_path / "cine.mp4")] and window.files.progress is None
    assert len(open_source(tmp_path / "cine.mp4")) == 12
    assert b"DOE" not in (tmp_path / "cine.mp4").read_bytes()
    assert set(json.loads((tmp_path / "cine.json").read_text())) == {"mm_per_pixel", "fps"}
    assert "Wrote" in window.status.message.text()


class SlowDetector(FakeDetector):
    def process(self, frame):  # noqa: ANN001, ANN201
        time.sleep(0.05)
        return super().process(frame)


def test_a_frozen_streams_clip_plays_at_the_rate_its_frames_were_taken(qtbot, tmp_path):
    """The buffer holds the frames the detector took (here about 20 a second of the 100 sent):
    written at the stream's rate or 30, a clip played 2-3 times too fast (QA)."""
    window = make_window(qtbot, tmp_path, make_detector=SlowDetector)
    window.open_path("fakelive://1000")
    qtbot.waitUntil(lambda: window.state.buffered >= 10, timeout=5000)
    window.actions["freeze"].trigger()
    export = window.files.export_mp4_to(str(tmp_path / "clip.mp4"))
    with qtbot.waitSignal(export.done, timeout=10_000):
        pass
    assert 4 < json.loads((tmp_path / "clip.json").read_text())["fps"] < 21


@pytest.mark.filterwarnings("ignore::vesselscope.SpacingUnknownWarning")  # fitted: no spacing
def test_a_buffer_holding_two_sizes_exports_whole(qtbot, tmp_path):
    """The scanner's depth changed while the buffer filled: the export failed outright, with
    nothing written; now frames of the other size are fitted to the first's."""
    from vesselscope.evaluation.overlay import OverlayLayers
    from vesselscope.gui.export import CineExport

    pairs = [
        (Frame(np.full(shape, 90, np.uint8), (0.1, 0.1), i, i / 10, "igtl://x"), None)
        for i, shape in enumerate([(48, 64)] * 3 + [(40, 30)] * 3)
    ]
    export = CineExport(tmp_path / "mixed.mp4", lambda: iter(pairs), 10.0, OverlayLayers())
    with qtbot.waitSignal(export.done, timeout=10_000) as done:
        export.start()
    export.wait()
    assert done.args == [str(tmp_path / "mixed.mp4")]
    assert len(open_source(tmp_path / "mixed.mp4")) == 6


def test_a_buffers_rate_is_its_median_step_whatever_a_reconnection_did_to_the_clock():
    from vesselscope.gui.export import buffered_rate

    def frame(t):
        return Frame(np.zeros((4, 4), np.uint8), None, 0, t, "igtl://x")

    times = [10.0, 10.1, 10.2, 10.3, 0.5, 0.6, 0.7]  # the server restarted its clock
    assert buffered_rate([frame(t) for t in times]) == pytest.approx(10.0)
    assert buffered_rate([frame(1.0), frame(1.0)]) is None and buffered_rate([]) is None


def test_a_cancelled_cine_export_leaves_nothing(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, make_detector=SlowDetector)
    open_and_wait(qtbot, window, write_test_cine(tmp_path))
    target = tmp_path / "cancelled.mp4"
    export = window.files.export_mp4_to(str(target))
    assert window.files.progress.maximum() == 12
    with qtbot.waitSignal(export.progressed, timeout=5000):
        pass
    with qtbot.waitSignal(export.done, timeout=5000) as done:
        window.files.progress.findChild(QPushButton).click()  # the dialog's Cancel button
    assert done.args == [""] and not target.exists() and not target.with_suffix(".json").exists()
    assert "cancelled" in window.status.message.text()


def _write_model(folder, card_size: int | None = None):  # noqa: ANN001, ANN202
    """A tiny ONNX 'classifier' (P(vessel) = mean brightness) and its card."""
    from onnx import TensorProto, helper, save_model

    crops = helper.make_tensor_value_info("crops", TensorProto.FLOAT, ["batch", 1, 16, 16])
    out = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 2])
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    nodes = [
        helper.make_node("ReduceMean", ["crops"], ["p"], axes=[1, 2, 3], keepdims=0),
        helper.make_node("Unsqueeze", ["p", "axis"], ["vessel"]),
        helper.make_node("Sub", ["one", "vessel"], ["background"]),
        helper.make_node("Concat", ["background", "vessel"], ["probabilities"], axis=1),
    ]
    axis = helper.make_tensor("axis", TensorProto.INT64, [1], [1])
    graph = helper.make_graph(nodes, "tiny", [crops], [out], initializer=[one, axis])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    folder.mkdir()
    path = folder / "tiny.onnx"
    save_model(model, str(path))
    card = ModelCard(
        "tiny.onnx",
        file_sha256(path.read_bytes()),
        "crops",
        card_size or 16,
        "probabilities",
        ("background", "vessel"),
        1 / 255,
        0.0,
        1.0,
        4.0,
        0.3,
    )
    save_model_card(folder / "tiny.card.json", card)
    return path


def test_a_model_is_loaded_against_its_card_without_restarting(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, make_detector=Detector)
    s = window.state
    open_and_wait(qtbot, window, write_test_cine(tmp_path, frames=3))
    good = _write_model(tmp_path / "good")
    s.model = str(good)  # what Detection > Load model… does with the file chosen
    qtbot.waitUntil(
        lambda: s.detector is not None and s.detector.model == str(good), timeout=10_000
    )
    assert s.detector.provider == "CPUExecutionProvider" and s.detector.threshold == 0.3
    assert "tiny.onnx" in window.detection_panel.model.text()
    bad = _write_model(tmp_path / "bad", card_size=32)  # the card says 32 x 32 crops
    s.model = str(bad)
    qtbot.waitUntil(lambda: "input size mismatch" in s.error, timeout=10_000)
    assert window.errors.box.isVisible() and "bad" in window.errors.box.text()
    qtbot.waitUntil(lambda: s.model == str(good))  # the model in use stays, and says so
    assert s.detector.model == str(good)
    window.actions["shipped_model"].trigger()
    qtbot.waitUntil(lambda: s.detector.model is None, timeout=10_000)


class ExplodingDetector(FakeDetector):
    def process(self, frame):  # noqa: ANN001, ANN201
        if frame.index == 3:
            raise RuntimeError("kernel exploded")
        return super().process(frame)


def test_a_worker_error_arrives_as_a_signal_and_stops_playback(qtbot, tmp_path, caplog):
    window = make_window(qtbot, tmp_path, make_detector=ExplodingDetector)
    open_and_wait(qtbot, window, write_test_cine(tmp_path))
    with qtbot.waitSignal(window.controller.failed, timeout=5000) as failed:
        window.actions["play"].trigger()
    assert failed.args == ["RuntimeError: kernel exploded"]
    qtbot.waitUntil(lambda: not window.state.playing, timeout=5000)
    assert window.errors.box.isVisible() and "kernel exploded" in caplog.text
    window.controller.seek(9)  # the viewer is still usable
    wait_for_frame(qtbot, window, 9)


def test_event_loop_monitor_measures_a_blocked_loop(qtbot):
    monitor = EventLoopMonitor(interval_ms=5)
    monitor.start()
    qtbot.wait(30)
    QTimer.singleShot(0, lambda: time.sleep(0.08))  # a slot that blocks the loop for 80 ms
    qtbot.wait(120)
    monitor.stop()
    figures = monitor.summary()
    assert figures["max_ms"] >= 60 and figures["beats"] > 5


_RUN_VIEW = """
import argparse, sys
from vesselscope.commands import view
parser = argparse.ArgumentParser()
view.add_parser(parser.add_subparsers())
args = parser.parse_args(sys.argv[1:])
sys.exit(args.run(args))
"""


def test_view_command_line(tmp_path):
    parser = argparse.ArgumentParser()
    view.add_parser(parser.add_subparsers())
    args = parser.parse_args(["view", "cine.mha", "--spacing", "0.075", "--play"])
    assert (args.source, args.spacing, args.play, args.run) == ("cine.mha", 0.075, True, view.run)
    with pytest.raises(SystemExit):  # argparse: invalid choice, exit status 2
        parser.parse_args(["view", "--preset", "elbow"])
    # A process of its own: quitting a QApplication's loop would end this one's for good.
    shot = tmp_path / "v.png"
    command = [
        "view",
        "sim://femoral?frames=4&size=48,48",
        "--device",
        "numpy",
        "--preset",
        "forearm",
        "--settings",
        str(tmp_path / "v.ini"),
        "--screenshot",
        str(shot),
        "--after",
        "1",
    ]
    done = subprocess.run(
        [sys.executable, "-c", _RUN_VIEW, *command], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"wrote {shot}" in done.stdout
    assert cv2.imread(str(shot)).shape[0] > 100


def test_a_recording_cut_off_says_so_after_it_opens_not_only_before(qtbot, tmp_path):
    cine = write_test_cine(tmp_path, frames=12)
    cine.write_bytes(cine.read_bytes()[: -48 * 64 * 5 - 10])  # the last 6 frames cut off
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    qtbot.waitUntil(lambda: "recovered 6 of the 12" in window.status.message.text(), timeout=5000)
    qtbot.wait(200)
    assert "recovered 6 of the 12" in window.status.message.text()  # not replaced by "Opened"
