"""The viewer on a live stream: state shown as it changes, drops counted, freeze, record."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from PyQt6.QtGui import QColor

from tests.test_gui_support import FakeDetector, make_window
from vesselscope.gui.hud import badges, display_state, hud_lines
from vesselscope.gui.theme import STATE_COLOURS
from vesselscope.sources import open_source


class SlowDetector(FakeDetector):
    """Slower than the stream's 100 fps: newest frame wins, the others are counted dropped."""

    def process(self, frame):  # noqa: ANN001, ANN201
        time.sleep(0.04)
        return super().process(frame)


def test_live_stream_state_drops_freeze_cine_buffer_and_recording(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, make_detector=SlowDetector)
    s = window.state
    window.store.last_folder = str(tmp_path)  # where files were opened: not where R records
    window.store.recordings_folder = str(tmp_path / "recordings" / "today")  # made by R
    window.open_path("fakelive://80")
    qtbot.waitUntil(lambda: s.stream == "live" and s.frame is not None, timeout=5000)
    assert display_state(s) == "live" and window.status.badge.text() == "● LIVE"
    assert not window.actions["play"].isEnabled() and window.actions["freeze"].isEnabled()
    assert not window.cine.slider.isEnabled()  # a live view has nothing to scrub yet
    window.actions["record"].trigger()
    qtbot.waitUntil(lambda: s.recording is not None, timeout=5000)
    assert badges(s)[0][0] == "● REC"
    qtbot.waitUntil(lambda: s.buffered >= 5, timeout=5000)
    window.actions["freeze"].trigger()
    assert s.frozen and window.actions["freeze"].isChecked() and window.cine.slider.isEnabled()
    assert window.status.badge.text() == "● FROZEN" and s.index == s.buffered - 1
    shown = s.frame.index
    window.actions["step_back"].trigger()  # scrolls back through the cine buffer
    assert s.index == s.buffered - 2 and s.frame.index < shown
    qtbot.wait(100)
    assert s.frame is window.controller.buffer[s.index].frame  # the stream goes on unseen
    window.actions["freeze"].trigger()
    assert not s.frozen
    qtbot.waitUntil(lambda: s.stream == "stalled", timeout=5000)  # 80 frames, then silence
    assert window.status.badge.text() == "● STALLED" and "no image" in s.stream_reason
    assert s.stats.dropped > 0 and s.stats.fps_in > s.stats.fps_out
    # Said in words, and no rate that the stream is no longer giving.
    assert window.status.message.text().startswith("Stream stalled: connected, but no image")
    assert window.status.rates.text() == "in – · out –"
    # and the image is not said to be live: neither over it nor in the cine bar
    assert (
        hud_lines(s)[1]
        == window.cine.position.text()
        == f"Stalled  ·  last frame {s.frame.index + 1}"  # from 1, as the Measure panel counts
    )
    # and the last image, with what is drawn on it, is dimmed under a notice of how long
    assert window.view.image.opacity() < 1 and window.view.results.opacity() == 1  # inherited
    assert window.view._stale_notice().startswith("STALLED  ·  no new image for ")
    window.actions["freeze"].trigger()
    assert [text for text, _ in badges(s)][-2:] == ["FROZEN", "STALLED"]
    assert window.view.image.opacity() == 1 and not window.view._stale_notice()  # chosen
    window.actions["freeze"].trigger()
    window.actions["record"].trigger()
    qtbot.waitUntil(lambda: s.recording is None, timeout=5000)
    assert not list(tmp_path.glob("*.mhd"))
    (recorded,) = (tmp_path / "recordings" / "today").glob("vesselscope-recording-*.mhd")
    assert window.status.message.text() == f"Recording stopped: saved to {recorded}"
    with open_source(recorded) as source:
        values = [int(frame.pixels[0, 0]) for frame in source]
    # Every frame from the start of the recording, although most were never detected.
    assert values == list(range(values[0], 80)) and len(values) > 20


def test_a_recording_goes_on_in_another_file_when_the_image_size_changes(qtbot, tmp_path):
    """A sequence holds one size: the recording used to stop at a change of depth, and nothing
    after it was kept. Each change starts NAME-2.mhd, NAME-3.mhd... (not NAME-2-2.mhd)."""
    window = make_window(qtbot, tmp_path, make_detector=SlowDetector)
    s = window.state
    window.store.recordings_folder = str(tmp_path)
    window.open_path("fakelive://120?resize=40,80")
    qtbot.waitUntil(lambda: s.frame is not None, timeout=5000)
    window.actions["record"].trigger()
    qtbot.waitUntil(lambda: s.recording is not None and s.recording.endswith("-2.mhd"))
    assert window.status.message.text().endswith("-2.mhd: image now 30x20")
    qtbot.waitUntil(lambda: s.stream == "stalled", timeout=5000)
    assert s.recording.endswith("-3.mhd")
    window.actions["record"].trigger()
    qtbot.waitUntil(lambda: s.recording is None, timeout=5000)
    (third,) = tmp_path.glob("vesselscope-recording-*-3.mhd")
    files = [third.with_name(third.name.replace("-3.mhd", end)) for end in (".mhd", "-2.mhd")]
    values, shapes = [], []
    for path in [*files, third]:
        with open_source(path) as source:
            frames = list(source)
        values += [int(f.pixels[0, 0]) for f in frames]
        shapes.append({f.shape for f in frames})
    assert values == list(range(values[0], 120))
    assert shapes == [{(24, 32)}, {(20, 30)}, {(24, 32)}]


def test_a_stale_image_stays_dimmed_until_a_new_one_and_unfreezing_shows_the_newest(
    qtbot, tmp_path
):
    """QA: unfrozen while the stream was down, the frame stepped back to was shown as its
    last, with the silence counted from then; reconnected, the old image read LIVE at once."""
    window = make_window(qtbot, tmp_path)
    s, view = window.state, window.view
    window.open_path("fakelive://60")
    qtbot.waitUntil(lambda: s.stream == "stalled", timeout=5000)  # 60 frames, then silence
    newest = s.frame.index
    qtbot.wait(1100)
    window.actions["freeze"].trigger()
    for _ in range(3):
        window.actions["step_back"].trigger()
    assert s.frame.index < newest
    window.actions["freeze"].trigger()  # unfrozen, still stalled
    assert s.frame.index == newest and view._stale_notice().startswith("STALLED")
    assert not view._stale_notice().endswith("for 0 s")  # counted from the newest frame's arrival
    s.update(stream="live")  # the link is back, but no image yet: the old one is not live
    assert view.image.opacity() < 1 and view._stale_notice().startswith("CONNECTED  ·  no new")
    later = replace(s.frame, index=newest + 1)
    s.update(frame=later)
    assert view.image.opacity() == 1 and not view._stale_notice()


def test_the_state_badge_leaves_the_rulers_zero_readable(qtbot, tmp_path):
    """QA: with the image filling the view's height, STALLED sat on the ruler's "0 mm"."""
    window = make_window(qtbot, tmp_path)
    window.resize(1300, 420)  # wide: the image fills the height, the ruler runs at its right
    window.open_path("fakelive://60")
    qtbot.waitUntil(lambda: window.state.stream == "stalled", timeout=5000)
    view = window.view
    image = view.mapFromScene(view.image.sceneBoundingRect()).boundingRect()
    assert image.top() < 40  # the case that overlapped
    shot = view.viewport().grab().toImage()
    orange = QColor(STATE_COLOURS["stalled"])
    badge_columns = [
        x for x in range(shot.width()) for y in range(10, 30) if shot.pixelColor(x, y) == orange
    ]
    assert badge_columns and max(badge_columns) < image.right() + 6  # left of the ruler's line


def test_closing_the_window_stops_the_stream(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.open_path("fakelive://1000")
    qtbot.waitUntil(lambda: window.state.stream == "live", timeout=5000)
    worker = window.controller.worker
    window.close()
    assert not worker.isRunning()
    streams = [t.name for t in threading.enumerate() if t.name.endswith("fakelive://1000")]
    assert streams == []  # the receiver and watchdog threads of the stream are gone too


def test_a_stream_without_an_image_yet_says_why_instead_of_a_black_view():
    from vesselscope.gui.hud import hud_lines
    from vesselscope.gui.state import SourceInfo, ViewerState

    state = ViewerState()
    state.update(source=SourceInfo("igtl://scanner:18944", None, None, None))
    state.update(stream="disconnected", stream_reason="cannot reach scanner:18944")
    assert hud_lines(state) == [
        "igtl://scanner:18944",
        "No image yet (reconnecting: cannot reach scanner:18944)",
    ]
