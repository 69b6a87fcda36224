"""The viewer on a recording: open, detect, play, step, scrub, overlays, bad files, settings."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PyQt6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PyQt6.QtGui import QDropEvent
from PyQt6.QtWidgets import QDockWidget, QFileDialog

from tests.test_gui_support import (
    FakeDetector,
    make_window,
    open_and_wait,
    wait_for_frame,
    write_test_cine,
)
from vesselscope.detection.detector import Detector
from vesselscope.detection.results import Vessel
from vesselscope.evaluation.overlay import colour_label, vessel_text
from vesselscope.gui.hud import hud_lines
from vesselscope.gui.overlay_items import LabelItem
from vesselscope.simulator import write_simulation

KEYS = {"play": "Space", "step_back": "Left", "step_forward": "Right", "freeze": "F", "record": "R"}


@pytest.fixture
def cine(tmp_path):
    return write_test_cine(tmp_path)


def _labels(window) -> list[str]:
    return [item.text for item in window.view.results.childItems() if isinstance(item, LabelItem)]


def test_start_page_until_a_generated_cine_opens_with_real_detection(qtbot, tmp_path, cine):
    window = make_window(qtbot, tmp_path, make_detector=Detector)
    assert window.pages.currentIndex() == 0 and window.start_page.buttons["demo"].isEnabled()
    open_and_wait(qtbot, window, cine)
    assert window.pages.currentIndex() == 1
    assert window.state.source.frame_count == 12 and window.state.frame.index == 0
    qtbot.waitUntil(lambda: window.state.detector is not None)
    info = window.state.detector
    assert info.device == "NumPy reference"  # as asked for: device="numpy"
    if info.provider.startswith("none"):  # no shipped model (yet): said, not hidden
        assert "No classifier model" in window.detection_panel.model.text()
    else:  # the status bar names the provider short enough to leave room for the timings
        text = window.status.device.text()  # e.g. "NumPy reference · ONNX CPU"
        assert text.startswith("NumPy reference · ONNX ") and "ExecutionProvider" not in text
    # Pixel spacing 0.5 mm: the scene is in millimetres, so the image is 32 x 24 mm.
    rect = window.view.image.sceneBoundingRect()
    assert (rect.width(), rect.height()) == pytest.approx((32.0, 24.0))
    assert window.state.stats.timings_ms["total"] > 0
    assert "Frame 1 / 12" in window.cine.position.text()


def test_a_looping_cine_numbers_its_vessels_as_on_its_first_pass(qtbot, tmp_path):
    """Each pass of a loop rebuilt the tracks with new numbers: the demo's two vessels were #5
    and #6 on its third pass, while a replay or an export of it numbers them #1 and #2."""
    cine, _ = write_simulation(
        tmp_path / "sim.mha", "femoral", frames=8, seed=1, size=(192, 192), fps=10.0
    )
    window = make_window(qtbot, tmp_path, make_detector=Detector)
    open_and_wait(qtbot, window, cine)
    s, shown = window.state, []

    def note(name: str) -> None:
        if name == "result" and s.result is not None:
            shown.append((s.result.frame_index, {v.track_id for v in s.result.vessels}))

    s.subscribe(note)

    def wraps() -> list[int]:  # where each pass after the first begins
        return [k for k in range(1, len(shown)) if shown[k][0] < shown[k - 1][0]]

    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: len(wraps()) >= 2, timeout=20_000)
    first_pass = set().union(*(ids for _, ids in shown[: wraps()[0]]))
    assert first_pass == {1, 2}
    assert all(ids <= first_pass for _, ids in shown)


def test_play_to_the_end_step_and_scrub(qtbot, tmp_path, cine):
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    window.state.loop = False
    window.actions["play"].trigger()
    assert window.state.playing
    qtbot.waitUntil(lambda: not window.state.playing, timeout=5000)  # 12 frames at 30 fps
    assert window.state.frame.index == 11  # the last frame is always shown
    window.actions["step_back"].trigger()
    wait_for_frame(qtbot, window, 10)
    window.actions["step_forward"].trigger()
    wait_for_frame(qtbot, window, 11)
    window.cine.slider.setValue(4)  # as a drag of the scrub slider does
    wait_for_frame(qtbot, window, 4)
    assert window.cine.slider.value() == 4 and "Frame 5 / 12" in window.cine.position.text()
    assert window.state.result.vessels[0].cx == 24.0  # the result belongs to frame 4
    window.cine.speed.setCurrentIndex(3)  # 2x
    assert window.state.speed == 2.0
    window.actions["play"].trigger()  # from frame 4 on
    qtbot.waitUntil(lambda: not window.state.playing, timeout=5000)
    assert window.state.frame.index == 11


def _window_keeping_detectors(qtbot, tmp_path, kind=FakeDetector):
    """A viewer and the list of the detectors it made, the one in use last."""
    detectors = []

    def make(settings):
        detectors.append(kind(settings))
        return detectors[-1]

    return make_window(qtbot, tmp_path, make_detector=make), detectors


def test_a_jump_rebuilds_tracks_from_the_frames_before_it(qtbot, tmp_path, cine):
    window, detectors = _window_keeping_detectors(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    window.controller.seek(8)
    wait_for_frame(qtbot, window, 8)
    # The tracker confirms a vessel over 3 frames: frames 6 and 7 are detected first.
    assert detectors[-1].processed[-3:] == [6, 7, 8] and detectors[-1].resets >= 1


def test_a_frame_stepped_back_to_shows_what_it_showed_and_settings_start_afresh(
    qtbot, tmp_path, cine
):
    window, detectors = _window_keeping_detectors(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    detector = detectors[-1]
    assert detector.resets == 1  # when the recording opened
    for index in (1, 2, 3):
        window.actions["step_forward"].trigger()
        wait_for_frame(qtbot, window, index)
    window.actions["step_back"].trigger()
    wait_for_frame(qtbot, window, 2)
    # Nothing detected again, nothing reset: the tracks, their ids and labels stay as shown.
    assert detector.processed == [0, 1, 2, 3] and detector.resets == 1
    assert window.state.result.frame_index == 2
    window.actions["step_forward"].trigger()
    wait_for_frame(qtbot, window, 3)
    window.actions["step_forward"].trigger()
    wait_for_frame(qtbot, window, 4)
    assert detector.processed == [0, 1, 2, 3, 4]  # 3 shown again, 4 carries the tracks on
    window.state.update(threshold=0.9)  # only the threshold: the tracks are kept
    qtbot.waitUntil(lambda: len(detector.processed) == 6)
    # frame 4 again, from the tracks as they were before it (after 4 frames), nothing reset
    assert detector.processed[5:] == [4] and detector.restored == [4] and detector.resets == 1
    assert detectors[-1] is detector and window.state.result.threshold == 0.9
    window.state.update(preset="carotid")  # new settings: what was shown no longer holds
    qtbot.waitUntil(lambda: len(detectors[-1].processed) == 3)
    assert detectors[-1].processed == [2, 3, 4]  # frame 4 again, its tracks rebuilt


class SlowDetector(FakeDetector):
    """Slower than the cine's frame rate, as on a loaded machine: playback must skip frames."""

    def process(self, frame):
        time.sleep(0.08)
        return super().process(frame)


def test_frames_skipped_to_keep_up_with_playback_keep_the_tracks(qtbot, tmp_path, cine):
    window, detectors = _window_keeping_detectors(qtbot, tmp_path, SlowDetector)
    open_and_wait(qtbot, window, cine)
    qtbot.waitUntil(lambda: window.state.result is not None)
    detector = detectors[-1]
    resets, seen = detector.resets, len(detector.processed)
    window.state.loop = False
    window.actions["play"].trigger()
    qtbot.waitUntil(lambda: not window.state.playing, timeout=10_000)
    played = detector.processed[seen:]
    assert len(played) < 11  # 30 frames/s against 80 ms a frame: frames were skipped
    # Each frame once and in order, with the tracks kept: a skip in playback is not a jump
    # (no tracker reset, no re-detection of the frames before it).
    assert played == sorted(set(played)) and played[-1] == 11
    assert detector.resets == resets
    # Stepped back to a frame playback skipped, it is taken on from the tracks of the frame
    # shown before it: no reset, so the vessels keep their ids and labels (rebuilt, every
    # step renumbered them and forgot their labels).
    skipped = max(set(range(played[0], 11)) - set(played))
    shown_before = max(i for i in played if i < skipped)
    window.actions["step_back"].trigger()  # from 11: shown, or skipped and taken on
    for _ in range(11 - skipped - 1):
        window.actions["step_back"].trigger()
    wait_for_frame(qtbot, window, skipped)
    assert detector.resets == resets
    assert detector.processed[-(skipped - shown_before + 1) :] == list(
        range(shown_before, skipped + 1)
    )
    # and stepped forward onto a frame playback showed, it shows that again, not detected anew
    # from the skipped one (QA: its label then read "Artery?" where it had read "Vessel")
    taken = len(detector.processed)
    window.actions["step_forward"].trigger()
    wait_for_frame(qtbot, window, skipped + 1)
    assert len(detector.processed) == taken


def test_overlays_toggle_each_on_its_own(qtbot, tmp_path, cine):
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    assert _labels(window) == ["#7 Artery 0.90"]  # rejected candidates are off by default
    window.actions["show_rejected"].trigger()
    assert window.state.show_rejected and sorted(_labels(window)) == ["#7 Artery 0.90", "0.20"]
    window.actions["show_track_ids"].trigger()
    assert "Artery 0.90" in _labels(window)
    window.actions["show_vessels"].trigger()
    assert _labels(window) == ["0.20"]
    assert not window.state.show_vessels and not window.state.show_track_ids


def test_a_corrupt_file_shows_its_error_and_the_viewer_stays_usable(qtbot, tmp_path, cine):
    broken = tmp_path / "broken.mha"
    broken.write_text("ObjectType = Image\nNDims = 3\nDimSize = 64 48 10\nElementType = MET_UCH")
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    window.open_path(str(broken))
    qtbot.waitUntil(lambda: window.state.error != "", timeout=5000)
    assert "broken.mha" in window.state.error
    assert window.errors.box.isVisible() and "broken.mha" in window.errors.box.text()
    assert "broken.mha" in window.status.message.text()
    assert window.state.source.path == str(cine)  # the cine on screen is still there
    window.errors.box.close()
    window.controller.seek(3)
    wait_for_frame(qtbot, window, 3)
    other = write_test_cine(tmp_path, frames=5, name="other.mha")
    open_and_wait(qtbot, window, other)
    assert window.state.error == "" and window.state.source.frame_count == 5


def test_settings_and_recent_files_persist(qtbot, tmp_path, cine):
    window = make_window(qtbot, tmp_path)
    window.detection_panel.preset.setCurrentText("femoral")
    window.detection_panel.threshold.setValue(0.7)
    window.actions["show_rejected"].trigger()
    open_and_wait(qtbot, window, cine)
    window.close()
    again = make_window(qtbot, tmp_path)
    s = again.state
    assert (s.preset, s.threshold, s.show_rejected) == ("femoral", pytest.approx(0.7), True)
    assert again.detection_panel.preset.currentText() == "femoral"
    assert again.store.recent() == [str(cine)] and again.store.last_folder == str(tmp_path)
    assert [a.text() for a in again.recent_menu.actions()] == [str(cine)]
    settings = QSettings(str(tmp_path / "viewer.ini"), QSettings.Format.IniFormat)
    assert settings.value("preset") == "femoral"


def test_streams_are_recorded_into_a_chosen_folder_remembered_not_the_last_opened(
    qtbot, tmp_path, cine, monkeypatch
):
    """R used to record into the folder a file was last opened from: the home folder on a
    first run, or a dataset's folder."""
    window = make_window(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    default = Path(window.store.recordings_folder)
    assert default.name == "VesselScope recordings" and default != tmp_path
    chosen = tmp_path / "exam 12"
    chosen.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(chosen))
    window.actions["recordings_folder"].trigger()
    assert window.status.message.text() == f"Streams are recorded into {chosen}"
    window.close()
    assert make_window(qtbot, tmp_path).store.recordings_folder == str(chosen)


def test_demo_button_and_drag_and_drop_open_sources(qtbot, tmp_path, cine, monkeypatch):
    import vesselscope.simulator

    demo = write_test_cine(tmp_path, frames=3, name="demo.mha")
    monkeypatch.setattr(vesselscope.simulator, "demo_cine_path", lambda: demo)  # no simulating
    window = make_window(qtbot, tmp_path)
    window.state.preset = "carotid"  # the user's own choice
    window.start_page.buttons["demo"].click()
    qtbot.waitUntil(lambda: window.state.source is not None, timeout=5000)
    assert window.state.source.path == str(demo) and window.windowTitle().startswith("demo.mha")
    # the femoral demo cine with its own preset, as `vesselscope demo` detects it
    assert (
        window.state.preset == "femoral"
        and window.detection_panel.preset.currentText() == "femoral"
    )
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(cine))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.state.source.path == str(cine), timeout=5000)
    assert window.state.preset == "carotid"  # the user's again, for their own recording
    window.open_path(str(cine), 0.25)  # File > Pixel spacing reopens with the value given
    qtbot.waitUntil(
        lambda: window.state.source.spacing_mm == (0.25, 0.25) and window.state.frame is not None,
        timeout=5000,
    )
    assert "0.250 mm/px" in " ".join(hud_lines(window.state))


def test_keyboard_shortcuts_work_and_are_listed_in_the_menus(qtbot, tmp_path, cine):
    window = make_window(qtbot, tmp_path)
    playback = window.menus["&Playback"].actions()
    keys = {name: window.actions[name].shortcut().toString() for name in KEYS}
    assert keys == KEYS and all(window.actions[name] in playback for name in KEYS)
    open_and_wait(qtbot, window, cine)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    wait_for_frame(qtbot, window, 1)
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert window.state.playing
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert not window.state.playing
    qtbot.keyClick(window.view, Qt.Key.Key_D)
    assert window.state.tool == "distance"


def test_a_single_image_is_detected_without_tracking(qtbot, tmp_path, cine):
    detectors = []

    def make(settings):
        detectors.append(FakeDetector(settings))
        return detectors[-1]

    window = make_window(qtbot, tmp_path, make_detector=make)
    open_and_wait(qtbot, window, write_test_cine(tmp_path, frames=1, name="one.mha"))
    # The tracker shows a vessel once seen in 3 frames: a single image would never show one.
    assert detectors[-1].settings.track is False and detectors[-1].processed == [0]
    open_and_wait(qtbot, window, cine)
    assert detectors[-1].settings.track is True
    # A folder of stills without a frame rate holds unrelated pictures, not a cine.
    stills = tmp_path / "stills"
    stills.mkdir()
    for number in range(3):
        cv2.imwrite(str(stills / f"{number:04d}.png"), np.full((64, 64), 90, np.uint8))
    open_and_wait(qtbot, window, stills, spacing_mm=0.1)
    assert detectors[-1].settings.track is False


def test_an_outline_the_classifier_did_not_confirm_this_frame_says_how_it_is_held():
    def vein(state):
        return Vessel(50.0, 40.0, 8, 5, 0, 0.93, (0.1, 0.1), 3, "vein", 0.7, state=state)

    assert vessel_text(vein("detected"), track_ids=True) == "#3 Vein 0.93"
    assert vessel_text(vein("followed"), track_ids=True) == "#3 Vein (edges)"
    assert vessel_text(vein("predicted"), track_ids=False) == "Vein (predicted)"


def test_a_label_given_without_much_confidence_is_said_with_a_question_mark():
    """The number beside a label is the vessel's score: "Vein 1.00" on a label of confidence
    0.4 read as a sure vein (it was an artery), and so did a blue "Vein? 1.00"."""
    cases = ((0.4, "#3 Vessel (vein?) 1.00"), (0.69, "#3 Vessel (vein?) 1.00"))
    for confidence, text in (*cases, (0.7, "#3 Vein 1.00")):
        vessel = Vessel(50.0, 40.0, 8, 5, 0, 1.0, (0.1, 0.1), 3, "vein", confidence)
        assert vessel_text(vessel, track_ids=True) == text
        # and coloured as a vein only when sure: amber, as an unknown vessel, before
        assert colour_label(vessel) == ("vein" if confidence >= 0.7 else "unknown")
    unknown = Vessel(50.0, 40.0, 8, 5, 0, 1.0, (0.1, 0.1), 3, "unknown", 0.0)
    assert vessel_text(unknown, track_ids=True) == "#3 Vessel 1.00"


def test_labels_grow_with_a_tall_view_so_they_can_be_read_from_the_bed(qtbot, tmp_path, cine):
    window = make_window(qtbot, tmp_path)  # 900 x 600: labels at their base size
    open_and_wait(qtbot, window, cine)

    def points():
        labels = [i for i in window.view.results.childItems() if isinstance(i, LabelItem)]
        return {label._font.pointSize() for label in labels}

    qtbot.waitUntil(lambda: bool(points()))
    assert points() == {8}
    window.resize(2400, 1400)
    qtbot.waitUntil(lambda: window.view.viewport().height() > 1200)
    assert min(points()) >= 12  # made again at the new size, paused or not


def test_the_tools_panel_can_be_hidden_to_give_the_image_the_whole_window(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.show()
    toggle = next(a for a in window.menus["&View"].actions() if a.text() == "&Tools panel")
    dock = window.findChild(QDockWidget, "tools")
    assert dock.isVisible() and toggle.shortcut().toString() == "F9"
    toggle.trigger()
    assert not dock.isVisible()
    toggle.trigger()
    assert dock.isVisible()


def test_on_a_narrow_window_a_long_message_gives_way_to_the_figures(qtbot, tmp_path, cine):
    window = make_window(qtbot, tmp_path)  # 900 px wide
    open_and_wait(qtbot, window, cine)
    qtbot.waitUntil(lambda: window.state.stats is not None)
    status = window.status
    status.say("Opened " + "/a/very/long/folder" * 12 + "/cine.mha")
    status.latency.setText("search 131 · classify 14 · track 12 · total 157 ms")
    qtbot.waitUntil(lambda: status.latency.width() >= status.latency.sizeHint().width())
    assert status.message.width() < status.message.sizeHint().width()  # it is the one cut
    assert status.message.toolTip().endswith("/cine.mha")  # and its whole text is at hand
    shown = status.message.shown_text()  # cut in the middle: what happened, and to which file
    assert shown.startswith("Opened /a/very") and "…" in shown and shown.endswith("/cine.mha")


def test_another_source_opened_starts_without_the_tracks_of_the_last(qtbot, tmp_path, cine):
    window, detectors = _window_keeping_detectors(qtbot, tmp_path)
    open_and_wait(qtbot, window, cine)
    window.controller.seek(8)
    wait_for_frame(qtbot, window, 8)
    detector = detectors[-1]
    other = write_test_cine(tmp_path, name="other.mha")
    open_and_wait(qtbot, window, other)
    # Waiting on the frame index alone raced: playing on, the first cine could loop back to
    # its frame 0 (a reset, without renumbering) before the other one opened.
    qtbot.waitUntil(lambda: detector.renumbered == 2)  # numbered from 1, as a replay numbers
    qtbot.waitUntil(lambda: detector.processed[-1] == 0)
    assert detectors[-1] is detector
