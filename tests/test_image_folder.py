import json
import struct
import zlib

import cv2
import numpy as np
import pytest

from vesselscope import Frame, SourceError, SpacingUnknownWarning, open_source
from vesselscope.writers import write_cine


def _frames(count=5, shape=(24, 32), spacing=(0.1, 0.1)):
    rng = np.random.default_rng(7)
    return [
        Frame(rng.integers(0, 256, shape, dtype=np.uint8), spacing, i, i / 20, "gen")
        for i in range(count)
    ]


def test_png_folder_round_trip_is_lossless_with_geometry(tmp_path):
    frames = _frames()
    write_cine(tmp_path / "cine", frames, fps=20)
    source = open_source(tmp_path / "cine")
    assert len(source) == 5 and source.fps == 20 and source.spacing_mm == (0.1, 0.1)
    for written, read in zip(frames, source, strict=True):
        assert np.array_equal(written.pixels, read.pixels)
        assert read.timestamp_s == pytest.approx(written.timestamp_s)
        assert read.spacing_mm == (0.1, 0.1)


def test_frames_are_ordered_by_the_number_not_the_name(tmp_path):
    for number in (10, 2, 1):
        cv2.imwrite(str(tmp_path / f"frame_{number}.png"), np.full((4, 4), number, np.uint8))
    (tmp_path / "sidecar.json").write_text(json.dumps({"mm_per_pixel": 0.2}))
    source = open_source(tmp_path)
    assert [int(f.pixels[0, 0]) for f in source] == [1, 2, 10]
    assert source[-1].origin.endswith("frame_10.png")


def test_bare_numbers_and_sidecar_beside_the_folder(tmp_path):
    folder = tmp_path / "scan"
    folder.mkdir()
    for number in (3, 1, 2):
        cv2.imwrite(str(folder / f"{number:04d}.png"), np.full((6, 8), number, np.uint8))
    (tmp_path / "scan.json").write_text(
        json.dumps({"mm_per_pixel": [0.1, 0.2], "fps": 12.5, "crop": [2, 1, 4, 3]})
    )
    source = open_source(folder)
    assert source.fps == 12.5 and source.spacing_mm == (0.1, 0.2)
    assert source[0].shape == (3, 4)  # the sidecar's crop rectangle, x=2 y=1 w=4 h=3
    assert source[2].timestamp_s == pytest.approx(2 / 12.5)


@pytest.mark.filterwarnings("ignore::vesselscope.SpacingUnknownWarning")
def test_a_misspelt_sidecar_key_is_named_not_silently_ignored(tmp_path):
    folder = tmp_path / "scan"
    folder.mkdir()
    cv2.imwrite(str(folder / "0001.png"), np.zeros((6, 8), np.uint8))
    (tmp_path / "scan.json").write_text(json.dumps({"mmperpixel": 0.1, "fps": 10}))
    with pytest.warns(UserWarning, match="unknown sidecar key\\(s\\) 'mmperpixel' ignored"):
        source = open_source(folder)
    assert source.fps == 10


def test_single_image_is_a_one_frame_cine_and_colour_is_kept(tmp_path):
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[..., 0] = 200  # red
    cv2.imwrite(str(tmp_path / "still.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    with pytest.warns(SpacingUnknownWarning):
        source = open_source(tmp_path / "still.png")
    frame = source[0]
    assert len(source) == 1 and frame.spacing_mm is None
    assert np.array_equal(frame.color, rgb)
    assert frame.pixels[0, 0] == round(0.299 * 200)


def test_sixteen_bit_png_is_scaled_to_uint8(tmp_path):
    image = np.array([[0, 1000], [2000, 4000]], np.uint16)
    cv2.imwrite(str(tmp_path / "f_1.png"), image)
    source = open_source(tmp_path, spacing_mm=0.1)
    assert source[0].pixels.tolist() == [[0, 64], [128, 255]]


def test_spacing_override_wins_over_the_sidecar(tmp_path):
    write_cine(tmp_path / "cine", _frames(2))
    source = open_source(tmp_path / "cine", spacing_mm=(0.3, 0.4))
    assert source.spacing_mm == (0.3, 0.4) and source[1].spacing_mm == (0.3, 0.4)


def _blank_pngs(folder, *names):
    for name in names:
        cv2.imwrite(str(folder / name), np.zeros((4, 4), np.uint8))


def _png_header_only(width, height):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


@pytest.mark.parametrize(
    "setup, reason",
    [
        (lambda d: None, "no image files"),
        (lambda d: (d / "f_1.png").write_bytes(b""), "empty"),
        (lambda d: (d / "f_1.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage"), "PNG header"),
        (lambda d: (d / "f_1.png").write_bytes(_png_header_only(200000, 200000)), "GiB"),
        (lambda d: (d / "f_1.png").write_bytes(_png_header_only(64, 64)), "not a readable"),
        (lambda d: (d / "f_1.jpg").write_bytes(b"\xff\xd8\xff" + bytes(50)), "not a readable"),
        (
            lambda d: _blank_pngs(d, "a1.png", "b1.png"),
            "several numbered series",
        ),
        (
            lambda d: _blank_pngs(d, "f1.png", "f01.png"),
            "same number",
        ),
        (
            lambda d: [
                cv2.imwrite(str(d / "f1.png"), np.zeros((4, 4), np.uint8)),
                (d / "sidecar.json").write_text('{"crop": [0, 0, 9, 9]}'),
            ],
            "reaches outside",
        ),
        (
            lambda d: [
                cv2.imwrite(str(d / "f1.png"), np.zeros((4, 4), np.uint8)),
                (d / "sidecar.json").write_text('{"mm_per_pixel": -1}'),
            ],
            "not a positive size",
        ),
        (
            lambda d: [
                cv2.imwrite(str(d / "f1.png"), np.zeros((4, 4), np.uint8)),
                (d / "sidecar.json").write_text("{not json"),
            ],
            "cannot read sidecar",
        ),
    ],
)
def test_bad_folders_give_one_clear_error(tmp_path, setup, reason):
    setup(tmp_path)
    with pytest.raises(SourceError, match=reason) as error:
        open_source(tmp_path, spacing_mm=0.1)
    assert str(tmp_path) in str(error.value)


def test_stills_of_different_sizes_are_each_read_as_they_are(tmp_path):
    cv2.imwrite(str(tmp_path / "f1.png"), np.zeros((5, 6), np.uint8))
    cv2.imwrite(str(tmp_path / "f2.png"), np.zeros((4, 4), np.uint8))
    (tmp_path / "sidecar.json").write_text('{"crop": [0, 0, 4, 4]}')
    source = open_source(tmp_path, spacing_mm=0.1)
    assert [f.shape for f in source] == [(4, 4), (4, 4)]
    (tmp_path / "sidecar.json").write_text('{"crop": [1, 0, 4, 5]}')
    source = open_source(tmp_path, spacing_mm=0.1)
    assert source[0].shape == (5, 4)
    outside = r"crop \[1, 0, 4, 5\] reaches outside the 4x4 frame of .*f2\.png"
    with pytest.raises(SourceError, match=outside):
        source[1]
