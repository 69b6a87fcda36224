import json
import shutil

import numpy as np
import pytest

from vesselscope import Frame, SourceError, SpacingUnknownWarning, open_source
from vesselscope.writers import write_cine


def _cine(count=12, shape=(48, 64)):
    """Smooth moving blobs: video codecs keep these close, unlike pure noise."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    frames = []
    for i in range(count):
        blob = 200 * np.exp(-((rows - 20) ** 2 + (cols - 10 - 3 * i) ** 2) / 60.0)
        pixels = (30 + blob).astype(np.uint8)
        frames.append(Frame(pixels, (0.2, 0.25), i, i / 25, "gen"))
    return frames


@pytest.mark.parametrize("suffix", [".mp4", ".avi"])
def test_video_round_trip_keeps_geometry_and_pixels_close(tmp_path, suffix):
    frames = _cine()
    path = write_cine(tmp_path / f"clip{suffix}", frames, fps=25)
    assert json.loads((tmp_path / "clip.json").read_text()) == {
        "mm_per_pixel": [0.2, 0.25],
        "fps": 25,
    }
    source = open_source(path)
    assert len(source) == len(frames)
    assert source.fps == pytest.approx(25) and source.spacing_mm == (0.2, 0.25)
    for written, read in zip(frames, source, strict=True):
        assert read.color is None  # grey stays grey through a colour codec
        error = np.abs(read.pixels.astype(int) - written.pixels).mean()
        assert error < 4, f"frame {written.index}: mean abs error {error}"
    # Seeking backwards gives the same frame as reading in order.
    assert np.array_equal(source[3].pixels, list(open_source(path))[3].pixels)
    assert source[5].timestamp_s == pytest.approx(5 / 25)


@pytest.mark.parametrize("suffix", [".mp4", ".avi"])
def test_a_one_frame_video_reads_back(tmp_path, suffix):
    (written,) = _cine(1)
    source = open_source(write_cine(tmp_path / f"still{suffix}", [written], fps=25))
    assert len(source) == 1
    assert np.abs(source[0].pixels.astype(int) - written.pixels).mean() < 4
    assert np.array_equal(source[0].pixels, source[0].pixels)  # and again, after a read


def test_video_without_sidecar_warns_that_spacing_is_unknown(tmp_path):
    path = write_cine(tmp_path / "clip.avi", _cine(3), fps=10)
    (tmp_path / "clip.json").unlink()
    with pytest.warns(SpacingUnknownWarning, match="clip.avi"):
        source = open_source(path)
    assert source.spacing_mm is None and source.fps == pytest.approx(10)


def test_cut_off_avi_still_opens_with_the_frames_it_holds(tmp_path):
    path = write_cine(tmp_path / "clip.avi", _cine(20), fps=25)
    data = path.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) * 6 // 10])
    shutil.copy(tmp_path / "clip.json", tmp_path / "cut.json")
    source = open_source(cut)
    assert 5 <= len(source) < 20
    assert len(list(source)) == len(source)  # every counted frame really decodes


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "empty"), (b"\x00" * 4096, "not a readable video"), (b"RIFF" + bytes(300), "not a")],
)
def test_broken_video_files_give_one_clear_error(tmp_path, content, reason):
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=reason) as error:
        open_source(path, spacing_mm=0.1)
    assert "bad.mp4" in str(error.value)


def test_writing_nothing_or_mixed_sizes_is_refused(tmp_path):
    with pytest.raises(SourceError, match="no frames"):
        write_cine(tmp_path / "a.mp4", [])
    mixed = [_cine(1)[0], Frame(np.zeros((10, 10), np.uint8), None, 1, 0.1, "x")]
    with pytest.raises(SourceError, match="earlier frames"):
        write_cine(tmp_path / "b.mp4", mixed)
    assert list(tmp_path.iterdir()) == []  # no video that looks whole, no sidecar, no temporary
    folder = write_cine(tmp_path / "stills", mixed)  # pictures of their own: any size
    with pytest.warns(SpacingUnknownWarning):  # the last frame's spacing: none
        assert [frame.shape for frame in open_source(folder)] == [(48, 64), (10, 10)]
    with pytest.raises(SourceError, match="cannot write '.xyz'"):
        write_cine(tmp_path / "c.xyz", mixed)


def test_a_recorder_told_to_fit_scales_other_sizes_into_the_first_and_drops_the_spacing(tmp_path):
    from vesselscope.writers.video import VideoRecorder

    recorder = VideoRecorder(
        tmp_path / "a.mp4", fps=10, spacing_mm=(0.1, 0.1), fit_other_sizes=True
    )
    recorder.append(np.full((48, 64), 100, np.uint8))
    recorder.append(np.full((96, 64), 200, np.uint8))  # twice as tall: half scale, centred
    recorder.close()
    assert recorder.fitted == 1
    assert json.loads((tmp_path / "a.json").read_text()) == {"fps": 10}
    with pytest.warns(SpacingUnknownWarning):
        source = open_source(tmp_path / "a.mp4")
    second = source[1].pixels.astype(int)
    assert second.shape == (48, 64)
    assert abs(second[:, 24:40].mean() - 200) < 6 and second[:, :10].mean() < 10  # black sides
