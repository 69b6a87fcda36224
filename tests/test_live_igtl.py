"""igtl:// against a server in another process on 127.0.0.1: `vesselscope serve` or a fake."""

import re
import socket
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from vesselscope import SourceError, open_source
from vesselscope.cli import main
from vesselscope.live import FrameFeed, StreamState
from vesselscope.live.serve_process import ServerProcess, serve_process
from vesselscope.live.server import ReplayServer

SIM = "sim://femoral?seed=1&frames=30&size=48,64"
FAKE_SERVER = str(Path(__file__).with_name("live_fake_server.py"))


@pytest.fixture
def servers():
    """Starts servers in child processes and always stops them."""
    started = []

    def start(command=None, *args):
        server = (
            ServerProcess([sys.executable, FAKE_SERVER, *args])
            if command == "fake"
            else (serve_process(SIM, *args))
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _connect(port, query=""):
    source = open_source(f"igtl://127.0.0.1:{port}{query}")
    statuses = []
    source.add_status_listener(statuses.append)
    return source, statuses


def _take(feed, count, timeout=5.0):
    frames, deadline = [], time.monotonic() + timeout
    while len(frames) < count and time.monotonic() < deadline:
        frame = feed.get(timeout=0.1)
        if frame is not None:
            frames.append(frame)
    assert len(frames) == count, f"got {len(frames)} of {count} frames in {timeout} s"
    return frames


def test_frames_arrive_with_the_served_pixels_and_spacing(servers):
    server = servers(None, "--fps", "60", "--loop")
    recording = open_source(SIM)
    originals = [frame.pixels for frame in recording]
    first, _ = _connect(server.port)
    second, _ = _connect(server.port)  # the server feeds several clients at once
    with FrameFeed(first, "every") as feed, FrameFeed(second, "latest") as other:
        frames = _take(feed, 10)
        assert _take(other, 1)[0].spacing_mm == pytest.approx(recording.spacing_mm)
    matches = [[np.array_equal(f.pixels, o) for o in originals].index(True) for f in frames]
    assert len(set(matches)) > 1  # several different frames, each exactly one of the recording
    # The matrix is float32 in the protocol: the spacing comes back to float32 precision.
    assert all(f.spacing_mm == pytest.approx(recording.spacing_mm, rel=1e-6) for f in frames)
    assert [f.index for f in frames] == list(range(10))
    assert all(abs(time.time() - f.timestamp_s) < 5 for f in frames)  # the sender's clock
    assert first.devices == {"Image"} and first.counters().ignored == 0
    assert any("client connected: 127.0.0.1:" in line for line in server.lines)


def test_images_from_pyigtls_own_server_arrive(servers):
    server = servers("fake", "pyigtl")
    source, _ = _connect(server.port)
    with FrameFeed(source, "every") as feed:
        frames = _take(feed, 5)
    values = [int(frame.pixels[0, 0]) for frame in frames]
    assert values == list(range(values[0], values[0] + 5))
    assert frames[0].shape == (12, 16) and frames[0].spacing_mm == pytest.approx((0.3, 0.2))
    assert source.device == "US"


def test_a_killed_and_restarted_server_is_reconnected(servers):
    server = servers(None, "--fps", "60", "--loop")
    source, statuses = _connect(server.port)
    with FrameFeed(source, "latest") as feed:
        assert source.board.wait_for(StreamState.LIVE, 5)
        server.kill()
        assert source.board.wait_for(StreamState.DISCONNECTED, 3)
        assert "lost 127.0.0.1" in source.status.reason
        server.start()  # the same port
        assert source.board.wait_for(StreamState.LIVE, 10)
        before = source.counters().received
        _take(feed, 3)
    states = [status.state for status in statuses]
    assert states[:2] == [StreamState.CONNECTING, StreamState.LIVE]
    assert StreamState.DISCONNECTED in states[2:]
    assert states.index(StreamState.LIVE, states.index(StreamState.DISCONNECTED)) > 0
    assert source.counters().reconnects == 1 and source.counters().received > before


def test_a_silent_server_shows_as_stalled_within_a_second(servers):
    server = servers("fake", "stall")
    source, statuses = _connect(server.port)
    with FrameFeed(source, "latest"):
        assert source.board.wait_for(StreamState.LIVE, 5)
        assert source.board.wait_for(StreamState.STALLED, 1.5)
        time.sleep(0.3)
        assert source.state is StreamState.STALLED  # still connected: no reconnect storm
    live = next(s for s in statuses if s.state is StreamState.LIVE)
    stalled = next(s for s in statuses if s.state is StreamState.STALLED)
    assert stalled.since - live.since < 1.0  # the 5 images take 0.1 s, then 0.5 s of silence
    assert source.counters().received == 5 and source.counters().reconnects == 0


def test_a_burst_faster_than_processing_is_dropped_with_flat_memory(servers):
    server = servers(None, "--fps", "1000", "--loop")
    source, _ = _connect(server.port)
    tracemalloc.start()
    try:
        with FrameFeed(source, "latest") as feed:
            _take(feed, 5)
            warm, _ = tracemalloc.get_traced_memory()
            end = time.monotonic() + 2.0
            while time.monotonic() < end:
                if feed.get(timeout=0.1) is not None:
                    time.sleep(0.03)  # processing far slower than the stream
            grown = tracemalloc.get_traced_memory()[0] - warm
    finally:
        tracemalloc.stop()
    counters = source.counters()
    assert counters.dropped == feed.dropped > 0
    assert 0 <= counters.received - feed.delivered - counters.dropped <= 1
    assert grown < 1_000_000, f"memory grew by {grown} bytes over {counters.received} frames"


def test_bad_messages_are_skipped_with_a_warning_and_the_stream_goes_on(servers, caplog):
    server = servers("fake", "faults")
    source, _ = _connect(server.port, "?max_mb=0.01")  # 10 KiB: the fake's 16 KiB image is over
    with FrameFeed(source, "every") as feed:
        frames = _take(feed, 8)
    assert [int(frame.pixels[0, 0]) for frame in frames] == list(range(1, 9))
    assert frames[0].spacing_mm == pytest.approx((0.3, 0.2))  # from pyigtl's matrix
    assert source.geometry.flipped == (False, True)
    warnings = "\n".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    for expected in ("malformed IMAGE", "FOOBAR", "exceeds the 0.01 MiB", "CRC", "TRANSFORM"):
        assert expected in warnings
    assert source.counters().ignored == 5 and source.counters().reconnects == 0


def test_the_device_can_be_chosen_among_several_streams(servers):
    server = servers("fake", "devices")
    chosen, _ = _connect(server.port, "?device=Other")
    first, _ = _connect(server.port)
    with FrameFeed(chosen, "every") as feed:
        assert {int(f.pixels[0, 0]) for f in _take(feed, 6)} == {20}
    with FrameFeed(first, "every") as feed:
        assert {int(f.pixels[0, 0]) for f in _take(feed, 6)} == {10}  # the first that arrived
    assert first.device == "Probe" and first.devices == {"Probe", "Other"}
    assert first.counters().ignored >= 5


def test_a_mistyped_device_name_stalls_with_the_names_that_do_arrive(servers):
    server = servers(None, "--device", "Probe", "--loop")
    source, _ = _connect(server.port, "?device=Prboe")
    with FrameFeed(source, "latest"):
        assert source.board.wait_for(StreamState.STALLED, 5)
        time.sleep(0.2)  # the watch refreshes its reason as messages come
        reason = source.board.status.reason
    assert "images arrive from 'Probe', not 'Prboe' (?device=NAME)" in reason


def test_no_server_is_connecting_with_a_reason_and_closes_promptly():
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source, _ = _connect(port)
    feed = FrameFeed(source, "latest")
    deadline = time.monotonic() + 2
    while "refused" not in source.status.reason and time.monotonic() < deadline:
        time.sleep(0.02)
    assert source.state is StreamState.CONNECTING and "retrying in" in source.status.reason
    started = time.monotonic()
    feed.close()
    assert time.monotonic() - started < 1.0
    assert source.state is StreamState.DISCONNECTED and feed.get(timeout=0) is None


@pytest.mark.parametrize(
    ("uri", "complaint"),
    [
        ("igtl://:18944", "no host"),
        ("igtl://localhost:port", "bad port"),
        ("igtl://localhost?colour=1", "unknown option"),
        ("igtl://localhost?stall=0", "outside"),
        ("igtl://localhost/images", "unexpected path"),
    ],
)
def test_bad_igtl_uris_are_source_errors(uri, complaint):
    with pytest.raises(SourceError, match=complaint):
        open_source(uri)


def test_the_default_port_is_openigtlinks():
    source = open_source("igtl://localhost")
    assert (source.host, source.port) == ("localhost", 18944)


def test_a_replay_without_loop_ends_after_the_last_frame_and_delivers_it():
    recording = open_source("sim://femoral?seed=2&frames=5&size=32,32")
    lines = []
    server = ReplayServer(recording, port=0, fps=100, report=lines.append)
    source, _ = _connect(server.port)
    with FrameFeed(source, "every") as feed:
        deadline = time.monotonic() + 2
        while "connected to" not in source.status.reason and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.serve() == 5
        last = None
        while (frame := feed.get(timeout=1)) is not None:
            last = frame
    assert last is not None and np.array_equal(last.pixels, recording[4].pixels)
    assert any(line.startswith("client connected: 127.0.0.1:") for line in lines)
    assert re.fullmatch(r"frames sent: 127\.0\.0\.1:\d+ [1-5](, \d skipped)?", server.delivery())


def test_a_replay_nobody_received_says_so():
    recording = open_source("sim://femoral?seed=2&frames=3&size=32,32")
    server = ReplayServer(recording, port=0, fps=200, report=lambda line: None)
    assert server.serve() == 3  # played, to nobody
    assert server.delivery() == "no client connected"


def test_serve_refuses_a_live_source_and_a_missing_file(capsys):
    with pytest.raises(SourceError, match="replays a recording"):
        ReplayServer(open_source("igtl://localhost"), port=0)
    assert main(["serve", "no-such-file.mha", "--port", "0"]) == 2
    assert "no such file" in capsys.readouterr().err
