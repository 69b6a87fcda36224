"""FrameFeed, its mailbox, the stream status board, latency, and the LiveSource base."""

import logging
import threading
import time

import numpy as np
import pytest

from vesselscope import Frame, SourceError, open_source
from vesselscope.live import FrameFeed, LatencyMeter, LiveSource, StatusBoard, StreamState
from vesselscope.live.mailbox import Mailbox
from vesselscope.live.stream import Backoff
from vesselscope.live.throttle import ThrottledLog
from vesselscope.sources.base import Source


def _frame(index: int) -> Frame:
    return Frame(np.full((4, 4), index % 256, np.uint8), (0.1, 0.1), index, index / 30, "test")


def test_blocking_mailbox_keeps_every_frame_in_order_and_wakes_on_close():
    box = Mailbox(2, "block")
    results = []

    def produce():
        results.extend(box.put(_frame(i)) for i in range(5))

    producer = threading.Thread(target=produce)
    producer.start()
    got = [box.get(timeout=2).index for _ in range(3)]
    box.close()  # the producer, blocked on a full mailbox, must wake and give up
    producer.join(2)
    assert not producer.is_alive()
    assert got == [0, 1, 2] and box.dropped == 0 and results[-1] is False


def test_latest_slot_keeps_the_newest_and_counts_the_rest():
    box = Mailbox(1, "drop_oldest")
    for i in range(5):
        assert box.put(_frame(i))
    assert box.get(timeout=0).index == 4 and box.dropped == 4
    assert box.get(timeout=0.01) is None and not box.ended
    box.close()
    assert box.ended and box.get() is None


def test_a_producer_error_arrives_after_the_frames_before_it():
    box = Mailbox(4, "block")
    box.put(_frame(0))
    box.close(SourceError("x.mha", "frame 1 does not decode"))
    assert box.get().index == 0
    with pytest.raises(SourceError, match="frame 1"):
        box.get()


def test_every_policy_gives_each_frame_of_a_recording_in_order():
    source = open_source("sim://femoral?seed=1&frames=12&size=32,32")
    with FrameFeed(source, "every") as feed:
        indices = [frame.index for frame in feed]
    assert indices == list(range(12)) and feed.dropped == 0 and feed.ended


def test_latest_policy_paces_a_recording_and_drops_for_a_slow_consumer():
    source = open_source("sim://femoral?seed=1&frames=40&size=32,32&fps=200")
    indices = []
    with FrameFeed(source, "latest") as feed:
        for frame in feed:
            indices.append(frame.index)
            time.sleep(0.02)  # four frame periods per frame
    assert feed.dropped > 0 and indices[-1] == 39
    assert indices == sorted(set(indices))  # newest first never means going back in time
    assert feed.delivered + feed.dropped == 40  # every frame either seen or counted


class _BrokenAt3(Source):
    path, frame_count, fps = "broken.mha", 10, 30.0

    def _read(self, index):
        if index == 3:
            raise SourceError(self.path, "frame 3 does not decode")
        return _frame(index)


def test_a_reading_error_reaches_the_consumer_thread():
    got = []
    with FrameFeed(_BrokenAt3()) as feed, pytest.raises(SourceError, match="frame 3"):
        got.extend(frame.index for frame in feed)
    assert got == [0, 1, 2]


def test_closing_a_feed_midway_stops_its_thread():
    feed = FrameFeed(open_source("sim://femoral?frames=200&size=32,32"), "every", buffer=2)
    assert feed.get(timeout=5).index == 0
    feed.close()
    assert not feed._pump_thread.is_alive()


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="policy"):
        FrameFeed(_BrokenAt3(), "newest")


def test_status_board_tells_listeners_of_changes_only(caplog):
    board = StatusBoard("igtl://x")
    seen = []
    remove = board.add_listener(seen.append)
    board.add_listener(lambda status: 1 / 0)  # a broken listener must not break the stream
    board.set(StreamState.LIVE, "receiving")
    board.set(StreamState.LIVE, "receiving")
    assert not board.set(
        StreamState.STALLED, "quiet", when=lambda s: s.state is StreamState.CONNECTING
    )
    board.set(StreamState.STALLED, "quiet")
    remove()
    board.set(StreamState.LIVE, "receiving")
    assert [(s.state, s.reason) for s in seen] == [
        (StreamState.LIVE, "receiving"),
        (StreamState.STALLED, "quiet"),
    ]
    assert "listener failed" in caplog.text
    assert board.wait_for(StreamState.LIVE, timeout=0)
    assert not board.wait_for(StreamState.STALLED, timeout=0.01)


class _Scripted(LiveSource):
    """A live source without a network: delivers `count` frames, pauses, delivers again."""

    def __init__(self, count=3, pause=1.0):
        super().__init__("scripted://", stall_s=0.2)
        self.count, self.pause = count, pause

    def _receive(self):
        self._link_up("up")
        for burst in range(2):
            for i in range(self.count):
                self._deliver(_frame(burst * self.count + i))
            if self._pause(self.pause):
                return


def test_a_silent_live_source_goes_stalled_then_live_again():
    source = _Scripted()
    states = []
    source.add_status_listener(lambda status: states.append(status.state))
    feed = FrameFeed(source, "latest")
    try:
        assert source.board.wait_for(StreamState.STALLED, timeout=1.0)
        assert source.board.wait_for(StreamState.LIVE, timeout=2.0)
    finally:
        feed.close()
    assert states[:4] == [
        StreamState.CONNECTING,
        StreamState.LIVE,
        StreamState.STALLED,
        StreamState.LIVE,
    ]
    assert source.state is StreamState.DISCONNECTED and source.status.reason == "closed"
    assert source.counters().received == 6
    assert not any(thread.is_alive() for thread in source._threads)


class _Slow(LiveSource):
    """Frames every `interval` s (slower than the stall time), then silence."""

    def __init__(self, count=5, interval=0.3):
        super().__init__("slow://", stall_s=0.2)
        self.count, self.interval = count, interval

    def _receive(self):
        self._link_up("up")
        for i in range(self.count):
            self._deliver(_frame(i))
            if self._pause(self.interval):
                return
        self._pause(10)


def test_a_stream_slower_than_the_stall_time_stalls_only_when_it_stops():
    """At 1.5 images a second and a 0.5 s stall time, the viewer's alarm went on and off with
    every image; a slow stream is stalled after three of its usual intervals."""
    source = _Slow()
    states = []
    source.add_status_listener(lambda status: states.append(status.state))
    feed = FrameFeed(source, "latest")
    try:
        time.sleep(5 * 0.3 + 1.2)  # the 5 frames, then silence for longer than 3 intervals
        assert source.stall_after_s() == pytest.approx(0.9, abs=0.1)
    finally:
        feed.close()
    # stalled only when it stopped: not even between its first two frames, before its rate was
    # known (QA saw that flash once)
    assert states == [
        StreamState.CONNECTING,
        StreamState.LIVE,
        StreamState.STALLED,
        StreamState.DISCONNECTED,
    ]


def test_a_live_source_is_not_a_sequence():
    source = _Scripted()
    assert not source.seekable
    with pytest.raises(TypeError, match="no length"):
        len(source)
    with pytest.raises(SourceError, match="cannot seek"):
        source[0]
    feed = FrameFeed(source)
    with pytest.raises(SourceError, match="already started"):
        FrameFeed(source)
    feed.close()


class _Buggy(LiveSource):
    def _receive(self):
        self._deliver(_frame(0))
        raise RuntimeError("decoder bug")


def test_a_receiver_bug_shows_in_the_status_and_reaches_the_consumer(caplog):
    source = _Buggy("buggy://")
    with FrameFeed(source) as feed:
        assert feed.get(timeout=2).index == 0
        with pytest.raises(RuntimeError, match="decoder bug"):
            feed.get(timeout=2)
        assert source.state is StreamState.DISCONNECTED
        assert source.status.reason == "receiver failed: decoder bug"
    assert "the receiver failed" in caplog.text


def test_iterating_a_live_source_directly_takes_every_frame():
    source = _Scripted(count=4, pause=0.05)
    frames = iter(source)
    assert [next(frames).index for _ in range(8)] == list(range(8))
    frames.close()  # closing the iterator closes its feed and so the source
    assert source.status.reason == "closed"


def test_latency_meter_percentiles_and_bounded_memory():
    meter = LatencyMeter(keep=100)
    for ms in range(1, 1001):
        meter.record(0.0, done_s=ms / 1000)
    assert meter.count == 1000
    figures = meter.percentiles()  # over the newest 100: 901..1000 ms
    assert figures[50] == pytest.approx(950.5) and figures[99] == pytest.approx(999.01)
    assert "p95" in meter.summary()
    assert LatencyMeter().percentiles() == {}


def test_throttled_log_warns_once_per_kind_then_counts(caplog, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    log = ThrottledLog(logging.getLogger("test.throttle"), interval_s=10)
    for _ in range(3):
        log.warning("a", "skipped FOO")
    log.warning("b", "skipped BAR")
    clock[0] += 11
    log.warning("a", "skipped FOO")
    assert [r.getMessage() for r in caplog.records] == [
        "skipped FOO",
        "skipped BAR",
        "skipped FOO (2 more like it since the last warning)",
    ]


def test_backoff_doubles_to_its_limit_and_resets():
    backoff = Backoff(0.1, 0.5)
    assert [backoff.next() for _ in range(5)] == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5])
    backoff.reset()
    assert backoff.next() == pytest.approx(0.1)
