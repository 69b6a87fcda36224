"""capture://N: URI options, errors, and the capture path driven by a video file (no camera)."""

import cv2
import numpy as np
import pytest

from vesselscope import SourceError, SpacingUnknownWarning, open_source
from vesselscope.live import FrameFeed, StreamState
from vesselscope.live.capture import CaptureSource

SHAPE = (48, 64)  # rows, columns of the captured picture


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """Ten grey pictures; a smooth ramp so the codec keeps values close."""
    path = tmp_path_factory.mktemp("capture") / "grabber.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, SHAPE[::-1])
    ramp = np.add.outer(np.arange(SHAPE[0]), 2 * np.arange(SHAPE[1])).astype(np.uint8)
    for _ in range(10):
        writer.write(cv2.cvtColor(ramp, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path, ramp


def _from_file(path, fail_after=None):
    """An opener that plays `path` as if it were the device; after `fail_after` opens the
    device is "unplugged"."""
    opened = []

    def opener(index):
        opened.append(index)
        if fail_after is not None and len(opened) > fail_after:
            return cv2.VideoCapture()  # not opened
        return cv2.VideoCapture(str(path))

    return opener, opened


def test_a_grabber_picture_is_cropped_and_given_its_spacing(video):
    path, ramp = video
    # One pass of the file (9 pictures after the probe) into a feed that holds them all: a file
    # is read far faster than a device gives pictures, and under load a feed of the default 8
    # dropped the first before this thread read it.
    opener, opened = _from_file(path, fail_after=1)
    source = open_source("capture://2?crop=8,4,32,24&spacing=0.2", opener=opener)
    assert source.picture_shape == SHAPE and source.spacing_mm == (0.2, 0.2)
    with FrameFeed(source, "every", buffer=16) as feed:
        frames = [feed.get(timeout=5) for _ in range(3)]
    assert opened[0] == 2
    for frame in frames:
        assert frame.shape == (24, 32) and frame.spacing_mm == (0.2, 0.2) and frame.color is None
        error = np.abs(frame.pixels.astype(int) - ramp[4:28, 8:40]).mean()
        assert error < 4, f"mean abs error {error}"
    assert [frame.index for frame in frames] == [0, 1, 2]


def test_a_device_that_stops_is_reopened_and_goes_live_again(video):
    opener, opened = _from_file(video[0])  # the file ends after 10 pictures: the "device" stops
    source = CaptureSource("capture://0?spacing=0.3,0.25", opener=opener)
    states = []
    source.add_status_listener(lambda status: states.append(status.state))
    with FrameFeed(source, "every") as feed:
        frames = [feed.get(timeout=5) for _ in range(15)]
    assert all(frame is not None for frame in frames) and frames[0].spacing_mm == (0.3, 0.25)
    assert len(opened) >= 2
    assert StreamState.DISCONNECTED in states
    assert StreamState.LIVE in states[states.index(StreamState.DISCONNECTED) :]


def test_an_unplugged_device_says_so_while_retrying(video):
    opener, _ = _from_file(video[0], fail_after=1)
    source = CaptureSource("capture://0?spacing=0.2", opener=opener)
    with FrameFeed(source, "latest"):
        assert source.board.wait_for(StreamState.DISCONNECTED, 5)
        assert "not available" in source.status.reason or "stopped" in source.status.reason


def test_a_missing_device_is_a_source_error_naming_the_uri():
    with pytest.raises(SourceError, match=r"capture://9.*capture device 9 is not available"):
        open_source("capture://9", opener=lambda index: cv2.VideoCapture())


def test_no_spacing_warns_that_millimetres_are_unavailable(video):
    opener, _ = _from_file(video[0])
    with pytest.warns(SpacingUnknownWarning, match="spacing unknown"):
        CaptureSource("capture://0", opener=opener).close()


@pytest.mark.parametrize(
    ("uri", "complaint"),
    [
        ("capture://cam", "must be a number"),
        ("capture://0?crop=1,2,3", "needs 4"),
        ("capture://0?crop=0,0,10.5,10", "whole pixels"),
        ("capture://0?crop=40,0,32,10", "exceeds the 64x48 picture"),
        ("capture://0?spacing=0", "not a positive size"),
        ("capture://0?spacing=a", "not a list of numbers"),
        ("capture://0?zoom=2", "unknown option"),
    ],
)
def test_bad_capture_uris_are_source_errors(video, uri, complaint):
    opener, _ = _from_file(video[0])
    with pytest.raises(SourceError, match=complaint):
        open_source(uri, opener=opener, spacing_mm=0.1)
