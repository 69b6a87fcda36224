"""SequenceRecorder: a recording process killed with SIGKILL leaves a readable .mhd + .raw."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.sources import open_source
from vesselscope.sources.metaimage import TruncatedRecordingWarning
from vesselscope.sources.metaimage_header import parse_header
from vesselscope.writers.atomic import atomic_file
from vesselscope.writers.metaimage import write_metaimage
from vesselscope.writers.recorder import SequenceRecorder

H, W = 20, 30
REPO = Path(__file__).resolve().parents[1]

# The child records frames until it is killed. With a header size limit of 0 it rewrites the
# header only every `interval` seconds, so it is killed while the header lists fewer frames
# than the .raw holds.
CHILD = """
import sys, time
import numpy as np
from vesselscope.frame import Frame
from vesselscope.writers import recorder

recorder.EVERY_FRAME_HEADER_BYTES = int(sys.argv[2])
recorder.HEADER_INTERVAL_S = float(sys.argv[3])
with recorder.SequenceRecorder(sys.argv[1], spacing_mm=(0.2, 0.3), fps_hint=50) as rec:
    index = 0
    while True:
        pixels = np.full((20, 30), index % 251, np.uint8)
        pixels[0, 0] = index // 251
        rec.append(Frame(pixels, None, index, 1000.0 + index / 50, "child"))
        index += 1
        print(index, flush=True)
        time.sleep(0.002)
"""


def pixels_of(index: int) -> np.ndarray:
    pixels = np.full((H, W), index % 251, np.uint8)
    pixels[0, 0] = index // 251
    return pixels


def record_and_kill(path: Path, frames: int, header_bytes: int, interval: float) -> None:
    environment = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(header_bytes), str(interval)],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if int(line) >= frames:
                break
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
@pytest.mark.parametrize(
    ("frames", "header_bytes", "interval"),
    [(1, 64 * 1024, 0.5), (7, 64 * 1024, 0.5), (60, 0, 0.03), (25, 0, 60.0)],
    ids=["first-frame", "header-every-frame", "header-every-30ms", "header-of-frame-0-only"],
)
def test_killed_recording_opens_with_every_appended_frame(tmp_path, frames, header_bytes, interval):
    path = tmp_path / "live.mhd"
    record_and_kill(path, frames, header_bytes, interval)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = open_source(path)
    assert len(source) >= frames - 1
    listed = int(parse_header(path.read_bytes())["DimSize"].split()[2])
    if interval > 1:
        assert listed == 1  # only the first frame's header was written
    # Frames beyond the header are recovered, and said to be.
    assert [w.category for w in caught] == [TruncatedRecordingWarning] * (len(source) > listed)
    assert source.spacing_mm == (0.2, 0.3)
    for frame in source:
        np.testing.assert_array_equal(frame.pixels, pixels_of(frame.index))
        assert frame.timestamp_s == pytest.approx(1000.0 + frame.index / 50)


def test_closed_recording_lists_every_frame(tmp_path):
    path = tmp_path / "done.mhd"
    with SequenceRecorder(path, spacing_mm=0.25) as recorder:
        for index in range(5):
            spacing = (0.5, 0.5) if index == 2 else None  # the recorder's spacing wins
            recorder.append(Frame(pixels_of(index), spacing, index, index / 10, "test"))
        assert recorder.frame_count == 5
    with open_source(path) as source:
        assert len(source) == 5 and source.fps == pytest.approx(10.0)
        assert [f.spacing_mm for f in source] == [(0.25, 0.25)] * 5
        np.testing.assert_array_equal(source[4].pixels, pixels_of(4))
    assert sorted(os.listdir(tmp_path)) == ["done.mhd", "done.raw"]


def test_recorder_refuses_bad_input_and_leaves_nothing_when_empty(tmp_path):
    with pytest.raises(SourceError, match=".mhd header"):
        SequenceRecorder(tmp_path / "x.mha")
    recorder = SequenceRecorder(tmp_path / "empty.mhd")
    recorder.append(Frame(pixels_of(0), None, 0, 0.0, "test"))
    with pytest.raises(SourceError, match="one size and type"):
        recorder.append(Frame(np.zeros((4, 4), np.uint8), None, 1, 0.1, "test"))
    recorder.close()
    with pytest.raises(SourceError, match="closed"):
        recorder.append(Frame(pixels_of(1), None, 1, 0.1, "test"))
    with pytest.warns(UserWarning, match="spacing unknown"), open_source(recorder.path) as source:
        assert len(source) == 1
    write_metaimage(tmp_path / "nothing.mhd", [Frame(pixels_of(0), None, 0, 0.0, "old")])
    SequenceRecorder(tmp_path / "nothing.mhd").close()  # replaces the old recording
    assert not (tmp_path / "nothing.mhd").exists() and not (tmp_path / "nothing.raw").exists()


def test_a_failed_atomic_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "frame.png"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file(target) as out:
        out.write(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [target]
    with atomic_file(target) as out:
        out.write(b"new")
    assert target.read_bytes() == b"new" and sorted(tmp_path.iterdir()) == [target]


def test_an_atomic_write_that_cannot_start_names_the_file_asked_for(tmp_path):
    (tmp_path / "a file").write_text("not a folder")
    target = tmp_path / "a file" / "frame.png"
    refused = pytest.raises(SourceError, match=r"frame.png: cannot create its folder")
    with refused as error, atomic_file(target):
        pass
    assert error.value.path == str(target)  # not the hidden temporary beside it


def test_an_atomic_write_goes_through_a_link_and_into_what_is_no_file(tmp_path):
    """Replaced, /dev/null became a file of results (replay --json as root), a link to the
    results a file of its own, and a named pipe's reader got nothing."""
    import os
    import threading

    real = tmp_path / "real.jsonl"
    real.write_bytes(b"old")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with atomic_file(link) as out:
        out.write(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    with atomic_file(pipe) as out:
        out.write(b"results")
    reader.join(timeout=10)
    assert received == [b"results"] and stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.jsonl", "pipe", "real.jsonl"]
